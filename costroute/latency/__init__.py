"""Per-deployment latency statistics: decayed means, windowed percentiles, predictions.

::

    stats = MemoryLatencyStats(half_life=50, window=200, min_samples=5)
    stats.record("fast", total_ms=900.0, ttft_ms=300.0, output_tokens=60)
    stats.predictions([("fast", Prior(400, 120))], output_tokens=400)   # {"fast": ...}

``RedisLatencyStats`` keeps the same statistics in Redis, shared by every process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from costroute._lazy import lazy_names
from costroute.latency._memory import MemoryLatencyStats
from costroute.latency._types import LatencySnapshot, LatencyStats, Prior, PriorLike

if TYPE_CHECKING:
    from costroute.latency._redis import RedisLatencyStats

__all__ = [
    "LatencySnapshot",
    "LatencyStats",
    "MemoryLatencyStats",
    "Prior",
    "PriorLike",
    "RedisLatencyStats",
]

__getattr__ = lazy_names(
    __name__,
    {
        "RedisLatencyStats": "costroute.latency._redis",
    },
)
