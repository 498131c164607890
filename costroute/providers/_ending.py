"""A stream that ends before the provider's finish reason, told apart on every litellm release.

From 1.109 litellm raises when a provider's stream ends, without a transport error, before any
finish reason (``Stream ended before a finish_reason was received``). Earlier releases end it as
if it were whole: a finish chunk of litellm's own (``"stop"`` when the provider sent none), then
a usage chunk with the usage litellm estimated. Those chunks are a whole answer's, field for
field but the counts; only the stream object's state tells them apart: its
``received_finish_reason`` (and ``intermittent_finish_reason``, where a provider's finish reason
arrives mid-stream) stay None when the provider sent none. Both attributes are litellm's
(``CustomStreamWrapper``, undocumented) and read only where present; without them (another
stream object) nothing is held back.

:class:`Ending` holds back litellm's own finish chunk and what follows it. When the stream ends,
the provider having sent something (a chunk before, or usage after), the held chunks are dropped
(litellm's estimate is not the provider's usage) and the error 1.109 raises is raised instead, so
that costroute retries it before the first content token and reports ``StreamInterrupted``
after. A stream with nothing at all in it (an empty 200 body) is passed on as it is, as 1.109
passes it on: an answer with neither content nor usage, which the executor refuses.
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
