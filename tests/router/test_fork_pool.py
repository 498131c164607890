"""A Router built before the fork serves a ``multiprocessing`` pool (the celery prefork and
gunicorn ``--preload`` shape): Redis store with a budget, one PostgreSQL ledger, sync and async
calls over the real HTTP path to the local simulator, in every worker."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

import costroute
from costroute.budget import Budget, Limit
from costroute.cli._demo import sim_deployments
from costroute.sim import Simulator
from costroute.store import redis_store

QUESTION = [{"role": "user", "content": "What is 2 + 2?"}]
WORKERS, TASKS = 3, 24

_ROUTER: Any = None  # the parent's Router, inherited by the forked workers


def _task(n: int) -> tuple[int, str, str]:
    """One call in a worker: odd tasks through ``achat`` on a new loop, even through ``chat``."""
    if n % 2:
        resp = asyncio.run(_ROUTER.achat(messages=QUESTION))
    else:
        resp = _ROUTER.chat(messages=QUESTION)
    return os.getpid(), resp.costroute.request_id, str(resp.costroute.cost_usd)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(latency_scale=0) as running:
        yield running


@pytest.mark.redis
@pytest.mark.postgres
def test_a_fork_pool_shares_one_router_budget_and_postgres_ledger(
    sim: Simulator, redis_url: str, redis_prefix: tuple[Any, str], postgres_url: str
) -> None:
    from costroute.ledger import PostgresLedger

    global _ROUTER
    _, prefix = redis_prefix
    ledger = PostgresLedger(postgres_url, schema=f"forkpool_{uuid.uuid4().hex[:12]}")
    router = costroute.Router(
        sim_deployments(sim),
        store=redis_store(redis_url, prefix=prefix),
        budget=Budget([Limit(usd=100, window="month")]),
        ledger=ledger,
    )
    try:
        router.chat(messages=QUESTION)  # the parent uses every connection before the fork
        _ROUTER = router
        with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
            results = pool.map(_task, range(TASKS), chunksize=1)
        _ROUTER = None
        router.chat(messages=QUESTION)  # and the parent's own connections still work

        assert len({pid for pid, _, _ in results}) > 1  # the work really spread over workers
        ids = [r.request_id for r in ledger.records()]
        assert len(ids) == len(set(ids)) == TASKS + 2
        assert {rid for _, rid, _ in results} <= set(ids)
        window = next(w for w in router.budget.status().windows if w.key == "global")
        assert window.reserved == 0  # nothing left reserved by any worker
        spent = sum((r.cost_usd for r in ledger.records()), Decimal(0))
        assert window.spent == spent > 0  # the shared window counted every call once
    finally:
        _ROUTER = None
        ledger.drop_schema()
        ledger.close()
