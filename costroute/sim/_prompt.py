"""Read a chat request (OpenAI/DeepSeek or Anthropic shape) into one neutral :class:`Prompt`.

Token counting is a documented approximation, the same for every provider:

* a piece of text costs ``ceil(len(text) / 4)`` tokens;
* every message costs its text plus 4 framing tokens (role, separators);
* an image part costs a flat 85 tokens;
* tool definitions cost ``ceil(len(json.dumps(tools)) / 4)`` tokens, as one leading segment;
* an Anthropic ``system`` prompt counts as one message.

The prompt is kept as an ordered list of :class:`Segment` (tools, system, then one per
message); prompt caching works on prefixes of that list. What the prompt records of the
conversation itself (the last user turn, tool results, tools called, a JSON schema to follow)
is read in :mod:`costroute.sim._conversation`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Literal

from ._conversation import (
    called_tools,
    json_wanted,
    last_user,
    parts_text,
    system_texts,
    tool_result,
)

__all__ = ["Prompt", "Segment", "ToolSpec", "count_text_tokens", "read_chat", "read_messages"]

MESSAGE_FRAMING_TOKENS = 4
ToolMode = Literal["none", "auto", "required"]


def count_text_tokens(text: str) -> int:
    """Approximate token count of ``text``: one token per 4 characters, rounded up."""
    return math.ceil(len(text) / 4)


@dataclass(frozen=True)
class Segment:
    """One cacheable unit of the prompt: the tool list, the system prompt or a message."""

    text: str
    tokens: int
    cache_breakpoint: bool = False


@dataclass(frozen=True)
class ToolSpec:
    """A tool the model may call: its name and JSON schema of parameters."""

    name: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class Prompt:
    """Everything the simulator needs from a request body, whatever its provider shape."""

    model: str
    segments: tuple[Segment, ...]
    last_user_text: str
    ends_with_user: bool
    max_tokens: int | None = None
    tools: tuple[ToolSpec, ...] = ()
    tool_mode: ToolMode = "auto"
    forced_tool: str | None = None
    json_schema: dict[str, Any] | None = None
    tool_result: str | None = None
    called_tools: tuple[str, ...] = ()
    stream: bool = False
    include_usage: bool = False

    @property
    def tokens(self) -> int:
        """Prompt tokens, framing included."""
        return sum(s.tokens for s in self.segments)


def _segment(role: str, content: Any, extra_text: str = "") -> Segment:
    text, extra, cached = parts_text(content)
    text = f"{text}{extra_text}"
    tokens = count_text_tokens(text) + extra + MESSAGE_FRAMING_TOKENS
    return Segment(f"{role}: {text}", tokens, cached)


def _tools_segment(tools: list[Any]) -> Segment:
    raw = json.dumps(tools, sort_keys=True)
    cached = any(isinstance(t, dict) and "cache_control" in t for t in tools)
    return Segment(f"tools: {raw}", count_text_tokens(raw), cached)


def _int_or_none(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _chat_tool_choice(choice: Any) -> tuple[ToolMode, str | None]:
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        return "required", str(name) if name else None
    if choice in ("none", "required"):
        return choice, None
    return "auto", None


def _chat_json_schema(response_format: Any) -> dict[str, Any] | None:
    if not isinstance(response_format, dict):
        return None
    kind = response_format.get("type")
    if kind == "json_object":
        return {}
    if kind == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema")
        return schema if isinstance(schema, dict) else {}
    return None


def read_chat(body: dict[str, Any]) -> Prompt:
    """Read an OpenAI / DeepSeek ``/chat/completions`` request body."""
    messages = body.get("messages") or []
    segments: list[Segment] = []
    raw_tools = body.get("tools") or []
    if raw_tools:
        segments.append(_tools_segment(raw_tools))
    for message in messages:
        if not isinstance(message, dict):
            continue
        calls = message.get("tool_calls")
        extra = json.dumps(calls, sort_keys=True) if calls else ""
        segments.append(_segment(str(message.get("role", "user")), message.get("content"), extra))
    tools = tuple(
        ToolSpec(str(t["function"].get("name", "")), t["function"].get("parameters") or {})
        for t in raw_tools
        if isinstance(t, dict) and isinstance(t.get("function"), dict)
    )
    mode, forced = _chat_tool_choice(body.get("tool_choice"))
    last_text, ends_with_user = last_user(messages)
    stream_options = body.get("stream_options") or {}
    return Prompt(
        model=str(body.get("model", "")),
        segments=tuple(segments),
        last_user_text=last_text,
        ends_with_user=ends_with_user,
        max_tokens=_int_or_none(body.get("max_completion_tokens", body.get("max_tokens"))),
        tools=tools,
        tool_mode=mode,
        forced_tool=forced,
        json_schema=json_wanted(
            _chat_json_schema(body.get("response_format")), system_texts(messages)
        ),
        tool_result=tool_result(messages),
        called_tools=called_tools(messages),
        stream=bool(body.get("stream")),
        include_usage=bool(
            isinstance(stream_options, dict) and stream_options.get("include_usage")
        ),
    )


def _messages_tool_choice(choice: Any) -> tuple[ToolMode, str | None]:
    if not isinstance(choice, dict):
        return "auto", None
    kind = choice.get("type")
    if kind == "none":
        return "none", None
    if kind == "any":
        return "required", None
    if kind == "tool":
        return "required", str(choice.get("name") or "") or None
    return "auto", None


def _messages_json_schema(body: dict[str, Any]) -> dict[str, Any] | None:
    output_format = body.get("output_format")
    if isinstance(output_format, dict) and output_format.get("type") == "json_schema":
        schema = output_format.get("schema")
        return schema if isinstance(schema, dict) else {}
    return None


def read_messages(body: dict[str, Any]) -> Prompt:
    """Read an Anthropic ``/v1/messages`` request body (tools, then system, then messages)."""
    messages = body.get("messages") or []
    segments: list[Segment] = []
    raw_tools = body.get("tools") or []
    if raw_tools:
        segments.append(_tools_segment(raw_tools))
    if body.get("system"):
        segments.append(_segment("system", body["system"]))
    for message in messages:
        if isinstance(message, dict):
            segments.append(_segment(str(message.get("role", "user")), message.get("content")))
    tools = tuple(
        ToolSpec(str(t.get("name", "")), t.get("input_schema") or {})
        for t in raw_tools
        if isinstance(t, dict) and "name" in t
    )
    mode, forced = _messages_tool_choice(body.get("tool_choice"))
    last_text, ends_with_user = last_user(messages)
    return Prompt(
        model=str(body.get("model", "")),
        segments=tuple(segments),
        last_user_text=last_text,
        ends_with_user=ends_with_user,
        max_tokens=_int_or_none(body.get("max_tokens")),
        tools=tools,
        tool_mode=mode,
        forced_tool=forced,
        json_schema=json_wanted(
            _messages_json_schema(body), system_texts(messages, body.get("system"))
        ),
        tool_result=tool_result(messages),
        called_tools=called_tools(messages),
        stream=bool(body.get("stream")),
        include_usage=True,
    )
