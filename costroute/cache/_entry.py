"""Cache entries: what is stored for an answer, and which answers may be stored at all.

An entry is a JSON-able dict: the response in OpenAI shape (``response``), the deployment that
answered, and the baseline cost of the original call (a hit saves all of it). Only complete
answers are stored: one choice, finish reason ``stop`` or ``tool_calls``, some content.
Errors, truncated answers (``length``, ``content_filter``) and interrupted streams never are.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from costroute.cache._store import Entry
from costroute.types import Usage

__all__ = ["CACHEABLE_FINISH", "ENTRY_VERSION", "entry_from_response", "entry_from_stream"]

ENTRY_VERSION = 1
CACHEABLE_FINISH = frozenset({"stop", "tool_calls"})


def _base(deployment: str, baseline_usd: Decimal, response: dict[str, Any]) -> Entry:
    return {
        "v": ENTRY_VERSION,
        "deployment": deployment,
        "baseline_usd": str(baseline_usd),
        "response": response,
    }


def entry_from_response(
    response: Any, finish_reason: str | None, deployment: str, baseline_usd: Decimal
) -> Entry | None:
    """The entry for a whole (non-streamed) response, or None when it must not be cached."""
    if finish_reason not in CACHEABLE_FINISH:
        return None
    dump = getattr(response, "model_dump", None)
    if not callable(dump):
        return None
    body = dump()
    choices = body.get("choices") or []
    if len(choices) != 1:
        return None
    message = choices[0].get("message") or {}
    if not message.get("content") and not message.get("tool_calls"):
        return None
    body.pop("costroute", None)
    return _base(deployment, baseline_usd, body)


def entry_from_stream(
    text: str | None,
    finish_reason: str | None,
    *,
    deployment: str,
    model: str,
    usage: Usage,
    baseline_usd: Decimal,
) -> Entry | None:
    """The entry for a streamed answer, or None (tool calls, truncated, empty: not cached)."""
    if not text or finish_reason not in CACHEABLE_FINISH:
        return None
    response = {
        "id": f"chatcmpl-cached-{int(time.time() * 1000)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": usage.input_tokens,
            "completion_tokens": usage.output_tokens,
            "total_tokens": usage.total_tokens,
        },
    }
    return _base(deployment, baseline_usd, response)
