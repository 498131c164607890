"""Responses and stream chunks rebuilt from a cache entry, in the openai SDK's types.

A cache hit must look like a fresh answer: a ``ChatCompletion`` for ``chat()``, and
``ChatCompletionChunk`` chunks for ``chat(stream=True)``. Building a response costs about
10 µs, so the first hit on an in-memory entry keeps the built response in the entry
(``"_built"``, never serialised) and later hits copy it (about 9 µs): the response, its choice,
message and usage are copied, so a caller who edits its response cannot change the cache.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from costroute.providers._convert import chunk_from, completion_from

__all__ = ["chunks_from_entry", "response_from_entry"]

_BUILT = "_built"


def _copy(template: Any) -> Any:
    choice = template.choices[0]
    message = choice.message
    deep = bool(getattr(message, "tool_calls", None))
    new_choice = choice.model_copy(update={"message": message.model_copy(deep=deep)})
    update: dict[str, Any] = {"choices": [new_choice]}
    usage = getattr(template, "usage", None)
    if usage is not None:
        update["usage"] = usage.model_copy()
    return template.model_copy(update=update)


def response_from_entry(entry: dict[str, Any]) -> Any:
    """A ``ChatCompletion`` equal to the stored one, safe for the caller to modify."""
    template = entry.get(_BUILT)
    if template is None:
        template = completion_from(entry["response"])
        entry[_BUILT] = template
    return _copy(template)


def _tool_deltas(calls: Any) -> list[dict[str, Any]] | None:
    if not calls:
        return None
    return [
        {
            "index": i,
            "id": call.get("id"),
            "type": call.get("type") or "function",
            "function": dict(call.get("function") or {}),
        }
        for i, call in enumerate(calls)
        if isinstance(call, Mapping)
    ]


def chunks_from_entry(entry: Mapping[str, Any], *, include_usage: bool = True) -> list[Any]:
    """The stored answer as stream chunks: the content, the finish reason, then (when the
    caller asked for ``stream_options={"include_usage": True}``) the usage."""
    body = entry["response"]
    choice = body["choices"][0]
    message = choice.get("message") or {}
    head = {"id": body.get("id"), "created": body.get("created"), "model": body.get("model")}
    delta: dict[str, Any] = {"role": "assistant", "content": message.get("content")}
    tools = _tool_deltas(message.get("tool_calls"))
    if tools:
        delta["tool_calls"] = tools
    content = chunk_from({**head, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
    finish = choice.get("finish_reason")
    end = chunk_from({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    chunks = [content, end]
    usage = body.get("usage")
    if usage and include_usage:
        chunks.append(chunk_from({**head, "choices": [], "usage": usage}))
    return chunks
