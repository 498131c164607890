"""Value types and the backend protocol of the latency statistics.

No I/O here: :class:`Prior`, :class:`LatencySnapshot`, the :class:`LatencyStats` protocol that
every backend implements, and the validation of the settings both backends share.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from costroute.errors import ConfigError

__all__ = ["LatencySnapshot", "LatencyStats", "Prior", "PriorLike"]


class PriorLike(Protocol):
    """Anything with a catalog latency prior: a :class:`Prior` or a catalog ``Deployment``."""

    @property
    def ttft_ms(self) -> float: ...

    @property
    def tokens_per_s(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Prior:
    """What the catalog expects of a deployment before it has been measured.

    ``ttft_ms`` is the time to the first token, ``tokens_per_s`` the generation speed after it.
    """

    ttft_ms: float
    tokens_per_s: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.ttft_ms) and self.ttft_ms >= 0):
            raise ConfigError(
                f"Latency prior ttft_ms={self.ttft_ms!r} must be a finite number >= 0.",
                field="Prior.ttft_ms",
                fix="give the expected time to first token in milliseconds, e.g. 800",
            )
        if not (math.isfinite(self.tokens_per_s) and self.tokens_per_s > 0):
            raise ConfigError(
                f"Latency prior tokens_per_s={self.tokens_per_s!r} must be a finite number > 0.",
                field="Prior.tokens_per_s",
                fix="give the expected generation speed in output tokens per second, e.g. 60",
            )

    @classmethod
    def of(cls, deployment: PriorLike) -> Prior:
        """The prior a catalog ``Deployment`` carries (its ``ttft_ms`` and ``tokens_per_s``)."""
        return cls(float(deployment.ttft_ms), float(deployment.tokens_per_s))

    def predict_ms(self, output_tokens: int) -> float:
        """``ttft_ms + 1000 * output_tokens / tokens_per_s``."""
        return self.ttft_ms + 1000.0 * max(0, output_tokens) / self.tokens_per_s


@dataclass(frozen=True, slots=True)
class LatencySnapshot:
    """What the statistics say about one deployment right now.

    Means are decayed (recent samples weigh more; see ``half_life``), percentiles are over the
    last ``window`` samples (nearest rank). The ``*_ttft_ms`` fields and ``tokens_per_s`` come
    from samples that reported a time to first token (streamed answers) and are ``None`` when
    there were none. ``n`` counts every sample ever recorded, ``n_ttft`` those with a ttft;
    ``updated_at`` is the clock reading of the last sample.
    """

    n: int
    mean_total_ms: float
    p50_total_ms: float
    p95_total_ms: float
    mean_ttft_ms: float | None
    p95_ttft_ms: float | None
    tokens_per_s: float | None
    n_ttft: int = 0
    updated_at: float = 0.0

    def __repr__(self) -> str:
        tps = f" {self.tokens_per_s:.0f}tok/s" if self.tokens_per_s is not None else ""
        return (
            f"<LatencySnapshot n={self.n} mean={self.mean_total_ms:.0f}ms"
            f" p50={self.p50_total_ms:.0f}ms p95={self.p95_total_ms:.0f}ms{tps}>"
        )


@runtime_checkable
class LatencyStats(Protocol):
    """Online per-deployment latency statistics; implemented in memory and in Redis.

    ``record`` is called after every attempt that returned an answer; ``predictions`` before
    planning, for ``Signals.predicted_latency_ms``. Blocking calls: the router's ``achat``
    makes them in a worker thread.
    """

    min_samples: int

    def record(
        self, deployment: str, total_ms: float, ttft_ms: float | None, output_tokens: int
    ) -> None: ...

    def snapshot(self, deployment: str) -> LatencySnapshot | None: ...

    def predict_ms(self, deployment: str, output_tokens: int, prior: PriorLike) -> float: ...

    def predictions(
        self, deployments: Iterable[tuple[str, PriorLike]], output_tokens: int
    ) -> dict[str, float]: ...


def check_settings(
    owner: str, half_life: float, window: int, min_samples: int, stale_after_s: float | None
) -> float:
    """Validate the settings both backends share; return the per-sample decay factor."""
    if not (isinstance(half_life, int | float) and math.isfinite(half_life) and half_life > 0):
        raise ConfigError(
            f"{owner}: half_life={half_life!r} must be a number of samples > 0.",
            field=f"{owner}.half_life",
            fix="e.g. half_life=50: a sample 50 samples old weighs half as much as the newest",
        )
    if not (isinstance(window, int) and not isinstance(window, bool) and 1 <= window <= 100_000):
        raise ConfigError(
            f"{owner}: window={window!r} must be an integer between 1 and 100000.",
            field=f"{owner}.window",
            fix="e.g. window=200: p50/p95 are taken over the last 200 samples",
        )
    if not (
        isinstance(min_samples, int) and not isinstance(min_samples, bool) and min_samples >= 1
    ):
        raise ConfigError(
            f"{owner}: min_samples={min_samples!r} must be an integer >= 1.",
            field=f"{owner}.min_samples",
            fix="e.g. min_samples=5: the catalog prior is used until 5 samples arrived",
        )
    if stale_after_s is not None and not (
        isinstance(stale_after_s, int | float) and stale_after_s > 0
    ):
        raise ConfigError(
            f"{owner}: stale_after_s={stale_after_s!r} must be None or a number > 0.",
            field=f"{owner}.stale_after_s",
            fix="e.g. stale_after_s=3600 to fall back to the prior after an hour without samples",
        )
    return float(0.5 ** (1.0 / half_life))
