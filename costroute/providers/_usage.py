"""Normalise litellm's usage block (any provider) into a :class:`costroute.types.Usage`.

litellm already folds Anthropic's ``cache_read_input_tokens`` / ``cache_creation_input_tokens``
into ``prompt_tokens`` (so ``prompt_tokens`` counts every input token) and exposes them as
``prompt_tokens_details.cached_tokens`` / ``cache_write_tokens``; DeepSeek's
``prompt_cache_hit_tokens`` arrives as ``cached_tokens`` too, and reasoning tokens of every
provider as ``completion_tokens_details.reasoning_tokens``. The raw provider fields are read as
a fallback when the details are missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from costroute.types import Usage

__all__ = ["usage_from"]


def _get(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _int(value: Any) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


def usage_from(raw: Any) -> Usage:
    """A :class:`Usage` from a litellm ``Usage`` object or a usage dict (None gives zeros)."""
    if raw is None:
        return Usage()
    prompt = _get(raw, "prompt_tokens_details")
    completion = _get(raw, "completion_tokens_details")
    cached = _int(_get(prompt, "cached_tokens")) or _int(_get(raw, "prompt_cache_hit_tokens"))
    cached = cached or _int(_get(raw, "cache_read_input_tokens"))
    written = _int(_get(prompt, "cache_write_tokens")) or _int(
        _get(raw, "cache_creation_input_tokens")
    )
    return Usage(
        input_tokens=_int(_get(raw, "prompt_tokens")),
        output_tokens=_int(_get(raw, "completion_tokens")),
        cached_input_tokens=cached,
        cache_write_tokens=written,
        reasoning_tokens=_int(_get(completion, "reasoning_tokens")),
    )
