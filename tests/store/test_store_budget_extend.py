"""StoreBudget.extend without a server: Redis answers, or the extension is refused (failing
closed), or the lease moves in-process (failing open); its settle then releases the Redis lease
and adds the spend when Redis answers, or leaves both to lease expiry and the ledger restore."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest

from costroute.budget import Budget, BudgetManager, Limit, MemoryBudgetBackend
from costroute.budget._backend import Lease, Outcome, Slot, Usage
from costroute.errors import BackendUnavailable, BudgetExceeded
from costroute.store import Health
from costroute.store._budget import StoreBudget
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


def _budget(on_failure: Any) -> tuple[BudgetManager, FlakyPrimary, StoreBudget, FakeClock]:
    clock = FakeClock()
    clock.t = 1_795_000_000.0
    primary = FlakyPrimary()
    health = Health("redis://h:6379/0", clock, retry_s=5.0)
    backend = StoreBudget(primary, health, on_failure)  # type: ignore[arg-type]
    mgr = BudgetManager(Budget([Limit(usd=1, window="month")]), backend, clock)
    return mgr, primary, backend, clock


def _redis(primary: FlakyPrimary, at: float = 1_795_000_000.0) -> tuple[Decimal, Decimal]:
    """(spent, reserved) of the month window in "Redis", in dollars (whatever the unit)."""
    view = BudgetManager(Budget([Limit(usd=1, window="month")]), primary.state, lambda: at)
    (window,) = view.status().windows
    return window.spent, window.reserved


def test_extend_goes_to_redis_while_it_answers() -> None:
    mgr, primary, _, _ = _budget("closed")
    res = mgr.reserve(D("0.3"))
    mgr.extend(res, D("0.5"))
    assert _redis(primary) == (0, D("0.5"))
    with pytest.raises(BudgetExceeded):
        mgr.extend(mgr.reserve(D("0.4")), D("0.6"))
    mgr.settle(res, D("0.4"))
    assert _redis(primary) == (D("0.4"), D("0.4"))


def test_failing_closed_an_extension_is_refused_while_redis_is_down() -> None:
    mgr, primary, _, _ = _budget("closed")
    res = mgr.reserve(D("0.3"))
    primary.down = True
    with pytest.raises(BackendUnavailable) as err:
        mgr.extend(res, D("0.5"))
    assert "budget extend; failing closed" in str(err.value)
    assert res.amount == D("0.3")
    primary.down = False


async def test_failing_open_the_lease_moves_here_and_its_settle_reaches_redis_later() -> None:
    mgr, primary, backend, clock = _budget("open")
    res = mgr.reserve(D("0.3"))
    assert _redis(primary) == (0, D("0.3"))
    primary.down = True
    await mgr.aextend(res, D("0.5"))  # in-process, against the last figures seen
    assert res.amount == D("0.5") and _redis(primary) == (0, D("0.3"))
    with pytest.raises(BudgetExceeded):  # 0.3 seen in Redis + 0.5 here + 0.3 > 1
        mgr.reserve(D("0.3"))
    primary.down = False
    clock.advance(5.0)
    mgr.settle(res, D("0.45"))  # settled here; in Redis: the old lease released, the spend added
    assert _redis(primary) == (D("0.45"), 0)
    mgr.reserve(D("0.1"))  # in Redis: the in-process figures start afresh
    primary.down = True
    clock.advance(5.0)
    mgr.reserve(D("0.4"))  # next outage: 0.45 + 0.1 seen in Redis + 0.4 fits in 1
    assert len(backend.local.windows(clock())) == 1


def test_failing_open_a_settle_while_redis_is_away_leaves_the_lease_to_expire() -> None:
    mgr, primary, backend, clock = _budget("open")
    restores: list[float] = []
    backend.health.on_restore.append(lambda: restores.append(clock()))
    res = mgr.reserve(D("0.3"))
    primary.down = True
    mgr.extend(res, D("0.5"))
    mgr.settle(res, D("0.45"))  # not sent: Redis keeps the old lease until it expires
    primary.down = False
    clock.advance(5.0)
    mgr.release(mgr.reserve(D("0.1")))
    assert restores == [clock()]  # Redis answered again: the ledger restore ran
    assert _redis(primary) == (0, D("0.3"))
    assert _redis(primary, clock() + 600) == (0, 0)  # the call's lease expired (lease_s = 600)
