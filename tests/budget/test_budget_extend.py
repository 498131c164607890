"""Growing a reservation for a further attempt: extend/aextend on every backend.

A call whose attempt was billed (a stream cut before its first token) needs more than its
reservation before it retries; ``BudgetManager.extend`` grows the lease atomically with the limit
check, in every window of the call or in none. Refused, the reservation is unchanged and is
settled with what the call cost; either way nothing stays reserved.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

from costroute.budget import Budget, BudgetManager, Limit, WindowStatus
from costroute.errors import BudgetExceeded, InvalidRequestError
from costroute.testing import FakeClock

D = Decimal


def manager(make: Callable[[], Any], clock: FakeClock, *limits: Limit, **kw: Any) -> BudgetManager:
    return BudgetManager(Budget(limits=limits), make(), clock, **kw)


def row(mgr: BudgetManager, window: str = "month", key: str = "global") -> WindowStatus:
    found = [w for w in mgr.status().windows if w.window == window and w.key == key]
    assert len(found) == 1, mgr.status()
    return found[0]


def test_extend_grows_the_reservation_and_settle_leaves_nothing_reserved(
    make_backend: Callable[[], Any], clock: FakeClock
) -> None:
    mgr = manager(make_backend, clock, Limit(usd=1, window="month"))
    res = mgr.reserve(D("0.3"))
    mgr.extend(res, D("0.5"))
    assert res.amount == D("0.5") and res.state == "held"
    assert (row(mgr).spent, row(mgr).reserved) == (0, D("0.5"))
    mgr.extend(res, D("0.4"))  # never shrinks: a no-op
    mgr.extend(res, D("0.5"))
    assert res.amount == D("0.5") and row(mgr).reserved == D("0.5")
    mgr.settle(res, D("0.45"))
    assert (row(mgr).spent, row(mgr).reserved) == (D("0.45"), 0)


def test_release_after_extend_leaves_nothing_reserved(
    make_backend: Callable[[], Any], clock: FakeClock
) -> None:
    mgr = manager(make_backend, clock, Limit(usd=1, window="day"))
    res = mgr.reserve(D("0.1"))
    mgr.extend(res, D("0.2"))
    mgr.extend(res, D("0.35"))
    assert row(mgr, "day").reserved == D("0.35")
    mgr.release(res)
    assert (row(mgr, "day").spent, row(mgr, "day").reserved) == (0, 0)


def test_a_refused_extension_names_the_window_and_changes_nothing(
    make_backend: Callable[[], Any], clock: FakeClock
) -> None:
    mgr = manager(
        make_backend, clock, Limit(usd=10, window="month"), Limit(usd=1, window="day", scope="user")
    )
    mgr.settle(mgr.reserve(D("0.2"), user="alice"), D("0.2"))
    other = mgr.reserve(D("0.3"), user="alice")
    res = mgr.reserve(D("0.4"), user="alice")
    with pytest.raises(BudgetExceeded) as err:
        mgr.extend(res, D("0.6"))  # 0.2 spent + 0.7 reserved + 0.2 more > 1
    e = err.value
    assert (e.window, e.scope, e.further) == ("day", "user=alice", True)
    assert (e.spent_usd, e.reserved_usd, e.needed_usd, e.limit_usd) == (
        D("0.2"),
        D("0.7"),
        D("0.2"),
        D("1"),
    )
    assert "a further attempt of this call up to $0.2" in str(e)
    assert res.amount == D("0.4") and res.state == "held"
    # atomic: the month window, which had room, did not grow either
    assert row(mgr, "month").reserved == row(mgr, "day", "user=alice").reserved == D("0.7")
    mgr.extend(res, D("0.5"))  # what fits still fits: 0.2 + 0.3 + 0.5 = 1
    mgr.settle(res, D("0.45"))  # the call stopped: settle what it was billed
    mgr.release(other)
    for window, key in (("month", "global"), ("day", "user=alice")):
        assert (row(mgr, window, key).spent, row(mgr, window, key).reserved) == (D("0.65"), 0)


def test_a_per_request_limit_refuses_the_extension(
    make_backend: Callable[[], Any], clock: FakeClock
) -> None:
    mgr = manager(
        make_backend, clock, Limit(usd=10, window="month"), Limit(usd="0.5", window="request")
    )
    res = mgr.reserve(D("0.4"))
    with pytest.raises(BudgetExceeded) as err:
        mgr.extend(res, D("0.51"))
    assert (err.value.window, err.value.resets_at) == ("request", None)
    assert res.amount == D("0.4") and row(mgr).reserved == D("0.4")
    mgr.settle(res, D("0.4"))
    assert row(mgr).reserved == 0


def test_an_expired_lease_is_taken_again_whole(
    make_backend: Callable[[], Any], clock: FakeClock
) -> None:
    mgr = manager(make_backend, clock, Limit(usd=1, window="month"), lease_s=60)
    res = mgr.reserve(D("0.3"))
    clock.advance(61.0)  # the lease expired: it counts no more
    assert row(mgr).reserved == 0
    mgr.extend(res, D("0.4"))
    assert row(mgr).reserved == D("0.4") and res.expires_at == clock() + 60
    mgr.reserve(D("0.6"))
    with pytest.raises(BudgetExceeded):
        mgr.extend(res, D("0.5"))
    mgr.settle(res, D("0.3"))
    assert (row(mgr).spent, row(mgr).reserved) == (D("0.3"), D("0.6"))


def test_an_extension_within_the_rounded_lease_needs_no_backend(
    make_backend: Callable[[], Any], clock: FakeClock
) -> None:
    mgr = manager(make_backend, clock, Limit(usd=1, window="month"))
    res = mgr.reserve(D("0.0000000371"))  # 37.1 n$: the lease holds 38 n$
    lease = res.lease
    mgr.extend(res, D("0.0000000375"))  # 37.5 n$: still 38 n$, nothing to grow
    assert (res.amount, res.lease) == (D("0.0000000375"), lease)
    mgr.extend(res, D("0.0000000381"))  # 38.1 n$: 39 n$ in every window
    assert (res.amount, res.lease.amount) == (D("0.0000000381"), 39)
    assert row(mgr).reserved == D("0.000000039")
    mgr.settle(res, D("0.0000000375"))
    assert (row(mgr).spent, row(mgr).reserved) == (D("0.000000038"), 0)


def test_extend_renews_the_lease(make_backend: Callable[[], Any], clock: FakeClock) -> None:
    mgr = manager(make_backend, clock, Limit(usd=1, window="month"), lease_s=60)
    res = mgr.reserve(D("0.3"))
    clock.advance(50.0)
    mgr.extend(res, D("0.4"))
    clock.advance(50.0)  # 100 s after the reserve, 50 s after the extension
    assert row(mgr).reserved == D("0.4")
    clock.advance(11.0)
    assert row(mgr).reserved == 0


def test_only_a_held_reservation_grows(make_backend: Callable[[], Any], clock: FakeClock) -> None:
    mgr = manager(make_backend, clock, Limit(usd=1, window="month"))
    res = mgr.reserve(D("0.3"))
    mgr.settle(res, D("0.1"))
    with pytest.raises(InvalidRequestError) as err:
        mgr.extend(res, D("0.5"))
    assert err.value.field == "reservation"
    assert row(mgr).reserved == 0


async def test_aextend(make_backend: Callable[[], Any], clock: FakeClock) -> None:
    mgr = BudgetManager(Budget([Limit(usd=1, window="month")]), make_backend(), clock)
    res = await mgr.areserve(D("0.3"))
    await mgr.aextend(res, D("0.6"))
    assert row(mgr).reserved == D("0.6")
    second = await mgr.areserve(D("0.3"))
    with pytest.raises(BudgetExceeded) as err:
        await mgr.aextend(second, D("0.5"))
    assert err.value.further and err.value.needed_usd == D("0.2")
    await mgr.asettle(res, D("0.55"))
    await mgr.arelease(second)
    assert (row(mgr).spent, row(mgr).reserved) == (D("0.55"), 0)


# ---- concurrency: every call is billed once, then needs twice its reservation ---------------

WORST = D("0.01")
CALLS = 200
LIMIT = WORST * 60


@pytest.fixture
def busy_switching() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(before)


def _retrying_call(mgr: BudgetManager, seen: list[Decimal], lock: threading.Lock) -> str:
    """Reserve one worst case; the first attempt is billed 0.6 of it; extend to cover a
    second attempt (billed and worst case); settle what was billed."""
    try:
        res = mgr.reserve(WORST)
    except BudgetExceeded:
        return "refused"
    billed = WORST * D("0.6")
    try:
        mgr.extend(res, billed + WORST)
    except BudgetExceeded as exc:
        assert exc.further
        mgr.settle(res, billed)
        with lock:
            seen.append(billed)
        return "stopped"
    mgr.settle(res, billed + WORST / 2)
    with lock:
        seen.append(billed + WORST / 2)
    return "ok"


def test_threads_never_overspend_with_extensions(
    make_backend: Callable[[], Any], clock: FakeClock, busy_switching: None
) -> None:
    mgr = manager(make_backend, clock, Limit(usd=LIMIT, window="month"))
    seen: list[Decimal] = []
    lock = threading.Lock()
    outcomes: list[str] = []

    def worker(n: int) -> None:
        for _ in range(n):
            out = _retrying_call(mgr, seen, lock)
            with lock:
                outcomes.append(out)

    threads = [threading.Thread(target=worker, args=(CALLS // 20,)) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    window = row(mgr)
    assert len(outcomes) == CALLS
    assert window.spent == sum(seen, D(0)) <= LIMIT
    assert window.reserved == 0
    assert outcomes.count("ok") > 0 and outcomes.count("refused") > 0


async def test_asyncio_never_overspends_with_extensions(
    make_backend: Callable[[], Any], clock: FakeClock
) -> None:
    mgr = BudgetManager(Budget([Limit(usd=LIMIT, window="month")]), make_backend(), clock)
    settled: list[Decimal] = []

    async def one() -> None:
        try:
            res = await mgr.areserve(WORST)
        except BudgetExceeded:
            return
        await asyncio.sleep(0)
        billed = WORST * D("0.6")
        try:
            await mgr.aextend(res, billed + WORST)
        except BudgetExceeded:
            await mgr.asettle(res, billed)
            settled.append(billed)
            return
        await asyncio.sleep(0)
        await mgr.asettle(res, billed + WORST / 2)
        settled.append(billed + WORST / 2)

    async def worker() -> None:  # 40 at a time (the Redis pool has 64 connections)
        for _ in range(CALLS // 40):
            await one()

    await asyncio.gather(*(worker() for _ in range(40)))
    window = row(mgr)
    assert window.spent == sum(settled, D(0)) <= LIMIT
    assert window.reserved == 0
