"""A wait for a pooled Redis connection that runs out is not an outage.

The health layer (costroute/store/_failover.py) marks Redis down on any connection error. A
pool that had no free connection in time raises ``PoolTimeout`` (costroute/_redis_clients.py):
that operation falls back like any failed one, but Redis stays up for the next.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
import redis.exceptions

from costroute._redis_clients import PoolTimeout, pool_busy_errors, sync_client
from costroute.budget import Budget, BudgetManager, Limit, MemoryBudgetBackend
from costroute.budget._backend import Lease, Outcome, Slot, Usage
from costroute.errors import BackendBusy, BackendUnavailable
from costroute.store import redis_store
from costroute.store._failover import FailoverBudget, FailoverProxy, Health
from costroute.testing import FakeClock

URL = "redis://h:6379/0"
SLOTS = (Slot("month:2026-11:global", 1_000, 3_600),)


def _health(clock: FakeClock) -> Health:
    return Health(URL, clock, retry_s=5.0)


# ---- the health layer --------------------------------------------------------------------------


def test_a_pool_timeout_is_not_an_outage(caplog: pytest.LogCaptureFixture) -> None:
    health = _health(FakeClock())
    busy = PoolTimeout(10, 0.5)
    assert isinstance(busy, health.errors) and health.is_busy(busy)  # caught, then told apart
    health.failed(busy, "reserve")
    health.failed(busy, "reserve")
    assert health.down_since is None and health.worth_trying()
    assert health.pool_timeouts == 2
    assert "no free connection" in caplog.text and "unreachable" not in caplog.text
    assert caplog.text.count("no free connection") == 1  # one line per retry_s, not per call

    health.failed(redis.exceptions.ConnectionError("Connection refused"), "reserve")
    assert health.down_since is not None and not health.worth_trying()  # a real outage


def test_redis_pys_own_pool_limit_is_not_an_outage_either() -> None:
    limit = getattr(redis.exceptions, "MaxConnectionsError", None)
    if limit is None:
        pytest.skip("this redis-py has no MaxConnectionsError (5.0 has none)")
    assert limit in pool_busy_errors()
    health = _health(FakeClock())
    health.failed(limit("Too many connections"), "reserve")
    assert health.down_since is None


class Component:
    """A Redis-backed component whose pool is busy while ``busy`` is set."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.busy = False

    def read(self) -> str:
        if self.busy:
            raise PoolTimeout(10, 0.5)
        return self.name

    async def aread(self) -> str:
        return self.read()


async def test_latency_and_breakers_answer_locally_for_that_call_and_stay_on_redis() -> None:
    health = _health(FakeClock())
    primary = Component("redis")
    proxy = FailoverProxy(primary, Component("local"), health)
    primary.busy = True
    assert proxy.read() == "local" and await proxy.aread() == "local"
    primary.busy = False
    assert proxy.read() == "redis" and await proxy.aread() == "redis"  # no retry_s to wait
    assert health.down_since is None and health.pool_timeouts == 2


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

    async def areserve(self, slots: Sequence[Slot], lease: Lease, now: float) -> Outcome:
        return self.reserve(slots, lease, now)

    async def asettle(self, slots: Sequence[Slot], lease: Lease, actual: int, now: float) -> None:
        self.settle(slots, lease, actual, now)


@pytest.mark.parametrize("use_async", [False, True])
def test_a_busy_pool_refuses_that_reservation_with_backend_busy_when_failing_closed(
    use_async: bool,
) -> None:
    health = _health(FakeClock())
    primary = BusyBackend()
    budget = FailoverBudget(primary, health, "closed")

    def reserve(lease: Lease) -> Outcome:
        if use_async:
            return asyncio.run(budget.areserve(SLOTS, lease, 0.0))
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
    health = _health(FakeClock())
    primary = BusyBackend()
    budget = FailoverBudget(primary, health, "open")
    primary.busy = True
    local = Lease("a", 300, 600.0)
    assert budget.reserve(SLOTS, local, 0.0).refused == -1
    budget.settle(SLOTS, local, 250, 0.0)  # a local lease settles locally, kept for replay
    assert budget.pending == 1 and health.down_since is None

    primary.busy = False
    assert budget.reserve(SLOTS, Lease("b", 100, 600.0), 0.0).refused == -1
    assert budget.pending == 0  # replayed first, then the reservation went to Redis
    assert primary.memory.usage([SLOTS[0].key], 0.0) == (Usage(250, 100),)


async def test_a_settle_that_finds_the_pool_busy_is_kept_and_replayed() -> None:
    health = _health(FakeClock())
    primary = BusyBackend()
    budget = FailoverBudget(primary, health, "closed")
    lease = Lease("a", 300, 600.0)
    await budget.areserve(SLOTS, lease, 0.0)
    primary.busy = True
    await budget.asettle(SLOTS, lease, 120, 0.0)  # the money is real: kept, never lost
    assert budget.pending == 1 and health.down_since is None
    with pytest.raises(BackendBusy):  # the replay comes first and finds the pool busy too
        await budget.areserve(SLOTS, Lease("b", 1, 600.0), 0.0)
    assert budget.pending == 1

    primary.busy = False
    await budget.areserve(SLOTS, Lease("c", 1, 600.0), 0.0)
    assert budget.pending == 0
    assert primary.memory.usage([SLOTS[0].key], 0.0) == (Usage(120, 1),)


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
    pool = store.budget.primary.aclient.connection_pool
    held = await pool.get_connection()  # the only connection of the async pool
    with pytest.raises(BackendBusy):
        await manager.areserve(Decimal("0.01"))
    assert store.health is not None and store.health.down_since is None
    await pool.release(held)
    reservation = await manager.areserve(Decimal("0.01"))  # no retry_s to wait
    manager.release(reservation)
