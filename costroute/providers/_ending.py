"""A stream that ends before the provider's finish reason, told apart on every litellm release.

From 1.109 litellm raises there (``Stream ended before a finish_reason was received``). Earlier
releases end the stream as a whole one: a finish chunk of litellm's own (``"stop"``), then a
usage chunk of litellm's estimate. Only the stream's undocumented ``received_finish_reason``
(and ``intermittent_finish_reason``), None when the provider sent none, tell them apart; they
are read only where present. :class:`Ending` holds back litellm's own finish chunk and what
follows; at the end, if the provider had sent something, it drops them (an estimate is not
the provider's usage) and raises 1.109's error, so that the call takes the same path (retried
before the first content token, ``StreamInterrupted`` after). An empty stream passes as is.
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["Ending"]

_ABSENT = object()
_STATE = ("received_finish_reason", "intermittent_finish_reason")


def _finishes(chunk: Any) -> bool:
    return any(getattr(c, "finish_reason", None) for c in getattr(chunk, "choices", None) or ())


def _cut() -> httpx.RemoteProtocolError:
    """The error litellm 1.109+ raises there (its words)."""
    return httpx.RemoteProtocolError("Stream ended before a finish_reason was received")


class Ending:
    """Watches one litellm stream for the finish chunk litellm makes up for a cut stream."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._seen = False  # a chunk came before the held ones
        self._held: list[Any] | None = None  # from litellm's own finish chunk on

    def _provider_sent_none(self) -> bool:
        state = [getattr(self._stream, name, _ABSENT) for name in _STATE]
        return state[0] is None and state[1] in (None, _ABSENT)

    def holds(self, chunk: Any) -> bool:
        """Account for ``chunk``; True when it is held back (not to be passed on yet)."""
        if self._held is not None:
            self._held.append(chunk)
            return True
        if _finishes(chunk) and self._provider_sent_none():
            self._held = [chunk]
            return True
        self._seen = True
        return False

    def end(self) -> list[Any]:
        """The stream ended: the held chunks to pass on; raises ``httpx.RemoteProtocolError``
        (as litellm 1.109+) when the provider had sent something but no finish reason."""
        held, self._held = self._held or [], None
        if held and (self._seen or any(getattr(c, "usage", None) is not None for c in held)):
            raise _cut()
        return held
