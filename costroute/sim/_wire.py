"""Provider wire formats: a :class:`Completion` as each real API would send it.

* OpenAI and DeepSeek ``/chat/completions``: a ``chat.completion`` object, or SSE
  ``data: {chunk}`` lines ending with ``data: [DONE]``. OpenAI sends a usage-only chunk
  (``choices: []``) when ``stream_options.include_usage`` is true; DeepSeek always puts
  the usage on its last chunk, next to ``finish_reason``.
* Anthropic ``/v1/messages``: a ``message`` object, or the SSE events ``message_start``,
  ``content_block_start``, ``ping``, ``content_block_delta``, ``content_block_stop``,
  ``message_delta`` (with ``usage.output_tokens``) and ``message_stop``.

Stream events come with a weight in tokens, which the server uses to pace them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ._engine import Completion

__all__ = ["Event", "Ids", "chat_body", "chat_events", "messages_body", "messages_events"]

_STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}


@dataclass(frozen=True)
class Ids:
    """Identifiers of one response: the response itself and its tool call."""

    response: str
    tool_call: str
    created: int


@dataclass(frozen=True)
class Event:
    """One SSE event, ready to write, and how many tokens of generation it stands for."""

    data: bytes
    tokens: float


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"))


def _pieces(text: str, size: int = 0) -> list[str]:
    """Stream deltas: one word (with its leading space) each, or ``size``-character slices."""
    if size:
        return [text[i : i + size] for i in range(0, len(text), size)]
    return re.findall(r"\s*\S+|\s+$", text)


# --------------------------------------------------------------------------- usage blocks


def openai_usage(c: Completion) -> dict[str, Any]:
    """OpenAI's usage block (cached and reasoning tokens in their details objects)."""
    return {
        "prompt_tokens": c.prompt_tokens,
        "completion_tokens": c.completion_tokens,
        "total_tokens": c.prompt_tokens + c.completion_tokens,
        "prompt_tokens_details": {"cached_tokens": c.cache.read, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": c.reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def deepseek_usage(c: Completion) -> dict[str, Any]:
    """DeepSeek's usage block: cache hit/miss counts; reasoning details on reasoning models."""
    usage: dict[str, Any] = {
        "prompt_tokens": c.prompt_tokens,
        "completion_tokens": c.completion_tokens,
        "total_tokens": c.prompt_tokens + c.completion_tokens,
        "prompt_tokens_details": {"cached_tokens": c.cache.read},
        "prompt_cache_hit_tokens": c.cache.read,
        "prompt_cache_miss_tokens": c.prompt_tokens - c.cache.read,
    }
    if c.reasoning_tokens:
        usage["completion_tokens_details"] = {"reasoning_tokens": c.reasoning_tokens}
    return usage


def anthropic_usage(c: Completion) -> dict[str, Any]:
    """Anthropic's usage block: ``input_tokens`` excludes cache reads and writes."""
    return {
        "input_tokens": c.prompt_tokens - c.cache.read - c.cache.created,
        "cache_creation_input_tokens": c.cache.created,
        "cache_read_input_tokens": c.cache.read,
        "output_tokens": c.completion_tokens,
        "service_tier": "standard",
    }


# --------------------------------------------------------------------------- chat completions


def _tool_calls(c: Completion, ids: Ids) -> list[dict[str, Any]]:
    assert c.tool_call is not None
    function = {"name": c.tool_call.name, "arguments": c.tool_call.arguments_json}
    return [{"id": ids.tool_call, "type": "function", "function": function}]


def _chat_message(c: Completion, ids: Ids, deepseek: bool) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": c.text}
    if c.tool_call is not None:
        message["content"] = "" if deepseek else None
        message["tool_calls"] = _tool_calls(c, ids)
    if deepseek and c.reasoning_tokens:
        message["reasoning_content"] = c.reasoning_text
    if not deepseek:
        message.update(refusal=None, annotations=[])
    return message


def chat_body(c: Completion, ids: Ids, deepseek: bool) -> dict[str, Any]:
    """A non-streamed ``chat.completion`` object, OpenAI or DeepSeek flavoured."""
    body: dict[str, Any] = {
        "id": ids.response,
        "object": "chat.completion",
        "created": ids.created,
        "model": c.model,
        "choices": [
            {
                "index": 0,
                "message": _chat_message(c, ids, deepseek),
                "logprobs": None,
                "finish_reason": c.finish,
            }
        ],
        "usage": deepseek_usage(c) if deepseek else openai_usage(c),
    }
    if deepseek:
        body["system_fingerprint"] = "fp_sim_deepseek"
    else:
        body.update(service_tier="default", system_fingerprint=None)
    return body


class _ChunkWriter:
    """Builds ``chat.completion.chunk`` SSE lines for one response."""

    def __init__(self, c: Completion, ids: Ids, deepseek: bool, include_usage: bool) -> None:
        self.c, self.ids, self.deepseek = c, ids, deepseek
        self.with_usage_field = deepseek or include_usage

    def chunk(
        self, delta: dict[str, Any], tokens: float, finish: str | None = None, usage: Any = None
    ) -> Event:
        """One chunk with a single choice carrying ``delta``."""
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return self.raw({"choices": [choice]}, tokens, usage)

    def raw(self, fields: dict[str, Any], tokens: float, usage: Any = None) -> Event:
        """One chunk with the given ``choices`` (and usage, when the stream carries it)."""
        obj: dict[str, Any] = {
            "id": self.ids.response,
            "object": "chat.completion.chunk",
            "created": self.ids.created,
            "model": self.c.model,
        }
        if self.deepseek:
            obj["system_fingerprint"] = "fp_sim_deepseek"
        else:
            obj.update(service_tier="default", system_fingerprint=None)
        obj.update(fields)
        if self.with_usage_field:
            obj["usage"] = usage
        return Event(f"data: {_dumps(obj)}\n\n".encode(), tokens)


def chat_events(c: Completion, ids: Ids, deepseek: bool, include_usage: bool) -> Iterator[Event]:
    """The SSE events of a streamed chat completion, ``data: [DONE]`` last."""
    w = _ChunkWriter(c, ids, deepseek, include_usage)
    hidden = 0.0 if deepseek else float(c.reasoning_tokens)  # OpenAI thinks before it speaks
    first: dict[str, Any] = {"role": "assistant", "content": ""}
    if deepseek and c.reasoning_tokens:
        first = {"role": "assistant", "content": None, "reasoning_content": ""}
    elif not deepseek:
        first["refusal"] = None
    if c.tool_call is not None:
        first = {"role": "assistant", "content": None, "tool_calls": _tool_call_head(c, ids)}
    yield w.chunk(first, hidden)
    if deepseek and c.reasoning_tokens:
        for piece in _pieces(c.reasoning_text):
            yield w.chunk({"content": None, "reasoning_content": piece}, len(piece) / 4)
    if c.tool_call is not None:
        for piece in _pieces(c.tool_call.arguments_json, size=16):
            call = {"index": 0, "function": {"arguments": piece}}
            yield w.chunk({"tool_calls": [call]}, len(piece) / 4)
    for piece in _pieces(c.text):
        text: dict[str, Any] = {"content": piece}
        if deepseek:
            text["reasoning_content"] = None
        yield w.chunk(text, len(piece) / 4)
    if deepseek:
        yield w.chunk({"content": ""}, 0, c.finish, deepseek_usage(c))
    else:
        yield w.chunk({}, 0, c.finish)
        if include_usage:
            yield w.raw({"choices": []}, 0, openai_usage(c))
    yield Event(b"data: [DONE]\n\n", 0)


def _tool_call_head(c: Completion, ids: Ids) -> list[dict[str, Any]]:
    assert c.tool_call is not None
    function = {"name": c.tool_call.name, "arguments": ""}
    return [{"index": 0, "id": ids.tool_call, "type": "function", "function": function}]


# --------------------------------------------------------------------------- anthropic messages


def _content_blocks(c: Completion, ids: Ids) -> list[dict[str, Any]]:
    if c.tool_call is not None:
        return [
            {
                "type": "tool_use",
                "id": ids.tool_call,
                "name": c.tool_call.name,
                "input": c.tool_call.arguments,
            }
        ]
    return [{"type": "text", "text": c.text}]


def messages_body(c: Completion, ids: Ids) -> dict[str, Any]:
    """A non-streamed Anthropic ``message`` object."""
    return {
        "id": ids.response,
        "type": "message",
        "role": "assistant",
        "model": c.model,
        "content": _content_blocks(c, ids),
        "stop_reason": _STOP_REASONS[c.finish],
        "stop_sequence": None,
        "usage": anthropic_usage(c),
    }


def _event(name: str, obj: dict[str, Any], tokens: float = 0.0) -> Event:
    return Event(f"event: {name}\ndata: {_dumps(obj)}\n\n".encode(), tokens)


def messages_events(c: Completion, ids: Ids) -> Iterator[Event]:
    """The SSE events of a streamed Anthropic message, ``message_stop`` last."""
    start = messages_body(c, ids) | {"content": [], "stop_reason": None}
    start["usage"] = anthropic_usage(c) | {"output_tokens": 1}
    yield _event("message_start", {"type": "message_start", "message": start}, c.reasoning_tokens)
    block = _content_blocks(c, ids)[0]
    if c.tool_call is not None:
        block, deltas = block | {"input": {}}, _pieces(c.tool_call.arguments_json, size=16)
        kind, field = "input_json_delta", "partial_json"
    else:
        block, deltas = block | {"text": ""}, _pieces(c.text)
        kind, field = "text_delta", "text"
    yield _event(
        "content_block_start", {"type": "content_block_start", "index": 0, "content_block": block}
    )
    yield _event("ping", {"type": "ping"})
    for piece in deltas:
        delta = {"type": kind, field: piece}
        yield _event(
            "content_block_delta",
            {"type": "content_block_delta", "index": 0, "delta": delta},
            len(piece) / 4,
        )
    yield _event("content_block_stop", {"type": "content_block_stop", "index": 0})
    end = {"stop_reason": _STOP_REASONS[c.finish], "stop_sequence": None}
    usage = {"output_tokens": c.completion_tokens}
    yield _event("message_delta", {"type": "message_delta", "delta": end, "usage": usage})
    yield _event("message_stop", {"type": "message_stop"})
