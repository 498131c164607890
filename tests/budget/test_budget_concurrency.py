"""50 threads x 20 calls (and 50 tasks x 20 calls) against a budget that admits about half.

Settled spend never exceeds the limit, every other call gets BudgetExceeded, and no
reservation is left at the end. Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from budget_workload import WORST, Tally, one_acall, one_call

from costroute.budget import Budget, BudgetManager, Limit
from costroute.testing import FakeClock

WORKERS, CALLS = 50, 20
LIMIT = WORST * 380  # admits about half of 1,000 calls (failures and cheap calls give room back)
LIMITS = (
    Limit(usd=LIMIT, window="month", soft=0.5),
    Limit(usd=LIMIT, window="day", scope="tag:feature=search"),  # the same spend, another window
    Limit(usd=1000, window="day", scope="user"),
)


@pytest.fixture(autouse=True)
def busy_switching() -> Iterator[None]:
    """Switch threads every 10 µs so that reserve calls interleave as much as they can."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(before)


def check(mgr: BudgetManager, tally: Tally, label: str) -> None:
    status = mgr.status()
    spent = {(w.window, w.key): w.spent for w in status.windows}
    leftover = sum((w.reserved for w in status.windows), Decimal(0))
    print(
        f"\n{label}: calls={WORKERS * CALLS} admitted={tally.admitted} refused={tally.refused}"
        f" failed+released={tally.failed} limit=${LIMIT} settled=${tally.settled}"
        f" recorded=${spent[('month', 'global')]} leftover_reserved=${leftover}"
    )
    assert tally.admitted + tally.refused == WORKERS * CALLS
    assert not tally.bad_errors, tally.bad_errors[:3]
    assert tally.settled <= LIMIT
    assert spent[("month", "global")] == tally.settled  # exact: nothing lost, nothing doubled
    assert spent[("day", "tag:feature=search")] == tally.settled
    assert leftover == 0
    assert 400 <= tally.admitted <= 600  # about half
    assert LIMIT - tally.settled < 2 * WORST * WORKERS  # and the budget was used, not wasted


def test_threads(make_backend: Callable[[], Any], clock: FakeClock) -> None:
    mgr = BudgetManager(Budget(LIMITS), make_backend(), clock)
    tallies = [Tally() for _ in range(WORKERS)]
    start = threading.Barrier(WORKERS)

    def worker(w: int) -> None:
        start.wait()
        for j in range(CALLS):
            one_call(mgr, w * CALLS + j, tallies[w])

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    total = Tally()
    for t_ in tallies:
        total.add(t_)
    check(mgr, total, f"threads/{type(mgr.backend).__name__}")


async def test_asyncio(make_backend: Callable[[], Any], clock: FakeClock) -> None:
    mgr = BudgetManager(Budget(LIMITS), make_backend(), clock)
    tallies = [Tally() for _ in range(WORKERS)]

    async def worker(w: int) -> None:
        for j in range(CALLS):
            await one_acall(mgr, w * CALLS + j, tallies[w])

    await asyncio.gather(*(worker(w) for w in range(WORKERS)))
    total = Tally()
    for t_ in tallies:
        total.add(t_)
    check(mgr, total, f"asyncio/{type(mgr.backend).__name__}")
