"""What the simulator reads from a conversation, whatever its provider shape (OpenAI/DeepSeek
chat messages or Anthropic messages): the text of a message's content, the last user turn, the
tool results that end it, the tools already called, and the JSON schema an answer should follow.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["called_tools", "json_wanted", "last_user", "parts_text", "system_texts", "tool_result"]

IMAGE_TOKENS = 85
"""What an image part of a message costs (see :mod:`costroute.sim._prompt` for the counting)."""


def parts_text(content: Any) -> tuple[str, int, bool]:
    """Text of a message ``content``, extra tokens (images), and whether it has cache_control."""
    if content is None:
        return "", 0, False
    if isinstance(content, str):
        return content, 0, False
    if not isinstance(content, list):
        return json.dumps(content, sort_keys=True), 0, False
    texts: list[str] = []
    extra = 0
    cached = False
    for part in content:
        if not isinstance(part, dict):
            texts.append(str(part))
            continue
        cached = cached or "cache_control" in part
        kind = part.get("type")
        if kind == "text":
            texts.append(str(part.get("text", "")))
        elif kind in ("image", "image_url", "input_image"):
            extra += IMAGE_TOKENS
        elif kind == "tool_result":
            texts.append(parts_text(part.get("content"))[0])
        else:
            texts.append(json.dumps(part, sort_keys=True))
    return "\n".join(texts), extra, cached


def last_user(messages: list[Any]) -> tuple[str, bool]:
    """Text of the last user message (tool results aside), and whether the conversation
    ends with it."""
    text = ""
    for message in messages:
        if (
            isinstance(message, dict)
            and message.get("role") == "user"
            and not _is_tool_result(message.get("content"))
        ):
            text = parts_text(message.get("content"))[0]
    if not messages or not isinstance(messages[-1], dict):
        return text, False
    last = messages[-1]
    return text, last.get("role") == "user" and not _is_tool_result(last.get("content"))


def _is_tool_result(content: Any) -> bool:
    """Whether an Anthropic user turn carries tool results (it answers a tool call)."""
    return isinstance(content, list) and any(
        isinstance(p, dict) and p.get("type") == "tool_result" for p in content
    )


def tool_result(messages: list[Any]) -> str | None:
    """Text of the tool results that end the conversation (chat ``tool`` messages or an
    Anthropic user turn of ``tool_result`` blocks), or None when it ends otherwise."""
    texts: list[str] = []
    for message in reversed(messages):
        if not isinstance(message, dict):
            break
        content = message.get("content")
        if message.get("role") == "tool":
            texts.append(parts_text(content)[0])
            continue
        if message.get("role") == "user" and isinstance(content, list):
            results = [p for p in content if isinstance(p, dict) and p.get("type") == "tool_result"]
            texts.extend(parts_text(p.get("content"))[0] for p in reversed(results))
        break
    return "\n".join(reversed(texts)) if texts else None


def called_tools(messages: list[Any]) -> tuple[str, ...]:
    """Names of the tools the assistant already called in the conversation, in order."""
    names: list[str] = []
    for message in messages:
        if not isinstance(message, dict) or message.get("role") != "assistant":
            continue
        for call in message.get("tool_calls") or []:
            if isinstance(call, dict) and isinstance(call.get("function"), dict):
                names.append(str(call["function"].get("name", "")))
        content = message.get("content")
        if isinstance(content, list):
            names += [
                str(p.get("name", ""))
                for p in content
                if isinstance(p, dict) and p.get("type") == "tool_use"
            ]
    return tuple(names)


def _embedded_schema(texts: list[str]) -> dict[str, Any] | None:
    """The first JSON schema (an object with ``properties``) written inside ``texts``.

    Instructor's JSON modes and prompted-output agents put the schema in the system prompt
    and ask for "an instance of the JSON"; a real model answers with one.
    """
    decoder = json.JSONDecoder()
    for text in texts:
        start = text.find("{")
        tries = 0
        while start != -1 and tries < 50:
            tries += 1
            try:
                found, _ = decoder.raw_decode(text, start)
            except ValueError:
                found = None
            if isinstance(found, dict) and isinstance(found.get("properties"), dict):
                return found
            start = text.find("{", start + 1)
    return None


def system_texts(messages: list[Any], system: Any = None) -> list[str]:
    texts = [parts_text(system)[0]] if system else []
    return texts + [
        parts_text(m.get("content"))[0]
        for m in messages
        if isinstance(m, dict) and m.get("role") in ("system", "developer")
    ]


def json_wanted(asked: dict[str, Any] | None, system_texts: list[str]) -> dict[str, Any] | None:
    """The schema to answer with: the one asked for; for a bare JSON request (or none) one
    the system prompt embeds; ``{}`` for JSON of any shape; None for text."""
    if asked:
        return asked
    embedded = _embedded_schema(system_texts)
    return embedded if embedded is not None else asked
