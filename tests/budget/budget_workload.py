"""The concurrency workload shared by the thread, asyncio and multi-process budget tests.

Every call reserves its worst case ``WORST``; call ``i`` then fails (released) when
``i % 10 == 9``, costs half its worst case when ``i % 3 == 0``, else all of it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from decimal import Decimal

from costroute.budget import BudgetManager
from costroute.errors import BudgetExceeded

WORST = Decimal("0.01")


def outcome(i: int) -> Decimal | None:
    """What call ``i`` costs (None: it fails and is released)."""
    if i % 10 == 9:
        return None
    return WORST / 2 if i % 3 == 0 else WORST


@dataclass
class Tally:
    admitted: int = 0
    refused: int = 0
    failed: int = 0
    settled: Decimal = Decimal(0)
    bad_errors: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.admitted += other.admitted
        self.refused += other.refused
        self.failed += other.failed
        self.settled += other.settled
        self.bad_errors += other.bad_errors


def one_call(mgr: BudgetManager, i: int, tally: Tally) -> None:
    try:
        res = mgr.reserve(WORST, user=f"u{i % 7}", tags={"feature": "search"})
    except BudgetExceeded as exc:
        tally.refused += 1
        if exc.window != "month" or exc.needed_usd != WORST or exc.resets_at is None:
            tally.bad_errors.append(str(exc))
        return
    tally.admitted += 1
    cost = outcome(i)
    if cost is None:
        tally.failed += 1
        mgr.release(res)
    else:
        mgr.settle(res, cost)
        tally.settled += cost


async def one_acall(mgr: BudgetManager, i: int, tally: Tally) -> None:
    try:
        res = await mgr.areserve(WORST, user=f"u{i % 7}", tags={"feature": "search"})
    except BudgetExceeded as exc:
        tally.refused += 1
        if exc.window != "month" or exc.needed_usd != WORST:
            tally.bad_errors.append(str(exc))
        return
    tally.admitted += 1
    await asyncio.sleep(0)  # the provider call: let the other tasks in
    cost = outcome(i)
    if cost is None:
        tally.failed += 1
        await mgr.arelease(res)
    else:
        await mgr.asettle(res, cost)
        tally.settled += cost
