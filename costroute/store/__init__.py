"""Where shared state lives: in-process (default) or Redis, chosen by a URL.

A :class:`Store` bundles the state a router keeps between calls: budget windows and
reservations, latency statistics and circuit breakers (the response cache joins them through
``Router(cache=...)``). ``open_store(None)`` gives the in-process store (or the one named by
``COSTROUTE_STORE_URL``); ``open_store("redis://host:6379/0")`` shares the state across every
process and host that uses the same URL and prefix.

A Redis URL that does not answer at start raises :class:`~costroute.errors.BackendUnavailable`
naming the URL with its password masked. What happens when Redis goes away later: budgets
follow the ``on_failure`` choice (costroute/store/_budget.py), statistics and breakers answer
in-process (_twins.py), and nothing is replayed: the windows are restored from the ledger when
Redis answers again (_health.py). See docs/fleet.md.

Each Redis store holds one client (redis-py's, blocking: async code, ``achat`` included, uses it
from worker threads) over a pool of at most ``max_connections`` connections; an operation that
finds them all in use waits up to ``pool_timeout_s`` for one (costroute/_redis_clients.py), so
concurrency waits instead of failing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from costroute._lazy import lazy_names
from costroute.breaker import BreakerConfig, Breakers, MemoryBreakers
from costroute.errors import ConfigError
from costroute.latency import LatencyStats, MemoryLatencyStats

if TYPE_CHECKING:
    from costroute._url import mask_url
    from costroute.budget import BudgetBackend, BudgetManager, Reservation
    from costroute.store._health import Health
    from costroute.store._redis import RedisStore, redis_store

__all__ = [
    "Health",
    "LatencySample",
    "RedisStore",
    "Store",
    "mask_url",
    "memory_store",
    "open_store",
    "redis_store",
]

LatencySample = tuple[str, float, float | None, int]
"""One answered attempt for the latency statistics: deployment, total ms, ttft ms, tokens."""

# The Redis store loads only for a redis:// URL: a router on the in-process store never runs it.
__getattr__ = lazy_names(
    __name__,
    {
        "Health": "costroute.store._health",
        "mask_url": "costroute._url",
        "RedisStore": "costroute.store._redis",
        "redis_store": "costroute.store._redis",
    },
)


class Store:
    """The state backends of one router, in this process."""

    kind = "memory"
    url: str | None = None
    health: Health | None = None

    def __init__(
        self, budget: BudgetBackend | None, latency: LatencyStats, breakers: Breakers
    ) -> None:
        self._budget = budget
        self._budget_made = threading.Lock()
        self.latency = latency
        self.breakers = breakers

    @property
    def budget(self) -> BudgetBackend:
        """The budget windows' backend; given None, an in-process one made on first use (a
        router without a budget never loads the budget code)."""
        if self._budget is None:
            from costroute.budget import MemoryBudgetBackend

            with self._budget_made:
                if self._budget is None:
                    self._budget = MemoryBudgetBackend()
        return self._budget

    def __repr__(self) -> str:
        return f"<Store {self.kind}{' ' + self.url if self.url else ''}>"

    def on_restore(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` whenever the budget windows may lack spend that the ledger has: never
        for the in-process store (a restart starts a new store; the router restores it once)."""

    def settle(
        self,
        manager: BudgetManager | None,
        reservation: Reservation | None,
        actual: Decimal | None,
        samples: Sequence[LatencySample] = (),
        outcomes: Sequence[tuple[str, bool]] = (),
    ) -> None:
        """What one call leaves behind: its latency samples, its breaker outcomes (deployment,
        success) and its budget settle (``actual``; a release when it is None or zero).
        ``manager`` is the one ``reservation`` came from (None when nothing was reserved)."""
        for sample in samples:
            self.latency.record(*sample)
        for name, ok in outcomes:
            if ok:
                self.breakers.record_success(name)
            else:
                self.breakers.record_failure(name)
        if reservation is None:
            return
        assert manager is not None, "a reservation is settled with the manager it came from"
        if actual:
            manager.settle(reservation, actual)
        else:
            manager.release(reservation)


def memory_store(breakers: BreakerConfig | None = None) -> Store:
    """Everything in this process: no server, nothing shared."""
    return Store(None, MemoryLatencyStats(), MemoryBreakers(breakers or BreakerConfig()))


def open_store(url: str | None = None, **options: Any) -> Store:
    """The store named by ``url`` (or ``$COSTROUTE_STORE_URL``), in-process when neither is set."""
    field = "store"
    if url is None:
        url = os.environ.get("COSTROUTE_STORE_URL") or None
        field = "COSTROUTE_STORE_URL"
    if url is None or url in ("memory", "memory://"):
        return memory_store(options.get("breakers"))
    from costroute._url import check_url, mask_url, scheme_of  # a URL was given

    if scheme_of(url) in ("redis", "rediss", "unix"):
        check_url(url, field)
        from costroute.store._redis import redis_store

        return redis_store(url, **options)
    raise ConfigError(
        f"Unknown store URL {mask_url(url)!r}.",
        field=field,
        fix="use 'memory' or redis://host:6379/0 (rediss:// for TLS)",
    )
