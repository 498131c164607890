"""In-process latency statistics: decayed sums and two bounded deques per deployment.

Bounded memory: per deployment a fixed set of sums and at most ``window`` totals plus ``window``
ttfts (the oldest dropped first); one entry per deployment name recorded, so the
whole is ``O(deployments x window)`` however many calls are made. (No LRU eviction: the names
are the router's deployments, a small fixed set, and evicting one would throw its statistics
away.)
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

from costroute.latency._model import Sums, predict, snapshot_of
from costroute.latency._types import LatencySnapshot, PriorLike, check_settings

__all__ = ["MemoryLatencyStats"]

_INF = float("inf")


class _Series(Sums):
    __slots__ = ("totals", "ttfts")

    def __init__(self, window: int) -> None:
        super().__init__()
        self.totals: deque[float] = deque(maxlen=window)
        self.ttfts: deque[float] = deque(maxlen=window)


class MemoryLatencyStats:
    """Thread-safe per-deployment latency statistics in this process.

    ``half_life`` (samples) sets how fast old samples fade from the means, ``window`` how many
    recent samples the percentiles see, ``min_samples`` how many samples a deployment needs
    before its measurements replace the catalog prior; ``stale_after_s`` (optional) returns to
    the prior when a deployment has not been measured for that long. See
    :mod:`costroute.latency._model` for the formulas.
    """

    def __init__(
        self,
        *,
        half_life: float = 50,
        window: int = 200,
        min_samples: int = 5,
        stale_after_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._decay = check_settings(
            "MemoryLatencyStats", half_life, window, min_samples, stale_after_s
        )
        self.half_life = half_life
        self.window = window
        self.min_samples = min_samples
        self.stale_after_s = stale_after_s
        self._clock = clock
        self._series: dict[str, _Series] = {}
        self._lock = threading.Lock()

    def record(
        self, deployment: str, total_ms: float, ttft_ms: float | None, output_tokens: int
    ) -> None:
        """Add one answered attempt. Non-finite or negative latencies are ignored (a clock
        glitch must neither poison the statistics nor fail a call that already succeeded)."""
        if not 0.0 <= total_ms < _INF:
            return
        tok = output_tokens if output_tokens > 0 else 0
        if ttft_ms is not None:
            if not 0.0 <= ttft_ms < _INF:
                ttft_ms = None
            elif ttft_ms > total_ms:
                ttft_ms = total_ms
        with self._lock:
            s = self._series.get(deployment)
            if s is None:
                s = self._series[deployment] = _Series(self.window)
            s.add(self._decay, total_ms, ttft_ms, tok, self._clock())
            s.totals.append(total_ms)
            if ttft_ms is not None:
                s.ttfts.append(ttft_ms)

    def snapshot(self, deployment: str) -> LatencySnapshot | None:
        """The statistics of ``deployment``, or ``None`` before its first sample."""
        with self._lock:
            s = self._series.get(deployment)
            if s is None:
                return None
            return snapshot_of(s, list(s.totals), list(s.ttfts))

    def predict_ms(self, deployment: str, output_tokens: int, prior: PriorLike) -> float:
        """Predicted total latency (ms) of an answer of ``output_tokens`` tokens."""
        with self._lock:
            return predict(
                self._series.get(deployment),
                prior,
                output_tokens,
                self.min_samples,
                self._clock(),
                self.stale_after_s,
            )

    def predictions(
        self, deployments: Iterable[tuple[str, PriorLike]], output_tokens: int
    ) -> dict[str, float]:
        """``{name: predicted ms}`` for each ``(name, prior)``: ``Signals.predicted_latency_ms``."""
        items = list(deployments)  # iterate the caller's iterable outside the lock
        get = self._series.get
        ms, stale = self.min_samples, self.stale_after_s
        with self._lock:
            now = self._clock()
            return {
                name: predict(get(name), prior, output_tokens, ms, now, stale)
                for name, prior in items
            }

    def __repr__(self) -> str:
        return (
            f"<MemoryLatencyStats deployments={len(self._series)} half_life={self.half_life}"
            f" window={self.window} min_samples={self.min_samples}>"
        )
