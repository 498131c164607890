"""A fleet on one Redis budget: 4 processes x 100 concurrent calls, the budget admits a third.

Settled spend <= limit, every other call refused with BudgetExceeded, no reservation left.
Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from decimal import Decimal
from typing import Any

import pytest

from costroute.budget import Budget, BudgetManager, Limit, RedisBudgetBackend

PROCESSES, CONCURRENT = 4, 100
WORST = Decimal("0.01")
LIMIT = WORST * 133  # a third of 400 calls that each cost their worst case
START_TS = 1_795_593_600.0  # 2026-11-25 08:00 UTC


def _limits() -> Budget:
    return Budget([Limit(usd=LIMIT, window="month"), Limit(usd=1, window="day", scope="user")])


def _process(url: str, prefix: str, worker: int, ready: Any, go: Any, results: Any) -> None:
    """Child: 100 concurrent calls (asyncio tasks) through its own client and manager."""
    import redis

    from costroute.errors import BudgetExceeded

    async def main() -> tuple[int, int, str, list[str]]:
        client = redis.Redis.from_url(url)
        mgr = BudgetManager(_limits(), RedisBudgetBackend(client, prefix), clock=lambda: START_TS)
        client.ping()
        admitted = refused = 0
        settled = Decimal(0)
        bad: list[str] = []

        async def call(i: int) -> None:
            nonlocal admitted, refused, settled
            try:
                res = await mgr.areserve(WORST, user=f"w{worker}-{i % 10}")
            except BudgetExceeded as exc:
                refused += 1
                if (exc.window, exc.scope, exc.limit_usd) != ("month", "global", LIMIT):
                    bad.append(str(exc))
                return
            admitted += 1
            await asyncio.sleep(0)
            await mgr.asettle(res, WORST)
            settled += WORST

        ready.put(worker)
        go.wait(30)
        await asyncio.gather(*(call(i) for i in range(CONCURRENT)))
        client.close()
        return admitted, refused, str(settled), bad

    results.put((worker, *asyncio.run(main())))


@pytest.mark.redis
def test_four_processes_share_one_budget(redis_prefix: tuple[str, str]) -> None:
    url, prefix = redis_prefix
    began = time.monotonic()
    ctx = multiprocessing.get_context("spawn")
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [
        ctx.Process(target=_process, args=(url, prefix, w, ready, go, results))
        for w in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=25)
    go.set()  # every process starts its 100 calls at once
    rows = [results.get(timeout=25) for _ in procs]
    for p in procs:
        p.join(timeout=10)
    assert [p.exitcode for p in procs] == [0] * PROCESSES
    admitted = sum(r[1] for r in rows)
    refused = sum(r[2] for r in rows)
    settled = sum((Decimal(r[3]) for r in rows), Decimal(0))
    bad = [b for r in rows for b in r[4]]

    import redis

    client = redis.Redis.from_url(url)
    mgr = BudgetManager(_limits(), RedisBudgetBackend(client, prefix), clock=lambda: START_TS)
    status = mgr.status()
    recorded = next(w.spent for w in status.windows if w.key == "global")
    leftover = sum((w.reserved for w in status.windows), Decimal(0))
    leases = sum(client.zcard(k) for k in client.scan_iter(match=f"{prefix}budget:v2:l:*"))
    client.close()
    print(
        f"\nfleet: processes={PROCESSES} calls={PROCESSES * CONCURRENT} admitted={admitted}"
        f" refused={refused} limit=${LIMIT} settled=${settled} recorded=${recorded}"
        f" leftover_reserved=${leftover} lease_entries={leases}"
        f" per_process={[(r[0], r[1], r[2]) for r in sorted(rows)]}"
        f" seconds={time.monotonic() - began:.1f}"
    )
    assert admitted + refused == PROCESSES * CONCURRENT
    assert not bad, bad[:3]
    assert settled <= LIMIT
    assert admitted == 133  # each admitted call settles its worst case: exactly a third
    assert recorded == settled
    assert leftover == 0 and leases == 0
    assert time.monotonic() - began < 30
