"""Prompt token counts with the provider's own tokenizer, where litellm's count is exact."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from costroute.catalog import Deployment
from costroute.providers._loader import litellm

__all__ = ["EXACT_PROVIDERS", "count_prompt_tokens"]

EXACT_PROVIDERS = frozenset({"openai", "deepseek"})
"""litellm counts exactly for OpenAI (tiktoken) and DeepSeek (its bundled tokenizer); its count
for Claude is an approximation, so Anthropic deployments keep the conservative bound."""


def count_prompt_tokens(
    deployment: Deployment, messages: Sequence[Mapping[str, Any]], tools: Any = None
) -> int | None:
    """The prompt's tokens for ``deployment``, or None when no exact count is available.

    About 40-60 µs warm; the first call of a tokenizer loads it (bundled with litellm, offline).
    """
    if deployment.provider not in EXACT_PROVIDERS:
        return None
    try:
        count = litellm().token_counter(
            model=deployment.model, messages=list(messages), tools=tools or None
        )
    except Exception:  # an unknown model or message shape: fall back to the bound
        return None
    return int(count) if isinstance(count, int) and count >= 0 else None
