"""Helpers for testing code that uses costroute, shipped to users like ``structlog.testing``.

Provider response bodies in each wire format (OpenAI, DeepSeek, Anthropic; JSON and SSE), to
serve with respx at the HTTP layer, and a fake clock for code that takes ``clock=``/``now=``.

>>> route = respx.post(DEEPSEEK_URL).mock(                       # doctest: +SKIP
...     return_value=httpx.Response(200, json=deepseek_body("hi", hit=64)))
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx

__all__ = [
    "ANTHROPIC_URL",
    "DEEPSEEK_URL",
    "OPENAI_URL",
    "FakeClock",
    "anthropic_body",
    "anthropic_sse",
    "deepseek_body",
    "openai_body",
    "openai_sse",
    "sse_response",
]

DEEPSEEK_URL = "https://api.deepseek.com/beta/chat/completions"
ANTHROPIC_URL = "https://api.anthropic.com/v1/messages"
OPENAI_URL = "https://api.openai.com/v1/chat/completions"


class FakeClock:
    """A monotonic clock (``clock()``) and a wall clock (``now()``) that move only when told."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.t = 0.0
        self.start = start or dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)

    def __call__(self) -> float:
        return self.t

    def now(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=self.t)

    def advance(self, seconds: float) -> None:
        self.t += seconds

    def sleep(self, seconds: float) -> None:
        """A ``sleep=`` that advances the clock instead of waiting."""
        self.t += seconds


def openai_body(
    content: str = "ok",
    *,
    model: str = "gpt-5.4",
    prompt: int = 20,
    completion: int = 5,
    cached: int = 0,
    reasoning: int = 0,
    tool_calls: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An OpenAI chat completion body with a usage block."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if tool_calls else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached},
            "completion_tokens_details": {"reasoning_tokens": reasoning},
        },
    }


def deepseek_body(
    content: str = "ok",
    *,
    prompt: int = 20,
    completion: int = 5,
    hit: int = 0,
    reasoning: int = 0,
    model: str = "deepseek-v4-flash",
) -> dict[str, Any]:
    body = openai_body(
        content, model=model, prompt=prompt, completion=completion, reasoning=reasoning
    )
    body["usage"] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_cache_hit_tokens": hit,
        "prompt_cache_miss_tokens": prompt - hit,
        "completion_tokens_details": {"reasoning_tokens": reasoning},
    }
    return body


def anthropic_body(
    text: str = "ok",
    *,
    input_tokens: int = 20,
    output: int = 5,
    read: int = 0,
    write: int = 0,
    model: str = "claude-sonnet-5-5",
) -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "usage": {
            "input_tokens": input_tokens,
            "output_tokens": output,
            "cache_read_input_tokens": read,
            "cache_creation_input_tokens": write,
        },
    }


def openai_sse(
    pieces: list[str],
    *,
    prompt: int = 20,
    completion: int = 5,
    hit: int | None = None,
    cut: bool = False,
) -> str:
    chunks: list[dict[str, Any]] = [
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "m",
            "choices": [
                {"index": 0, "delta": {"role": "assistant", "content": p}, "finish_reason": None}
            ],
        }
        for p in pieces
    ]
    if cut:
        return "".join(f"data: {json.dumps(c)}\n\n" for c in chunks)
    chunks[-1]["choices"][0]["finish_reason"] = "stop"
    usage: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    if hit is not None:
        usage.update(prompt_cache_hit_tokens=hit, prompt_cache_miss_tokens=prompt - hit)
    chunks.append(
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "m",
            "choices": [],
            "usage": usage,
        }
    )
    return "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"


def anthropic_sse(
    pieces: list[str], *, input_tokens: int = 20, output: int = 5, read: int = 0
) -> str:
    events: list[tuple[str, dict[str, Any]]] = [
        (
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "m",
                    "type": "message",
                    "role": "assistant",
                    "model": "c",
                    "content": [],
                    "stop_reason": None,
                    "usage": {
                        "input_tokens": input_tokens,
                        "output_tokens": 1,
                        "cache_read_input_tokens": read,
                        "cache_creation_input_tokens": 0,
                    },
                },
            },
        ),
        (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        ),
    ]
    events += [
        (
            "content_block_delta",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}},
        )
        for p in pieces
    ]
    events += [
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn"},
                "usage": {"output_tokens": output},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    return "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)


def sse_response(text: str) -> httpx.Response:
    return httpx.Response(200, text=text, headers={"content-type": "text/event-stream"})
