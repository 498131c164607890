"""Circuit breakers in this process.

Bounded memory: per deployment name one small record with ``BUCKETS`` time buckets of call and
failure counts (the failure-rate window), however many calls are made. Names are never evicted:
they are the router's deployments, and forgetting an open breaker would close it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from costroute.breaker._config import BUCKETS, BreakerConfig, BreakerState, StateName

__all__ = ["MemoryBreakers"]

_CLOSED, _OPEN, _HALF = 0, 1, 2
_NAMES: tuple[StateName, StateName, StateName] = ("closed", "open", "half_open")
_NEVER = -(2**62)


class _Circuit:
    __slots__ = ("bad", "calls", "failures", "ids", "opened_at", "probe_until", "retry_at", "state")

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.state = _CLOSED
        self.failures = 0
        self.opened_at: float | None = None
        self.retry_at = 0.0
        self.probe_until = 0.0
        self.ids = [_NEVER] * BUCKETS  # bucket number held by each slot
        self.calls = [0] * BUCKETS
        self.bad = [0] * BUCKETS

    def slot(self, bucket: int) -> int:
        i = bucket % BUCKETS
        if self.ids[i] != bucket:
            self.ids[i], self.calls[i], self.bad[i] = bucket, 0, 0
        return i

    def window(self, bucket: int) -> tuple[int, int]:
        oldest = bucket - BUCKETS
        calls = fails = 0
        for i in range(BUCKETS):
            if oldest < self.ids[i] <= bucket:
                calls += self.calls[i]
                fails += self.bad[i]
        return calls, fails


class MemoryBreakers:
    """Thread-safe circuit breakers per deployment (see :class:`BreakerConfig` for the rules).

    ``allow`` is lock-free for a closed breaker; every transition happens under one lock, so
    exactly one caller gets the half-open probe.
    """

    def __init__(
        self, config: BreakerConfig | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.config = config if config is not None else BreakerConfig()
        self._clock = clock
        self._width = self.config.window_s / BUCKETS
        self._circuits: dict[str, _Circuit] = {}
        self._lock = threading.Lock()

    def allow(self, deployment: str) -> bool:
        """Whether a call may go to ``deployment`` now (taking the half-open probe if due)."""
        c = self._circuits.get(deployment)
        if c is None or c.state == _CLOSED:
            return True
        with self._lock:
            now = self._clock()
            if c.state == _CLOSED:
                return True
            if c.state == _OPEN:
                if now < c.retry_at:
                    return False
                c.state = _HALF
            elif now < c.probe_until:  # half-open, the probe is out
                return False
            c.probe_until = now + self.config.probe_timeout_s
            return True

    def record_success(self, deployment: str) -> StateName:
        """A call succeeded: resets the failure streak; a half-open probe's success closes."""
        rate_on = self.config.failure_rate is not None
        c = self._circuits.get(deployment)
        if c is None:
            if not rate_on:
                return "closed"
            c = self._circuit(deployment)
        with self._lock:
            if c.state == _HALF:
                c.reset()
                return "closed"
            if c.state == _OPEN:  # a call that started before it opened: ignored
                return "open"
            c.failures = 0
            if rate_on:
                i = c.slot(int(self._clock() // self._width))
                c.calls[i] += 1
            return "closed"

    def record_failure(self, deployment: str) -> StateName:
        """A call failed: may open the breaker; a half-open probe's failure re-opens it."""
        cfg = self.config
        c = self._circuits.get(deployment) or self._circuit(deployment)
        with self._lock:
            now = self._clock()
            if c.state == _OPEN:
                return "open"
            c.failures += 1
            if c.state == _HALF:
                self._open(c, now)
                return "open"
            opened = cfg.consecutive_failures is not None and c.failures >= cfg.consecutive_failures
            if cfg.failure_rate is not None:
                bucket = int(now // self._width)
                i = c.slot(bucket)
                c.calls[i] += 1
                c.bad[i] += 1
                if not opened:
                    calls, fails = c.window(bucket)
                    opened = calls >= cfg.min_calls and fails / calls >= cfg.failure_rate
            if opened:
                self._open(c, now)
                return "open"
            return "closed"

    def open_set(self, names: Iterable[str]) -> frozenset[str]:
        """The names whose breaker refuses calls now (open and cooling, or probe out).

        A breaker whose cooldown has passed is not in the set: planning may pick it, and the
        first ``allow`` takes the probe.
        """
        get = self._circuits.get
        with self._lock:
            now = self._clock()
            out = []
            for name in names:
                c = get(name)
                if c is not None and (
                    (c.state == _OPEN and now < c.retry_at)
                    or (c.state == _HALF and now < c.probe_until)
                ):
                    out.append(name)
        return frozenset(out)

    def state(self, deployment: str) -> BreakerState:
        """The breaker of ``deployment`` as a value."""
        with self._lock:
            c = self._circuits.get(deployment)
            if c is None:
                return BreakerState("closed", 0, None, None)
            calls, fails = c.window(int(self._clock() // self._width))
            closed = c.state == _CLOSED
            return BreakerState(
                _NAMES[c.state],
                c.failures,
                None if closed else c.opened_at,
                None if closed else c.retry_at,
                calls,
                fails,
            )

    def _circuit(self, deployment: str) -> _Circuit:
        with self._lock:
            return self._circuits.setdefault(deployment, _Circuit())

    def _open(self, c: _Circuit, now: float) -> None:
        c.state = _OPEN
        c.opened_at = now
        c.retry_at = now + self.config.cooldown_s

    def __repr__(self) -> str:
        n_open = sum(1 for c in self._circuits.values() if c.state != _CLOSED)
        return f"<MemoryBreakers deployments={len(self._circuits)} not_closed={n_open}>"
