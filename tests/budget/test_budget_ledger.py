"""Restoring spend from the usage ledger after a restart (memory backend)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from costroute.budget import Budget, BudgetManager, Limit, MemoryBudgetBackend
from costroute.errors import BudgetExceeded
from costroute.ledger import CallRecord, open_ledger
from costroute.testing import FakeClock

D = Decimal
UTC = dt.UTC


def _record(i: int, at: dt.datetime, cost: str, **who: object) -> CallRecord:
    return CallRecord(
        request_id=f"r{i}",
        at=at,
        deployment="deepseek-v4-flash",
        model="deepseek/deepseek-v4-flash",
        provider="deepseek",
        policy="balanced",
        difficulty=0.2,
        cost_usd=D(cost),
        **who,  # type: ignore[arg-type]
    )


LIMITS = Budget(
    [
        Limit(usd=10, window="month"),
        Limit(usd=2, window="day"),
        Limit(usd=1, window="day", scope="user"),
        Limit(usd=5, window="month", scope="tenant"),
        Limit(usd=5, window="month", scope="tag:feature"),
        Limit(usd=3, window="month", scope="tag:team=core"),
    ]
)


def test_a_new_memory_manager_restores_spend_from_the_ledger(clock: FakeClock) -> None:
    now = dt.datetime.fromtimestamp(clock(), UTC)  # 2026-11-25 08:00
    with open_ledger("sqlite:///:memory:") as ledger:
        ledger.append_many(
            [
                _record(1, now - dt.timedelta(hours=1), "0.50", user="alice", tenant="acme"),
                _record(2, now - dt.timedelta(hours=2), "0.25", tags={"feature": "search"}),
                _record(3, now - dt.timedelta(days=3), "1.00", user="alice", tags={"team": "core"}),
                _record(4, now - dt.timedelta(days=30), "7.00", user="alice"),  # October
                _record(5, now - dt.timedelta(minutes=5), "0.125", user="bob", tenant="acme"),
            ]
        )
        mgr = BudgetManager(LIMITS, MemoryBudgetBackend(), clock, ledger=ledger)
        spent = {(w.window, w.key): w.spent for w in mgr.status().windows}
        assert spent[("month", "global")] == D("1.875")
        assert spent[("day", "global")] == D("0.875")
        assert spent[("month", "tag:team=core")] == D("1.00")  # a fixed tag value: restored
        assert ("day", "user=alice") not in spent  # not passed: not restored
        restored = mgr.load_spent_from(
            ledger, users=["alice", "carol"], tenants=["acme"], tags={"feature": ["search"]}
        )
        assert restored == 7  # 3 fixed windows again + alice, carol, acme, feature=search
        spent = {(w.window, w.key): w.spent for w in mgr.status().windows}
        assert spent[("day", "user=alice")] == D("0.50")
        assert spent[("day", "user=carol")] == 0
        assert spent[("month", "tenant=acme")] == D("0.625")
        assert spent[("month", "tag:feature=search")] == D("0.25")
        # The restored figures bind: alice has $0.50 left today.
        mgr.reserve(D("0.5"), user="alice")
        try:
            mgr.reserve(D("0.01"), user="alice")
        except BudgetExceeded as exc:
            assert (exc.window, exc.scope, exc.spent_usd) == ("day", "user=alice", D("0.5"))
        else:  # pragma: no cover
            raise AssertionError("alice's day should be full")


def test_restoring_never_lowers_a_window(clock: FakeClock) -> None:
    mgr = BudgetManager(Budget([Limit(usd=10, window="month")]), MemoryBudgetBackend(), clock)
    mgr.settle(mgr.reserve(D("3")), D("3"))
    with open_ledger("sqlite:///:memory:") as ledger:
        ledger.append(_record(1, dt.datetime.fromtimestamp(clock(), UTC), "1"))
        assert mgr.load_spent_from(ledger) == 1
    assert mgr.status().windows[0].spent == 3
