"""One contract, every backend: reserve/settle/release, windows, resets, leases, pressure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from costroute.budget import Budget, BudgetManager, Limit, WindowStatus
from costroute.errors import BudgetExceeded, InvalidRequestError
from costroute.testing import FakeClock

D = Decimal
DAY = 86400.0


def manager(make: Callable[[], Any], clock: FakeClock, *limits: Limit, **kw: Any) -> BudgetManager:
    return BudgetManager(Budget(limits=limits, tz=kw.pop("tz", "UTC")), make(), clock, **kw)


def row(mgr: BudgetManager, window: str, key: str) -> WindowStatus:
    found = [w for w in mgr.status().windows if w.window == window and w.key == key]
    assert len(found) == 1, mgr.status()
    return found[0]


def test_reserve_settle_release(make_backend: Callable[[], Any], clock: FakeClock) -> None:
    mgr = manager(make_backend, clock, Limit(usd=10, window="month"))
    res = mgr.reserve(D("0.40"))
    now = row(mgr, "month", "global")
    assert (now.spent, now.reserved) == (D(0), D("0.4"))
    mgr.settle(res, D("0.3"))
    assert res.state == "settled"
    now = row(mgr, "month", "global")
    assert (now.spent, now.reserved) == (D("0.3"), D(0))
    failed = mgr.reserve(D("2"))
    mgr.release(failed)
    mgr.release(failed)  # idempotent
    assert failed.state == "released"
    status = row(mgr, "month", "global")
    assert (status.spent, status.reserved, status.limit) == (D("0.3"), D(0), D(10))
    assert status.resets_at == dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def test_settle_twice_is_an_error_and_release_after_settle_a_no_op(
    make_backend: Callable[[], Any], clock: FakeClock
) -> None:
    mgr = manager(make_backend, clock, Limit(usd=10, window="day"))
    res = mgr.reserve(D("1"))
    mgr.settle(res, D("1"))
    mgr.release(res)
    with pytest.raises(InvalidRequestError) as err:
        mgr.settle(res, D("1"))
    assert err.value.field == "reservation"
    assert row(mgr, "day", "global").spent == 1


def test_actual_above_the_reservation_is_recorded(
    make_backend: Callable[[], Any], clock: FakeClock
) -> None:
    mgr = manager(make_backend, clock, Limit(usd=1, window="month"))
    mgr.settle(mgr.reserve(D("0.1")), D("0.25"))
    status = row(mgr, "month", "global")
    assert (status.spent, status.reserved) == (D("0.25"), D(0))


def test_refusal_names_the_window_and_every_figure(
    make_backend: Callable[[], Any], clock: FakeClock
) -> None:
    mgr = manager(
        make_backend,
        clock,
        Limit(usd=100, window="month"),
        Limit(usd=1, window="day", scope="user"),
    )
    mgr.settle(mgr.reserve(D("0.6"), user="alice"), D("0.6"))
    mgr.reserve(D("0.3"), user="alice")
    with pytest.raises(BudgetExceeded) as err:
        mgr.reserve(D("0.2"), user="alice")
    e = err.value
    assert (e.window, e.scope) == ("day", "user=alice")
    assert (e.spent_usd, e.reserved_usd, e.limit_usd, e.needed_usd) == (
        D("0.6"),
        D("0.3"),
        D("1"),
        D("0.2"),
    )
    assert e.resets_at == "2026-11-26T00:00:00+00:00"
    assert "user=alice" in str(e) and "2026-11-26" in str(e)
    mgr.reserve(D("0.2"), user="bob")  # another user has their own day


def test_the_window_over_by_the_most_is_named(
    make_backend: Callable[[], Any], clock: FakeClock
) -> None:
    mgr = manager(
        make_backend,
        clock,
        Limit(usd=1, window="month", scope="tenant"),
        Limit(usd="0.5", window="day", scope="user"),
    )
    with pytest.raises(BudgetExceeded) as err:
        mgr.reserve(D("0.9"), user="u", tenant="t")
    assert (err.value.window, err.value.scope) == ("day", "user=u")
    with pytest.raises(BudgetExceeded) as err:
        mgr.reserve(D("2"), user="u", tenant="t")
    assert err.value.scope == "user=u"  # over by 1.5 (vs 1.0 for the tenant)


def test_reserve_is_atomic_across_windows(
    make_backend: Callable[[], Any], clock: FakeClock
) -> None:
    mgr = manager(
        make_backend, clock, Limit(usd=10, window="month"), Limit(usd=1, window="day", scope="user")
    )
    with pytest.raises(BudgetExceeded):
        mgr.reserve(D("1.5"), user="alice")
    assert row(mgr, "month", "global").reserved == 0  # nothing taken in the window that fit
    assert all(w.reserved == 0 and w.spent == 0 for w in mgr.status().windows)


def test_per_request_limit(make_backend: Callable[[], Any], clock: FakeClock) -> None:
    mgr = manager(make_backend, clock, Limit(usd="0.50", window="request"))
    mgr.settle(mgr.reserve(D("0.5")), D("0.5"))
    with pytest.raises(BudgetExceeded) as err:
        mgr.reserve(D("0.51"))
    assert (err.value.window, err.value.scope, err.value.resets_at) == ("request", "global", None)
    assert err.value.limit_usd == D("0.50")


def test_scopes_user_tenant_and_tags(make_backend: Callable[[], Any], clock: FakeClock) -> None:
    mgr = manager(
        make_backend,
        clock,
        Limit(usd=1, window="month", scope="user"),
        Limit(usd=1, window="month", scope="tag:feature"),
        Limit(usd=2, window="month", scope="tag:feature=search"),
    )
    res = mgr.reserve(D("0.5"), tags={"feature": "search"})
    assert set(res.windows) == {"month:2026-11:tag:feature=search"}  # two limits, one window
    mgr.settle(res, D("0.5"))
    mgr.settle(mgr.reserve(D("0.7"), tags={"feature": "chat"}), D("0.7"))
    mgr.settle(mgr.reserve(D("0.5")), D("0.5"))  # no user, no tag: nothing applies
    with pytest.raises(BudgetExceeded) as err:
        mgr.reserve(D("0.6"), tags={"feature": "search"})
    assert err.value.limit_usd == 1  # the tighter of the two limits on that window
    keys = {(w.scope, w.key, w.spent) for w in mgr.status().windows}
    assert keys == {
        ("tag:feature", "tag:feature=chat", D("0.7")),
        ("tag:feature", "tag:feature=search", D("0.5")),
        ("tag:feature=search", "tag:feature=search", D("0.5")),
    }


def test_day_and_month_reset_in_the_configured_time_zone(
    make_backend: Callable[[], Any], clock: FakeClock
) -> None:
    # 08:00 UTC = 03:00 in New York (EST, UTC-5): the local day started at 05:00 UTC.
    mgr = manager(
        make_backend,
        clock,
        Limit(usd=1, window="day"),
        Limit(usd=100, window="month"),
        tz="America/New_York",
    )
    mgr.settle(mgr.reserve(D("0.9")), D("0.9"))
    day = row(mgr, "day", "global")
    assert day.resets_at is not None and day.resets_at.isoformat() == "2026-11-26T00:00:00-05:00"
    with pytest.raises(BudgetExceeded) as err:
        mgr.reserve(D("0.2"))
    assert err.value.resets_at == "2026-11-26T00:00:00-05:00"
    clock.advance(20 * 3600.0 + 59 * 60)  # 04:59 UTC on the 26th: still the 25th in New York
    with pytest.raises(BudgetExceeded):
        mgr.reserve(D("0.2"))
    clock.advance(60.0)  # 05:00 UTC = midnight in New York: a new day
    mgr.settle(mgr.reserve(D("0.2")), D("0.2"))
    assert row(mgr, "day", "global").spent == D("0.2")
    assert row(mgr, "month", "global").spent == D("1.1")
    clock.t = dt.datetime(2026, 12, 1, 4, 59, tzinfo=dt.UTC).timestamp()
    assert row(mgr, "month", "global").spent == D("1.1")  # Nov 30, 23:59 in New York
    clock.advance(60.0)
    month = row(mgr, "month", "global")
    assert month.spent == 0
    assert (
        month.resets_at is not None and month.resets_at.isoformat() == "2027-01-01T00:00:00-05:00"
    )


def test_a_lease_held_by_a_crashed_process_expires(
    make_backend: Callable[[], Any], clock: FakeClock
) -> None:
    mgr = manager(make_backend, clock, Limit(usd=1, window="month"), lease_s=60)
    crashed = mgr.reserve(D("0.8"))  # never settled
    assert crashed.expires_at == clock() + 60
    with pytest.raises(BudgetExceeded):
        mgr.reserve(D("0.3"))
    clock.advance(59.0)
    assert row(mgr, "month", "global").reserved == D("0.8")
    clock.advance(1.0)
    assert row(mgr, "month", "global").reserved == 0
    ok = mgr.reserve(D("0.3"))
    mgr.settle(crashed, D("0.5"))  # a late settle still records the spend, frees nothing twice
    mgr.settle(ok, D("0.3"))
    status = row(mgr, "month", "global")
    assert (status.spent, status.reserved) == (D("0.8"), D(0))


def test_pressure_starts_at_the_soft_fraction(
    make_backend: Callable[[], Any], clock: FakeClock
) -> None:
    mgr = manager(
        make_backend,
        clock,
        Limit(usd=100, window="month"),
        Limit(usd=10, window="month", scope="tenant", soft=0.5),
    )
    assert mgr.pressure(tenant="acme") == 0.0
    mgr.settle(mgr.reserve(D("4"), tenant="acme"), D("4"))
    assert mgr.pressure(tenant="acme") == 0.0  # 40% < soft 50%
    held = mgr.reserve(D("2"), tenant="acme")
    clock.advance(2.0)  # past any cached figure
    assert mgr.pressure(tenant="acme") == pytest.approx(0.6)  # reserved counts
    _, reason = mgr.pressure_reason(tenant="acme")
    assert reason == "budget month for tenant=acme at 60% of $10 (soft 50%)"
    assert mgr.pressure(tenant="other") == 0.0
    mgr.release(held)
    mgr.settle(mgr.reserve(D("82")), D("82"))  # global at 86%: past its 80% soft
    clock.advance(2.0)
    assert mgr.pressure() == pytest.approx(0.86)
    assert mgr.pressure(tenant="acme") == pytest.approx(0.86)
    assert row(mgr, "month", "global").pressed
    assert not row(mgr, "month", "tenant=acme").pressed


def test_a_restarted_manager_keeps_the_spend(
    make_backend: Callable[[], Any], clock: FakeClock
) -> None:
    limits = (Limit(usd=1, window="month"), Limit(usd=1, window="day", scope="user"))
    first = manager(make_backend, clock, *limits)
    first.settle(first.reserve(D("0.7"), user="alice"), D("0.7"))
    again = manager(make_backend, clock, *limits)  # Redis: a new client on the same keys
    assert row(again, "day", "user=alice").spent == D("0.7")
    with pytest.raises(BudgetExceeded) as err:
        again.reserve(D("0.4"), user="bob")
    assert (err.value.scope, err.value.spent_usd) == ("global", D("0.7"))


def test_windows_count_whole_nanodollars_rounded_up(
    make_backend: Callable[[], Any], clock: FakeClock
) -> None:
    # A token at $0.0375 per 1M tokens costs 37.5 n$: alone, a window counts it as 38 n$.
    token = D("0.0375") / 1_000_000
    assert token == D("0.0000000375")
    mgr = manager(make_backend, clock, Limit(usd=1, window="month", scope="user"))
    for _ in range(1_000):
        mgr.settle(mgr.reserve(token, user="alice"), token)
    # 1,000 settles of 37.5 n$: 37,500 n$ exactly, 38,000 n$ counted (0.5 n$ each, < 1 n$).
    assert row(mgr, "month", "user=alice").spent == D("0.000038")
    # The same 1,000 tokens in one call: 37,500 n$, a whole number, counted exactly.
    mgr.settle(mgr.reserve(token * 1_000, user="bob"), token * 1_000)
    assert row(mgr, "month", "user=bob").spent == D("0.0000375")
    # A reservation rounds up too, and a release gives back what it took.
    res = mgr.reserve(D("0.0000000001"), user="carol")
    assert row(mgr, "month", "user=carol").reserved == D("0.000000001")
    mgr.release(res)
    assert row(mgr, "month", "user=carol").reserved == 0


def test_a_window_near_the_largest_limit_stays_exact(
    make_backend: Callable[[], Any], clock: FakeClock
) -> None:
    # The largest limit is 2**53 - 1 n$; every figure below is a whole number of nanodollars.
    assert D("9007199.254740991") == Limit.MAX_USD
    mgr = manager(make_backend, clock, Limit(usd=Limit.MAX_USD, window="month"))
    amount = D("1234567.123456789")
    for _ in range(7):
        mgr.settle(mgr.reserve(amount), amount)
    assert row(mgr, "month", "global").spent == D("8641969.864197523")
    left = Limit.MAX_USD - amount * 7
    assert left == D("365229.390543468")
    with pytest.raises(BudgetExceeded) as err:
        mgr.reserve(left + D("0.000000001"))
    assert err.value.spent_usd == D("8641969.864197523")
    res = mgr.reserve(left)  # fits to the last nanodollar: spent + reserved = 2**53 - 1 n$
    assert row(mgr, "month", "global").remaining == 0
    # Billed more than reserved, the spend passes 2**53 n$ (no Lua double holds 2**53 + 1):
    # it is still exact, and the window refuses everything, even a nanodollar.
    mgr.settle(res, left + D("0.000000002"))
    assert row(mgr, "month", "global").spent == D("9007199.254740993")
    with pytest.raises(BudgetExceeded) as err:
        mgr.reserve(D("0.000000001"))
    assert err.value.spent_usd == D("9007199.254740993")


async def test_async_twins_behave_the_same(
    make_backend: Callable[[], Any], clock: FakeClock
) -> None:
    mgr = manager(make_backend, clock, Limit(usd=1, window="day", scope="user"))
    res = await mgr.areserve(D("0.6"), user="alice")
    with pytest.raises(BudgetExceeded) as err:
        await mgr.areserve(D("0.6"), user="alice")
    assert (err.value.window, err.value.reserved_usd) == ("day", D("0.6"))
    await mgr.asettle(res, D("0.5"))
    failed = await mgr.areserve(D("0.5"), user="alice")
    await mgr.arelease(failed)
    await mgr.arelease(failed)
    status = row(mgr, "day", "user=alice")
    assert (status.spent, status.reserved) == (D("0.5"), D(0))
