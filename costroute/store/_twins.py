"""Latency statistics and circuit breakers of a Redis store, with an in-process twin each.

They hold hints, not money, so they always fail open: each operation goes to Redis while it
answers and to the twin in this process while it does not (or when the operation fails), and
never fails a call. Each class is the component's protocol, method by method.
"""

from __future__ import annotations

from collections.abc import Iterable

from costroute.breaker import BreakerState, MemoryBreakers, RedisBreakers, StateName
from costroute.latency import LatencySnapshot, MemoryLatencyStats, PriorLike, RedisLatencyStats
from costroute.store._health import Health

__all__ = ["StoreBreakers", "StoreLatency"]


class StoreLatency:
    """A :class:`~costroute.latency.LatencyStats` in Redis, in-process while Redis is away."""

    def __init__(self, redis: RedisLatencyStats, health: Health) -> None:
        self.redis = redis
        self.min_samples = redis.min_samples
        self.local = MemoryLatencyStats(
            half_life=redis.half_life,
            window=redis.window,
            min_samples=redis.min_samples,
            stale_after_s=redis.stale_after_s,
        )
        self.health = health

    def __repr__(self) -> str:
        return f"<StoreLatency {self.redis!r}>"

    def record(
        self, deployment: str, total_ms: float, ttft_ms: float | None, output_tokens: int
    ) -> None:
        args = (deployment, total_ms, ttft_ms, output_tokens)
        self.health.call(
            "latency", lambda: self.redis.record(*args), lambda: self.local.record(*args)
        )

    def snapshot(self, deployment: str) -> LatencySnapshot | None:
        return self.health.call(
            "latency",
            lambda: self.redis.snapshot(deployment),
            lambda: self.local.snapshot(deployment),
        )

    def predict_ms(self, deployment: str, output_tokens: int, prior: PriorLike) -> float:
        args = (deployment, output_tokens, prior)
        return self.health.call(
            "latency", lambda: self.redis.predict_ms(*args), lambda: self.local.predict_ms(*args)
        )

    def predictions(
        self, deployments: Iterable[tuple[str, PriorLike]], output_tokens: int
    ) -> dict[str, float]:
        items = list(deployments)
        return self.health.call(
            "latency",
            lambda: self.redis.predictions(items, output_tokens),
            lambda: self.local.predictions(items, output_tokens),
        )


class StoreBreakers:
    """:class:`~costroute.breaker.Breakers` in Redis, in-process while Redis is away."""

    def __init__(self, redis: RedisBreakers, health: Health) -> None:
        self.redis = redis
        self.config = redis.config
        self.local = MemoryBreakers(redis.config)
        self.health = health

    def __repr__(self) -> str:
        return f"<StoreBreakers {self.redis!r}>"

    def allow(self, deployment: str) -> bool:
        return self.health.call(
            "breaker", lambda: self.redis.allow(deployment), lambda: self.local.allow(deployment)
        )

    def record_success(self, deployment: str) -> StateName:
        return self.health.call(
            "breaker",
            lambda: self.redis.record_success(deployment),
            lambda: self.local.record_success(deployment),
        )

    def record_failure(self, deployment: str) -> StateName:
        return self.health.call(
            "breaker",
            lambda: self.redis.record_failure(deployment),
            lambda: self.local.record_failure(deployment),
        )

    def open_set(self, names: Iterable[str]) -> frozenset[str]:
        items = list(names)
        return self.health.call(
            "breaker", lambda: self.redis.open_set(items), lambda: self.local.open_set(items)
        )

    def state(self, deployment: str) -> BreakerState:
        return self.health.call(
            "breaker", lambda: self.redis.state(deployment), lambda: self.local.state(deployment)
        )
