"""The Redis store: a fleet's budgets, latency statistics and breakers in Redis.

Loaded by :func:`~costroute.store.open_store` for a ``redis://`` URL (or by
``costroute.store.redis_store``); a router with the in-process store never loads it.
What happens while Redis is away: costroute/store/_budget.py (budgets), _twins.py (statistics,
breakers) and _health.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from costroute._redis_pool import DEFAULT_MAX_CONNECTIONS, DEFAULT_POOL_TIMEOUT_S, check_pool
from costroute._url import check_url, mask_url
from costroute.breaker import BreakerConfig
from costroute.budget import BudgetManager, Reservation
from costroute.errors import BackendUnavailable, ConfigError
from costroute.store import LatencySample, Store
from costroute.store._budget import OnFailure, StoreBudget
from costroute.store._health import Health
from costroute.store._twins import StoreBreakers, StoreLatency

if TYPE_CHECKING:
    import redis

__all__ = ["RedisStore", "redis_store"]


class RedisStore(Store):
    """The state backends of a fleet, in Redis; what happens while Redis is away is in
    costroute/store/_budget.py (budgets), _twins.py (statistics, breakers) and _health.py."""

    kind = "redis"

    def __init__(
        self,
        url: str,
        client: redis.Redis,
        health: Health,
        budget: StoreBudget,
        latency: StoreLatency,
        breakers: StoreBreakers,
    ) -> None:
        super().__init__(budget, latency, breakers)
        self.url = url
        self.redis = client  # the sync client (users may read keys with it)
        self.health = health
        self._shared = (health, latency, breakers)

    def on_restore(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` when Redis answers again after an outage, when it came back as a new
        server, and ``retry_s`` after an operation failed or a settle could not be sent."""
        self._shared[0].on_restore.append(hook)

    def settle(
        self,
        manager: BudgetManager | None,
        reservation: Reservation | None,
        actual: Decimal | None,
        samples: Sequence[LatencySample] = (),
        outcomes: Sequence[tuple[str, bool]] = (),
    ) -> None:
        """All of it in one pipeline: one round trip per call (two with the reservation)."""
        health, latency, breakers = self._shared
        if not health.ready():  # each part falls back on its own; a settle is not sent
            super().settle(manager, reservation, actual, samples, outcomes)
            return
        pipe = self.redis.pipeline(transaction=False)
        for sample in samples:
            latency.redis.queue_record(pipe, *sample)
        readers = [breakers.redis.queue_record(pipe, name, ok) for name, ok in outcomes]
        if reservation is not None:  # a release settles 0, in the same round trip
            assert manager is not None, "a reservation is settled with the manager it came from"
            manager.settle(reservation, actual or Decimal(0), pipeline=pipe)
        try:
            results = pipe.execute() if len(pipe) else []
        except health.errors as exc:  # the settle is lost: the ledger restore brings it back
            health.failed(exc, "settle")
            for sample in samples:
                latency.local.record(*sample)
            for name, ok in outcomes:
                if ok:
                    breakers.local.record_success(name)
                else:
                    breakers.local.record_failure(name)
            return
        finally:
            pipe.reset()
        for read in readers:
            read(results)


def redis_store(
    url: str,
    *,
    prefix: str = "costroute:",
    on_failure: OnFailure = "closed",
    breakers: BreakerConfig | None = None,
    retry_s: float = 5.0,
    clock: Callable[[], float] = time.time,
    connect_timeout_s: float = 2.0,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    pool_timeout_s: float = DEFAULT_POOL_TIMEOUT_S,
) -> RedisStore:
    """State shared through Redis at ``url``, keys under ``prefix``; checked at start.

    ``on_failure`` says what a budget does while Redis cannot be reached (``"closed"``: refuse
    the calls that need a reservation; ``"open"``: reserve in this process and warn); Redis is
    tried again at most every ``retry_s`` seconds (on ``clock``).
    ``max_connections`` bounds the store's connection pool (one client, shared by its parts);
    an operation that finds every connection in use waits up to ``pool_timeout_s`` for one.
    A wait that runs out fails that operation as ``on_failure`` says, without marking Redis
    down (a fail-closed budget refuses the call with :class:`~costroute.errors.BackendBusy`).
    """
    if on_failure not in ("closed", "open"):
        raise ConfigError(
            f"on_store_failure={on_failure!r}.",
            field="on_store_failure",
            fix="use 'closed' (refuse calls while Redis is down) or 'open' (serve and warn)",
        )
    check_url(url, "store")
    check_pool(
        max_connections,
        pool_timeout_s,
        where="redis_store(url, max_connections=..., pool_timeout_s=...) or "
        "Router(store_max_connections=..., store_pool_timeout_s=...)",
    )
    try:
        import redis  # noqa: F401 - the check that the extra is installed
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise ConfigError(
            "The Redis store needs the redis package.",
            field="store",
            fix="pip install 'costroute[redis]'",
        ) from None
    from costroute._redis_clients import sync_client
    from costroute.breaker import RedisBreakers
    from costroute.budget import RedisBudgetBackend
    from costroute.latency import RedisLatencyStats

    masked = mask_url(url)
    options: dict[str, Any] = {
        "socket_connect_timeout": connect_timeout_s,
        "socket_timeout": connect_timeout_s,
        "max_connections": max_connections,
        "pool_timeout_s": pool_timeout_s,
    }
    health = Health(masked, clock, retry_s)

    def reconnected(conn: Any) -> None:
        conn.on_connect()
        health.reconnected = True

    client = sync_client(url, redis_connect_func=reconnected, **options)

    def run_id() -> object:
        return client.info("server").get("run_id")

    try:
        health.run_id = run_id()
    except health.errors as exc:
        raise BackendUnavailable(masked, exc) from None
    health.probe, health.reconnected = run_id, False
    config = breakers or BreakerConfig()
    return RedisStore(
        masked,
        client,
        health,
        StoreBudget(RedisBudgetBackend(client, prefix), health, on_failure),
        StoreLatency(RedisLatencyStats(client, prefix), health),
        StoreBreakers(RedisBreakers(client, prefix, config), health),
    )
