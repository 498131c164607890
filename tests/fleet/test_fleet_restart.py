"""Redis restarted empty under a Router: budgets come back from the ledger (the on_restore hook).

Each test runs a redis-server of its own (no persistence) on a free port, kills it and starts
it again on the same port, so the new server has a new run_id and no keys. No sleeping: the
server's "Ready to accept connections" line is read from its output, and the store's retry
delay runs on an injected clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import costroute
from costroute.budget import Budget, Limit
from costroute.cli._demo import sim_deployments
from costroute.errors import BackendUnavailable
from costroute.sim import Simulator
from costroute.store import redis_store
from costroute.testing import FakeClock

QUESTION = [{"role": "user", "content": "hi!"}]


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(latency_scale=0) as running:
        yield running


def _router(sim: Simulator, url: str, clock: FakeClock, ledger: str) -> Any:
    return costroute.Router(
        sim_deployments(sim),
        store=redis_store(url, clock=clock, retry_s=5.0, connect_timeout_s=0.5),
        budget=Budget([Limit(usd=10, window="month")]),
        ledger=ledger,
    )


def _spent(router: Any) -> Decimal:
    window = next(w for w in router.budget.status().windows if w.key == "global")
    return Decimal(window.spent)


@pytest.mark.redis
def test_a_restart_seen_as_an_outage_restores_budgets_from_the_ledger(
    own_redis: Any, sim: Simulator, tmp_path: Path
) -> None:
    clock = FakeClock()
    router = _router(sim, own_redis.url, clock, f"sqlite:///{tmp_path}/ledger.sqlite")
    for _ in range(3):
        router.chat(messages=QUESTION)
    before = _spent(router)
    assert before == router.usage.spent(router.usage.records()[0].at) > 0

    own_redis.kill()
    with pytest.raises(BackendUnavailable):  # fails closed while Redis is down
        router.chat(messages=QUESTION)
    own_redis.start()  # a new, empty server on the same port
    clock.advance(5.0)  # the store tries Redis again
    resp = router.chat(messages=QUESTION)

    ledger_spend = router.usage.spent(router.usage.records()[0].at)
    assert ledger_spend == before + resp.costroute.cost_usd
    assert _spent(router) == ledger_spend  # the window was restored, then the new call added


@pytest.mark.redis
def test_a_restart_between_two_calls_restores_budgets_from_the_ledger(
    own_redis: Any, sim: Simulator, tmp_path: Path
) -> None:
    clock = FakeClock()
    router = _router(sim, own_redis.url, clock, f"sqlite:///{tmp_path}/ledger.sqlite")
    for _ in range(3):
        router.chat(messages=QUESTION)
    before = _spent(router)

    own_redis.kill()
    own_redis.start()  # no call in between: nothing failed
    resp = router.chat(messages=QUESTION)

    assert _spent(router) == before + resp.costroute.cost_usd


@pytest.mark.redis
def test_a_settle_lost_mid_stream_comes_back_from_the_ledger(
    own_redis: Any, sim: Simulator, tmp_path: Path
) -> None:
    """Outage then recovery: the budget window equals the ledger's total, although the settle
    of the call in flight when Redis died never reached Redis (nothing is queued or replayed).
    This server keeps its data (append-only file): the window is not empty, only behind."""
    own_redis.persist = True
    own_redis.kill()
    own_redis.start()
    clock = FakeClock()
    router = _router(sim, own_redis.url, clock, f"sqlite:///{tmp_path}/ledger.sqlite")
    router.chat(messages=QUESTION)
    stream = router.chat(messages=QUESTION, stream=True)  # reserved in Redis
    chunks = iter(stream)
    next(chunks)
    own_redis.kill()
    rest = list(chunks)  # the call ends while Redis is away: its settle cannot be sent
    assert rest and stream.costroute.cost_usd > 0
    ledger_spend = router.usage.spent(router.usage.records()[0].at)
    with pytest.raises(BackendUnavailable):
        router.chat(messages=QUESTION)

    own_redis.start()
    clock.advance(5.0)
    assert _spent(router) == ledger_spend  # restored from the ledger when Redis answered
    window = next(w for w in router.budget.status().windows if w.key == "global")
    assert window.reserved > 0  # the stream's lease, until it expires (lease_s, 600 s)
    resp = router.chat(messages=QUESTION)
    assert _spent(router) == ledger_spend + resp.costroute.cost_usd


@pytest.mark.redis
def test_failing_open_calls_flow_and_the_window_equals_the_ledger_after(
    own_redis: Any, sim: Simulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    router = costroute.Router(
        sim_deployments(sim),
        store=redis_store(
            own_redis.url, clock=clock, retry_s=5.0, connect_timeout_s=0.5, on_failure="open"
        ),
        budget=Budget([Limit(usd=10, window="month")]),
        ledger=f"sqlite:///{tmp_path}/ledger.sqlite",
    )
    router.chat(messages=QUESTION)
    own_redis.kill()
    answers = [router.chat(messages=QUESTION) for _ in range(3)]  # served, with a warning
    assert all(a.costroute.cost_usd > 0 for a in answers)
    assert "unreachable" in caplog.text

    own_redis.start()
    clock.advance(5.0)
    ledger_spend = router.usage.spent(router.usage.records()[0].at)
    assert _spent(router) == ledger_spend  # four calls, three of them never seen by Redis
    assert len(router.usage.records()) == 4


@pytest.mark.redis
async def test_achat_the_same_outage_then_the_window_equals_the_ledger(
    own_redis: Any, sim: Simulator, tmp_path: Path
) -> None:
    clock = FakeClock()
    router = _router(sim, own_redis.url, clock, f"sqlite:///{tmp_path}/ledger.sqlite")
    await router.achat(messages=QUESTION)
    stream = await router.achat(messages=QUESTION, stream=True)
    chunks = aiter(stream)
    await anext(chunks)
    own_redis.kill()
    assert [chunk async for chunk in chunks]  # ends while Redis is away: settle not sent
    with pytest.raises(BackendUnavailable):
        await router.achat(messages=QUESTION)

    own_redis.start()
    clock.advance(5.0)
    resp = await router.achat(messages=QUESTION)  # Redis answers: restored, then reserved
    ledger_spend = router.usage.spent(router.usage.records()[0].at)
    assert _spent(router) == ledger_spend and resp.costroute.cost_usd > 0
