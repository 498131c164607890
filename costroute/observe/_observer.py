"""The :class:`Observer` the router calls: it times each call, runs callbacks and writes spans.

The router makes three calls, all cheap and none of which can raise into the call:

* ``decision(request, plan)`` after planning, before the network;
* ``attempt(attempt)`` when one try of one deployment ended (optional: attempts the router did
  not report live are taken from the CallInfo at completion);
* ``complete(request, info, error)`` once the call is settled (``error`` is ``None`` on
  success, else the exception the caller gets; a stream completes when it ends).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from costroute.observe._callbacks import Callbacks, OnAttempt, OnComplete, OnDecision
from costroute.types import Attempt, CallInfo, Plan, Request

if TYPE_CHECKING:
    from opentelemetry.trace import TracerProvider

    from costroute.observe._otel import SpanWriter

__all__ = ["Observer"]

log = logging.getLogger("costroute")

_PENDING = 4096  # calls (and attempts) in flight remembered at most; the oldest are dropped


class Observer:
    """Callbacks and OpenTelemetry spans for every call of a router.

    ``callbacks`` (or the ``on_*`` shortcuts) are the application's functions; ``tracing=True``
    writes spans to OpenTelemetry's global tracer provider, ``tracer_provider=`` to a given one
    (``pip install 'costroute[otel]'``). ``clock_ns`` gives epoch nanoseconds (inject it in
    tests). Nothing an observer does can fail a call: errors are logged at WARNING on the
    ``"costroute"`` logger.
    """

    def __init__(
        self,
        callbacks: Callbacks | None = None,
        *,
        on_decision: OnDecision | Iterable[OnDecision] | None = None,
        on_attempt: OnAttempt | Iterable[OnAttempt] | None = None,
        on_complete: OnComplete | Iterable[OnComplete] | None = None,
        tracing: bool = False,
        tracer_provider: TracerProvider | None = None,
        clock_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        shortcuts = Callbacks(on_decision, on_attempt, on_complete)
        if callbacks is not None and shortcuts:
            callbacks = Callbacks(
                [*callbacks.on_decision, *shortcuts.on_decision],
                [*callbacks.on_attempt, *shortcuts.on_attempt],
                [*callbacks.on_complete, *shortcuts.on_complete],
            )
        self.callbacks = callbacks if callbacks is not None else shortcuts
        self._spans: SpanWriter | None = None
        if tracing or tracer_provider is not None:
            from costroute.observe._otel import SpanWriter

            self._spans = SpanWriter(tracer_provider)
        self._clock = clock_ns
        self._lock = threading.Lock()
        self._starts: OrderedDict[int, tuple[Request, int]] = OrderedDict()
        self._ends: OrderedDict[int, tuple[Attempt, int]] = OrderedDict()

    @property
    def tracing(self) -> bool:
        """Whether spans are written."""
        return self._spans is not None

    def __repr__(self) -> str:
        return f"<Observer {self.callbacks!r} tracing={self.tracing}>"

    def decision(self, request: Request, plan: Plan) -> None:
        """The plan is made: note the call's start, run ``on_decision(plan, request)``."""
        if self._spans is not None:
            _remember(self._lock, self._starts, id(request), (request, self._clock()))
        self.callbacks.decision(plan, request)

    def attempt(self, attempt: Attempt) -> None:
        """One attempt ended: note when, run ``on_attempt(attempt)``."""
        if self._spans is not None:
            _remember(self._lock, self._ends, id(attempt), (attempt, self._clock()))
        self.callbacks.attempt(attempt)

    def complete(self, request: Request, info: CallInfo, error: BaseException | None) -> None:
        """The call is settled: write its spans, run ``on_complete(info)``."""
        if self._spans is not None:
            try:
                self._write(request, info, error)
            except Exception as exc:
                log.warning(
                    "costroute: could not write the spans of %s: %s (ignored)",
                    info.request_id,
                    exc,
                    exc_info=True,
                )
        self.callbacks.complete(info)

    def _write(self, request: Request, info: CallInfo, error: BaseException | None) -> None:
        assert self._spans is not None
        end = self._clock()
        with self._lock:
            started = self._starts.pop(id(request), None)
            ends: list[int | None] = []
            for attempt in info.attempts:
                seen = self._ends.pop(id(attempt), None)
                ends.append(seen[1] if seen is not None and seen[0] is attempt else None)
        if started is not None and started[0] is request:
            start = started[1]
        else:  # decision() was not called for this request: infer the start from the latency
            start = end - round(info.latency_ms * 1e6)
        self._spans.write(request, info, error, start, end, ends)


def _remember(lock: threading.Lock, store: OrderedDict[int, Any], key: int, value: Any) -> None:
    """Keep ``value`` (its object is kept too, so the id cannot be reused meanwhile)."""
    with lock:
        store[key] = value
        if len(store) > _PENDING:
            store.popitem(last=False)
