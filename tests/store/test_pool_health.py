"""A wait for a pooled Redis connection that runs out is not an outage.

The store's health (costroute/store/_health.py) marks Redis down on any connection error. A
pool that had no free connection in time raises ``PoolTimeout`` (costroute/_redis_clients.py):
that operation falls back like any failed one, but Redis stays up for the next. (The health's
own tests, busy pools included, are in test_health.py.)
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest

from costroute._redis_clients import PoolTimeout, sync_client
from costroute.breaker import BreakerConfig
from costroute.budget import Budget, BudgetManager, Limit, MemoryBudgetBackend
from costroute.budget._backend import Lease, Outcome, Slot, Usage
from costroute.errors import BackendBusy, BackendUnavailable
from costroute.latency import Prior
from costroute.store import Health, redis_store
from costroute.store._budget import StoreBudget
from costroute.store._twins import StoreBreakers, StoreLatency
from costroute.testing import FakeClock

URL = "redis://h:6379/0"
SLOTS = (Slot("month:2026-11:global", 1_000, 3_600),)


def _health(clock: FakeClock) -> Health:
    return Health(URL, clock, retry_s=5.0, probe=lambda: "run", run_id="run")


# ---- latency statistics and breakers -------------------------------------------------------


class Busy:
    """Stands for a Redis-backed component: its pool is busy while ``busy`` is set."""

    def __init__(self) -> None:
        self.busy = False
        self.config = BreakerConfig()
        self.half_life, self.window, self.min_samples, self.stale_after_s = 50, 200, 5, None

    def _wait(self) -> None:
        if self.busy:
            raise PoolTimeout(10, 0.5)

    def predictions(self, deployments: Any, output_tokens: int) -> dict[str, float]:
        self._wait()
        return {name: -1.0 for name, _ in deployments}

    def open_set(self, names: Any) -> frozenset[str]:
        self._wait()
        return frozenset(names)


def test_latency_and_breakers_answer_locally_for_that_call_and_stay_on_redis() -> None:
    health = _health(FakeClock())
    primary = Busy()
    latency = StoreLatency(primary, health)  # type: ignore[arg-type]
    breakers = StoreBreakers(primary, health)  # type: ignore[arg-type]
    asked = [("fast", Prior(400, 100))]
    primary.busy = True
    assert latency.predictions(asked, 10) == latency.local.predictions(asked, 10)  # the prior
    assert latency.predictions(asked, 10)["fast"] > 0
    assert breakers.open_set(["fast"]) == frozenset()  # the in-process twin: nothing open
    primary.busy = False
    assert latency.predictions(asked, 10) == {"fast": -1.0}  # no retry_s to wait
    assert breakers.open_set(["fast"]) == {"fast"}
    assert health.down_since is None and health.pool_timeouts == 3


# ---- budgets -----------------------------------------------------------------------------------


class BusyBackend:
    """An in-memory budget backend standing for Redis, whose pool is busy while ``busy``."""

    def __init__(self) -> None:
        self.memory = MemoryBudgetBackend()
        self.busy = False

    def _wait(self) -> None:
        if self.busy:
            raise PoolTimeout(10, 0.5)

    def reserve(self, slots: Sequence[Slot], lease: Lease, now: float) -> Outcome:
        self._wait()
        return self.memory.reserve(slots, lease, now)

    def settle(self, slots: Sequence[Slot], lease: Lease, actual: int, now: float) -> None:
        self._wait()
        self.memory.settle(slots, lease, actual, now)

    def usage(self, keys: Sequence[str], now: float) -> tuple[Usage, ...]:
        self._wait()
        return self.memory.usage(keys, now)


def _budget(on_failure: Any) -> tuple[StoreBudget, BusyBackend, Health, FakeClock]:
    clock = FakeClock()
    health = _health(clock)
    primary = BusyBackend()
    return StoreBudget(primary, health, on_failure), primary, health, clock  # type: ignore[arg-type]


def test_a_busy_pool_refuses_that_reservation_with_backend_busy_when_failing_closed() -> None:
    budget, primary, health, _ = _budget("closed")

    def reserve(lease: Lease) -> Outcome:
        return budget.reserve(SLOTS, lease, 0.0)

    primary.busy = True
    with pytest.raises(BackendBusy) as err:
        reserve(Lease("a", 100, 600.0))
    assert isinstance(err.value, BackendUnavailable)  # handled wherever a refusal is
    assert "no connection of this process's pool was free" in str(err.value)
    assert "max_connections" in str(err.value) and "store_max_connections" in str(err.value)
    assert health.down_since is None

    primary.busy = False
    assert reserve(Lease("b", 100, 600.0)).refused == -1  # at once: Redis was never down
    assert primary.memory.usage([SLOTS[0].key], 0.0) == (Usage(0, 100),)


def test_a_busy_pool_reserves_locally_when_failing_open() -> None:
    budget, primary, health, _ = _budget("open")
    primary.busy = True
    local = Lease("a", 300, 600.0)
    assert budget.reserve(SLOTS, local, 0.0).refused == -1
    primary.busy = False
    budget.settle(SLOTS, local, 250, 0.0)  # settled in memory; the spend also sent to Redis
    assert budget.local.usage([SLOTS[0].key], 0.0) == (Usage(250, 0),)
    assert primary.memory.usage([SLOTS[0].key], 0.0) == (Usage(250, 0),)
    assert health.down_since is None


def test_a_settle_that_finds_the_pool_busy_is_not_kept_the_ledger_restores_it() -> None:
    budget, primary, health, clock = _budget("closed")
    restores: list[float] = []
    health.on_restore.append(lambda: restores.append(clock()))
    lease = Lease("a", 300, 600.0)
    budget.reserve(SLOTS, lease, 0.0)
    primary.busy = True
    budget.settle(SLOTS, lease, 120, 0.0)  # not sent, not kept: the ledger has it
    assert health.down_since is None and restores == []
    primary.busy = False
    budget.reserve(SLOTS, Lease("b", 1, 600.0), 0.0)
    assert primary.memory.usage([SLOTS[0].key], 0.0) == (Usage(0, 301),)  # the lease lingers
    clock.advance(5.0)
    budget.reserve(SLOTS, Lease("c", 1, 600.0), 0.0)
    assert restores == [5.0]  # retry_s after the failure, the windows come from the ledger
    assert primary.memory.usage([SLOTS[0].key], 600.0) == (Usage(0, 0),)  # leases expire


# ---- real clients: a refused connection, a store whose pool is busy ------------------------------


def test_a_refused_connection_is_still_an_outage(unused_port: int) -> None:
    client = sync_client(
        f"redis://127.0.0.1:{unused_port}/0",
        max_connections=1,
        pool_timeout_s=0,
        socket_connect_timeout=0.5,
    )
    health = _health(FakeClock())
    with pytest.raises(health.errors) as err:
        client.ping()
    assert not health.is_busy(err.value)
    client.close()


@pytest.mark.redis
async def test_a_store_whose_pool_is_busy_refuses_with_backend_busy_and_stays_up(
    redis_url: str, redis_prefix: tuple[Any, str]
) -> None:
    store = redis_store(redis_url, prefix=redis_prefix[1], max_connections=1, pool_timeout_s=0)
    manager = BudgetManager(Budget([Limit(usd=1, window="month")]), backend=store.budget)
    pool = store.redis.connection_pool
    held = pool.get_connection()  # the only connection of the store's pool
    with pytest.raises(BackendBusy):
        await manager.areserve(Decimal("0.01"))  # the sync reserve, in a worker thread
    assert store.health is not None and store.health.down_since is None
    pool.release(held)
    reservation = await manager.areserve(Decimal("0.01"))  # no retry_s to wait
    manager.release(reservation)
