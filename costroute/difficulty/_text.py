"""Extract the text an estimator looks at from OpenAI-shaped messages, with bounded work."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from costroute.difficulty._types import Messages

__all__ = ["HEAD_CHARS", "TAIL_CHARS", "PromptText", "extract"]

HEAD_CHARS = 2000
"""Characters kept from the start of the last user message."""
TAIL_CHARS = 600
"""Characters kept from its end (questions often end with the actual ask)."""


class PromptText:
    """The bounded text of the last user turn, plus the size of the whole conversation."""

    __slots__ = ("n_chars", "n_turns", "text", "total_chars")

    def __init__(self, text: str, n_chars: int, total_chars: int, n_turns: int) -> None:
        self.text = text
        self.n_chars = n_chars
        self.total_chars = total_chars
        self.n_turns = n_turns


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list | tuple):
        parts: list[str] = []
        for part in content:
            if isinstance(part, Mapping):
                text = part.get("text")
                if isinstance(text, str):
                    parts.append(text)
            elif isinstance(part, str):
                parts.append(part)
        return "\n".join(parts)
    return ""


def _invalid(detail: str) -> Exception:
    from costroute.errors import InvalidRequestError

    return InvalidRequestError(
        f"Cannot estimate difficulty: {detail}.",
        field="messages",
        fix='pass a list of {"role": ..., "content": str | [parts]} dicts',
    )


def extract(messages: Messages) -> PromptText:
    """Return the last user turn's text (head and tail kept, the middle of long ones dropped).

    Raises :class:`costroute.errors.InvalidRequestError` when ``messages`` is not a list of
    mappings. A conversation without a user turn falls back to its last message.
    """
    if isinstance(messages, str | bytes) or not isinstance(messages, list | tuple):
        raise _invalid(f"messages must be a list, got {type(messages).__name__}")
    last = ""
    last_any = ""
    total = 0
    turns = 0
    for message in messages:
        if not isinstance(message, Mapping):
            raise _invalid(f"each message must be a dict, got {type(message).__name__}")
        text = _content_text(message.get("content"))
        total += len(text)
        last_any = text
        if message.get("role", "user") == "user":
            last = text
            turns += 1
    if not last:
        last = last_any
    n = len(last)
    if n > HEAD_CHARS + TAIL_CHARS:
        last = last[:HEAD_CHARS] + "\n" + last[-TAIL_CHARS:]
    return PromptText(last, n, total, turns)
