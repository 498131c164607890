"""Faults the simulator can inject, and the queue that hands them out.

Build a :class:`Fault` with one of its constructors and queue it with
:meth:`Simulator.inject <costroute.sim.Simulator.inject>`::

    Fault.status(429, retry_after=2)   # rate limited, with a Retry-After header
    Fault.status(529)                  # Anthropic overloaded_error (other providers: generic 529)
    Fault.status(400)                  # context-length error, in the provider's real format
    Fault.non_json()                   # 200 with an HTML body (a proxy error page)
    Fault.reset()                      # connection closed without an answer
    Fault.delay(2.5)                   # answer normally, 2.5 s late (for client timeouts)
    Fault.cut_stream(after_chunks=3)   # stream stops after 3 events; connection closed
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Fault", "FaultKind", "FaultQueue"]

FaultKind = Literal["status", "non_json", "reset", "delay", "cut_stream"]


@dataclass(frozen=True)
class Fault:
    """One simulated failure. Use the constructors rather than the fields.

    Attributes:
        kind: which failure.
        status_code: HTTP status, for ``kind="status"``.
        retry_after: seconds for the ``Retry-After`` header, for ``kind="status"``.
        body: raw response body replacing the provider's standard error body.
        seconds: extra wait before answering, for ``kind="delay"``.
        after_chunks: SSE events written before the cut, for ``kind="cut_stream"``.
    """

    kind: FaultKind
    status_code: int = 0
    retry_after: float | None = None
    body: str | None = None
    seconds: float = 0.0
    after_chunks: int = 0

    @classmethod
    def status(
        cls,
        code: int,
        retry_after: float | None = None,
        body: Mapping[str, Any] | str | None = None,
    ) -> Fault:
        """Answer with HTTP ``code`` and the provider's error body for it.

        ``body`` (a JSON-able mapping or a string) replaces the standard body.
        """
        if not 400 <= code <= 599:
            raise ValueError(f"Fault.status needs an HTTP error code (400-599), got {code}")
        raw = body if body is None or isinstance(body, str) else json.dumps(dict(body))
        return cls("status", status_code=code, retry_after=retry_after, body=raw)

    @classmethod
    def non_json(cls) -> Fault:
        """Answer 200 with an HTML page instead of JSON."""
        return cls("non_json")

    @classmethod
    def reset(cls) -> Fault:
        """Close the connection after reading the request, without answering."""
        return cls("reset")

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Wait ``seconds`` (not scaled by ``latency_scale``) before answering normally."""
        if seconds < 0:
            raise ValueError(f"Fault.delay needs seconds >= 0, got {seconds}")
        return cls("delay", seconds=seconds)

    @classmethod
    def cut_stream(cls, after_chunks: int = 1) -> Fault:
        """Stop after ``after_chunks`` SSE events and close the connection.

        No ``[DONE]`` / ``message_stop`` is sent. On a non-streaming request the
        response body is cut half way instead.
        """
        if after_chunks < 0:
            raise ValueError(f"Fault.cut_stream needs after_chunks >= 0, got {after_chunks}")
        return cls("cut_stream", after_chunks=after_chunks)


@dataclass
class _Pending:
    fault: Fault
    model: str | None
    remaining: int


class FaultQueue:
    """Thread-safe FIFO of injected faults, each good for a number of requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[_Pending] = []

    def push(self, fault: Fault, model: str | None, times: int) -> None:
        """Queue ``fault`` for the next ``times`` requests (to ``model`` only, if given)."""
        if times < 1:
            raise ValueError(f"inject(times=...) must be >= 1, got {times}")
        with self._lock:
            self._pending.append(_Pending(fault, model, times))

    def take(self, model: str | None) -> Fault | None:
        """Return (and use up once) the first queued fault that applies to ``model``."""
        with self._lock:
            for i, pending in enumerate(self._pending):
                if pending.model is None or pending.model == model:
                    pending.remaining -= 1
                    if pending.remaining == 0:
                        del self._pending[i]
                    return pending.fault
        return None

    def clear(self) -> None:
        """Drop every queued fault."""
        with self._lock:
            self._pending.clear()
