"""Where shared state lives: in-process (default) or Redis, chosen by a URL.

A :class:`Store` bundles the state a router keeps between calls: budget windows and
reservations, latency statistics and circuit breakers (the response cache joins them through
``Router(cache=...)``). ``open_store(None)`` gives the in-process store (or the one named by
``COSTROUTE_STORE_URL``); ``open_store("redis://host:6379/0")`` shares the state across every
process and host that uses the same URL and prefix.

A Redis URL that does not answer at start raises :class:`~costroute.errors.BackendUnavailable`
naming the URL with its password masked. What happens when Redis goes away later is the
``on_failure`` choice, see :mod:`costroute.store._failover` and docs/fleet.md.

Each Redis store holds two clients (sync and async), each over a pool of at most
``max_connections`` connections; an operation that finds them all in use waits up to
``pool_timeout_s`` for one (costroute/_redis_clients.py), so concurrency waits instead of failing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from costroute._redis_pool import DEFAULT_MAX_CONNECTIONS, DEFAULT_POOL_TIMEOUT_S, check_pool
from costroute._url import check_url, mask_url, scheme_of
from costroute.breaker import BreakerConfig, MemoryBreakers
from costroute.budget import MemoryBudgetBackend
from costroute.errors import BackendUnavailable, ConfigError
from costroute.latency import MemoryLatencyStats
from costroute.store._failover import FailoverBudget, FailoverProxy, Health, OnFailure

__all__ = ["Store", "mask_url", "memory_store", "open_store", "redis_store"]


@dataclass(frozen=True)
class Store:
    """The state backends of one router (or of a fleet, when they live in Redis)."""

    kind: str
    budget: Any
    latency: Any
    breakers: Any
    url: str | None = None
    redis: Any = None
    health: Health | None = None

    def __repr__(self) -> str:
        return f"<Store {self.kind}{' ' + self.url if self.url else ''}>"


def memory_store(breakers: BreakerConfig | None = None) -> Store:
    """Everything in this process: no server, nothing shared."""
    return Store(
        kind="memory",
        budget=MemoryBudgetBackend(),
        latency=MemoryLatencyStats(),
        breakers=MemoryBreakers(breakers or BreakerConfig()),
    )


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
) -> Store:
    """State shared through Redis at ``url``, keys under ``prefix``; checked at start.

    ``max_connections`` bounds each of the store's two pools (sync and async client);
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
    from costroute._redis_clients import async_client, sync_client
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

    async def areconnected(conn: Any) -> None:
        await conn.on_connect()
        health.reconnected = True

    # redis-py replaces a dead pooled connection (and retries a failed command) by itself, so a
    # Redis that restarted empty between two calls never looks down; a new connection is the
    # only trace it leaves. The budget checks the server's run_id after one (see FailoverBudget).
    client = sync_client(url, redis_connect_func=reconnected, **options)
    aclient = async_client(url, redis_connect_func=areconnected, **options)
    try:
        run_id = client.info("server").get("run_id")
    except health.errors as exc:
        raise BackendUnavailable(masked, exc) from None
    health.reconnected = False
    health.on_recover.append(_restart_detector(client, run_id, health))
    config = breakers or BreakerConfig()
    return Store(
        kind="redis",
        url=masked,
        redis=client,
        health=health,
        budget=FailoverBudget(
            RedisBudgetBackend(client, prefix, aclient=aclient), health, on_failure
        ),
        latency=FailoverProxy(
            RedisLatencyStats(client, prefix, aclient=aclient), MemoryLatencyStats(), health
        ),
        breakers=FailoverProxy(
            RedisBreakers(client, prefix, config, aclient=aclient),
            MemoryBreakers(config),
            health,
        ),
    )


def _restart_detector(client: Any, run_id: Any, health: Health) -> Callable[[], None]:
    """After an outage: if Redis came back as a new server (its run_id changed), it may have lost
    its data (no persistence). Then the ``on_restart`` hooks run: the router restores budget
    windows from the ledger, the source of truth for settled spend."""
    seen = {"run_id": run_id}

    def check() -> None:
        now_id = client.info("server").get("run_id")
        if now_id != seen["run_id"]:
            seen["run_id"] = now_id
            for hook in list(health.on_restart):
                hook()

    return check


def open_store(url: str | None = None, **options: Any) -> Store:
    """The store named by ``url`` (or ``$COSTROUTE_STORE_URL``), in-process when neither is set."""
    field = "store"
    if url is None:
        url = os.environ.get("COSTROUTE_STORE_URL") or None
        field = "COSTROUTE_STORE_URL"
    if url is None or url in ("memory", "memory://"):
        return memory_store(options.get("breakers"))
    if scheme_of(url) in ("redis", "rediss", "unix"):
        check_url(url, field)
        return redis_store(url, **options)
    raise ConfigError(
        f"Unknown store URL {mask_url(url)!r}.",
        field=field,
        fix="use 'memory' or redis://host:6379/0 (rediss:// for TLS)",
    )
