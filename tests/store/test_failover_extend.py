"""FailoverBudget.extend without a server: Redis's twin answers, or fails closed, or moves the
lease in-process when failing open (its release in Redis replayed once Redis answers)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest

from costroute.budget import Budget, BudgetManager, Limit, MemoryBudgetBackend
from costroute.budget._backend import Lease, Outcome, Slot, Usage
from costroute.errors import BackendUnavailable, BudgetExceeded
from costroute.store._failover import FailoverBudget, Health
from costroute.testing import FakeClock

D = Decimal


class FlakyPrimary:
    """A MemoryBudgetBackend standing for Redis, that raises ConnectionError while down."""

    def __init__(self) -> None:
        self.state = MemoryBudgetBackend()
        self.down = False

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.state, name)

        def call(*args: Any) -> Any:
            if self.down:
                raise ConnectionError("redis is down")
            return method(*args)

        return call

    # the protocol's names, so that isinstance(..., BudgetBackend) holds
    def reserve(self, slots: Sequence[Slot], lease: Lease, now: float) -> Outcome:
        return self.__getattr__("reserve")(slots, lease, now)  # type: ignore[no-any-return]

    def extend(self, slots: Sequence[Slot], lease: Lease, grown: Lease, now: float) -> Outcome:
        return self.__getattr__("extend")(slots, lease, grown, now)  # type: ignore[no-any-return]

    def settle(self, slots: Sequence[Slot], lease: Lease, actual: int, now: float) -> None:
        self.__getattr__("settle")(slots, lease, actual, now)

    def usage(self, keys: Sequence[str], now: float) -> tuple[Usage, ...]:
        return self.__getattr__("usage")(keys, now)  # type: ignore[no-any-return]

    def windows(self, now: float) -> dict[str, Usage]:
        return self.__getattr__("windows")(now)  # type: ignore[no-any-return]

    def restore(self, slot: Slot, spent: int, now: float) -> None:
        self.__getattr__("restore")(slot, spent, now)


def _budget(on_failure: Any) -> tuple[BudgetManager, FlakyPrimary, FailoverBudget, FakeClock]:
    clock = FakeClock()
    clock.t = 1_795_000_000.0
    primary = FlakyPrimary()
    backend = FailoverBudget(primary, Health("redis://h:6379/0", clock, retry_s=5.0), on_failure)
    mgr = BudgetManager(Budget([Limit(usd=1, window="month")]), backend, clock)
    return mgr, primary, backend, clock


def _redis(primary: FlakyPrimary) -> tuple[int, int]:
    ((spent, reserved),) = primary.state.windows(1_795_000_000.0).values()
    return spent, reserved


def test_extend_goes_to_redis_while_it_answers() -> None:
    mgr, primary, _, _ = _budget("closed")
    res = mgr.reserve(D("0.3"))
    mgr.extend(res, D("0.5"))
    assert _redis(primary) == (0, 500_000_000)
    with pytest.raises(BudgetExceeded):
        mgr.extend(mgr.reserve(D("0.4")), D("0.6"))
    mgr.settle(res, D("0.4"))
    assert _redis(primary) == (400_000_000, 400_000_000)


def test_failing_closed_an_extension_is_refused_while_redis_is_down() -> None:
    mgr, primary, _, _ = _budget("closed")
    res = mgr.reserve(D("0.3"))
    primary.down = True
    with pytest.raises(BackendUnavailable) as err:
        mgr.extend(res, D("0.5"))
    assert "budget extend; failing closed" in str(err.value)
    assert res.amount == D("0.3")
    primary.down = False


async def test_failing_open_the_lease_moves_here_and_redis_is_reconciled_later() -> None:
    mgr, primary, backend, clock = _budget("open")
    res = mgr.reserve(D("0.3"))
    assert _redis(primary) == (0, 300_000_000)
    primary.down = True
    await mgr.aextend(res, D("0.5"))  # in-process, against the last figures seen
    assert res.amount == D("0.5") and backend.pending == 1  # the release of the Redis lease
    mgr.settle(res, D("0.45"))  # settled here, kept for Redis
    assert backend.pending == 2
    primary.down = False
    clock.advance(5.0)
    mgr.reserve(D("0.1"))  # Redis answers again: replayed first
    assert backend.pending == 0
    assert _redis(primary) == (450_000_000, 100_000_000)
