"""Circuit breakers per deployment: consecutive failures or a failure rate open one, a
cooldown keeps it open, then exactly one half-open probe decides.

::

    breakers = MemoryBreakers(BreakerConfig(consecutive_failures=5, cooldown_s=30))
    if breakers.allow("fast"):
        ...  # call, then breakers.record_success("fast") or breakers.record_failure("fast")
    breakers.open_set(["fast", "slow"])   # -> Signals.open_breakers

``RedisBreakers`` keeps the same breakers in Redis, shared by every process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from costroute._lazy import lazy_names
from costroute.breaker._config import BreakerConfig, Breakers, BreakerState, StateName
from costroute.breaker._memory import MemoryBreakers

if TYPE_CHECKING:
    from costroute.breaker._redis import RedisBreakers

__all__ = [
    "BreakerConfig",
    "BreakerState",
    "Breakers",
    "MemoryBreakers",
    "RedisBreakers",
    "StateName",
]

__getattr__ = lazy_names(
    __name__,
    {
        "RedisBreakers": "costroute.breaker._redis",
    },
)
