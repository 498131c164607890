"""A fleet through the public Router: processes that share one Redis and one PostgreSQL.

Each process is a ``spawn``-ed interpreter (tests/fleet/fleet_workers.py) with its own Router;
the simulator runs here, in the parent, and counts the requests that reach it. Four workers
are started once for the module (each imports litellm once, about 4 s) and reused by every test.

* Fleet budget: 4 processes x 100 concurrent ``achat`` calls against one Redis budget that
  admits about a third; the figures are printed (``pytest -s``) and asserted.
* Response cache: process A answers and stores, process B gets the hit, the simulator sees one
  request.
* Breakers: a breaker tripped by process A is reported open by process B's ``explain()``.
* Ledger: several processes append to one PostgreSQL ledger; every call is there once.

Needs ``COSTROUTE_TEST_REDIS_URL`` (e.g. redis://127.0.0.1:6379/15) and, for the ledger,
``COSTROUTE_TEST_POSTGRES_URL`` (e.g. postgresql://postgres@127.0.0.1:5432/test), through the
``redis_url`` and ``postgres_url`` fixtures of tests/conftest.py: a test skips, with the reason,
when its variable is unset, and fails when it is set and the server does not answer. Keys live
under a fresh prefix per test and the PostgreSQL schema is dropped after the test.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # spawn copies sys.path to the children: they import from here too
    sys.path.insert(0, str(HERE))

from fleet_workers import Worker, decimal_sum  # noqa: E402

import costroute  # noqa: E402
from costroute.budget import Budget, Limit  # noqa: E402
from costroute.cli._demo import sim_deployments  # noqa: E402
from costroute.errors import BudgetExceeded  # noqa: E402
from costroute.sim import Fault, Simulator  # noqa: E402
from costroute.store import redis_store  # noqa: E402

WORKERS = 4
CONCURRENT = 100
ADMITS = 133  # the limit is 133 worst cases: a third of 400 calls
MAX_TOKENS = 64
QUESTION = [{"role": "user", "content": "What is 17 + 25?"}]


# ---- servers and workers ---------------------------------------------------------------------


class Fleet:
    """The simulator (here) and the worker processes (each with its own routers)."""

    def __init__(self, sim: Simulator, workers: list[Worker]) -> None:
        self.sim = sim
        self.workers = workers
        self.bases = {p: sim.api_base(p) for p in ("openai", "anthropic", "deepseek")}

    def requests_to(self, model: str | None = None) -> int:
        """Requests the simulator received so far (to ``model`` only, if given)."""
        return sum(1 for r in self.sim.requests if model is None or r.model == model)


@pytest.fixture(scope="module")
def fleet() -> Iterator[Fleet]:
    ctx = multiprocessing.get_context("spawn")
    with Simulator(latency_scale=0) as sim:
        workers = [Worker(ctx, f"worker-{i}") for i in range(WORKERS)]
        try:
            for worker in workers:
                worker.ready(timeout=90)
            yield Fleet(sim, workers)
        finally:
            for worker in workers:
                worker.ask_to_stop()
            for worker in workers:
                worker.stop()


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    """A fresh key prefix; every key under it is deleted after the test."""
    name = f"costroute-fleet-test:{uuid.uuid4().hex[:12]}:"
    yield name
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{name}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def _worst_case(fleet: Fleet, messages: list[dict[str, str]]) -> Decimal:
    """What the router reserves for one call: read from the refusal of a $0.000001 per-request
    limit (refused before any network call, so nothing reaches the simulator)."""
    tiny = Budget([Limit(usd="0.000001", window="request")])
    router = costroute.Router(sim_deployments(fleet.sim), budget=tiny, ledger=False)
    before = fleet.requests_to()
    with pytest.raises(BudgetExceeded) as refused:
        router.chat(messages=messages, model="deepseek-v4-flash", max_tokens=MAX_TOKENS)
    assert fleet.requests_to() == before
    return Decimal(refused.value.needed_usd)


# ---- the fleet budget --------------------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.slow
def test_four_processes_share_one_budget_through_the_router(
    redis_url: str, fleet: Fleet, prefix: str
) -> None:
    worst = _worst_case(fleet, QUESTION)
    limit = worst * ADMITS
    for worker in fleet.workers:
        worker.send(
            "task_budget_prepare",
            bases=fleet.bases,
            redis_url=redis_url,
            prefix=prefix,
            limit_usd=str(limit),
        )
    for worker in fleet.workers:
        worker.result()
    sent_before = fleet.requests_to()
    began = time.perf_counter()
    for worker in fleet.workers:  # every process starts its 100 calls at once
        worker.send("task_budget_run", calls=CONCURRENT, messages=QUESTION, max_tokens=MAX_TOKENS)
    rows = [worker.result(timeout=60) for worker in fleet.workers]
    seconds = time.perf_counter() - began
    reached = fleet.requests_to() - sent_before

    calls = WORKERS * CONCURRENT
    costs = [c for row in rows for c in row["costs"]]
    refusals = [r for row in rows for r in row["refusals"]]
    others = [o for row in rows for o in row["others"]]
    admitted, refused = len(costs), len(refusals)
    settled = decimal_sum(costs)

    # What the fleet's Redis says, read through a Router over the same prefix.
    observer = costroute.Router(
        sim_deployments(fleet.sim),
        store=redis_store(redis_url, prefix=prefix),
        budget=Budget([Limit(usd=limit, window="month")]),
        ledger=False,
    )
    window = next(w for w in observer.budget.status().windows if w.key == "global")
    client = observer.state.store.redis
    leases = sum(client.zcard(k) for k in client.scan_iter(match=f"{prefix}budget:v2:l:*"))

    print(
        f"\nfleet budget through Router.achat: processes={WORKERS} calls={calls}"
        f" admitted={admitted} refused={refused} other_errors={len(others)}"
        f" worst_case=${worst} limit=${limit} settled=${settled}"
        f" redis_spent=${window.spent} redis_reserved=${window.reserved} leases_left={leases}"
        f" requests_reaching_simulator={reached}"
        f" per_process={[(len(r['costs']), len(r['refusals']), round(r['seconds'], 1)) for r in rows]}"
        f" seconds={seconds:.1f}"
    )
    assert len({row["pid"] for row in rows}) == WORKERS
    assert not others, others[:3]
    assert admitted + refused == calls
    assert refused > 0
    # Refusals start only once the reservations reach the limit: at least ADMITS calls fit.
    assert admitted >= ADMITS
    assert set(refusals) == {("month", "global", str(limit))}
    assert settled <= limit
    assert window.spent == settled  # every admitted call settled its actual cost, exactly
    assert window.reserved == 0 and leases == 0  # nothing left reserved
    assert reached == admitted  # a refused call never reached the provider
    assert seconds < 30


@pytest.mark.redis
@pytest.mark.slow
def test_processes_with_billed_retries_never_pass_the_redis_limit(
    redis_url: str, fleet: Fleet, prefix: str
) -> None:
    """30 streams across the processes; the primary cuts every stream before content (billed
    for the prompt), so each call needs more than its reservation; the limit = 10 of them."""
    from fleet_workers import FixedPolicy

    order, calls, admits = ["gpt-5.4", "deepseek-v4-flash"], [8, 8, 7, 7], 10
    messages = [{"role": "user", "content": "word " * 4000}]
    local = costroute.Router(sim_deployments(fleet.sim), policy=FixedPolicy(order), ledger=False)
    request, plan = local._prepare(messages, {"max_tokens": MAX_TOKENS})
    limit = local.state.worst_case(request, plan) * admits
    model = local.deployments[order[0]].model.partition("/")[2]
    fleet.sim.inject(Fault.cut_stream(after_chunks=1), model=model, times=1000)
    try:
        for worker, n in zip(fleet.workers, calls, strict=True):
            worker.send(
                "task_budget_streams",
                bases=fleet.bases,
                redis_url=redis_url,
                prefix=prefix,
                limit_usd=str(limit),
                order=order,
                calls=n,
                messages=messages,
                max_tokens=MAX_TOKENS,
            )
        rows = [worker.result(timeout=60) for worker in fleet.workers]
    finally:
        fleet.sim.reset()
    observer = costroute.Router(
        sim_deployments(fleet.sim),
        store=redis_store(redis_url, prefix=prefix),
        budget=Budget([Limit(usd=limit, window="month")]),
        ledger=False,
    )
    window = next(w for w in observer.budget.status().windows if w.key == "global")
    client = observer.state.store.redis
    leases = sum(client.zcard(k) for k in client.scan_iter(match=f"{prefix}budget:v2:l:*"))
    answered = [c for row in rows for c in row["answered"]]
    stopped = [c for row in rows for c in row["stopped"]]
    refused = [r for row in rows for r in row["refused"]]
    others = [o for row in rows for o in row["others"]]
    settled = decimal_sum(answered + stopped)
    print(
        f"\nbilled retries across processes: processes={WORKERS} calls={sum(calls)}"
        f" answered={len(answered)} stopped={len(stopped)} refused={len(refused)}"
        f" limit=${limit} settled=${settled} ({settled / limit:.0%})"
        f" redis_spent=${window.spent} redis_reserved=${window.reserved} leases_left={leases}"
    )
    assert len({row["pid"] for row in rows}) == WORKERS
    assert not others, others[:3]
    assert len(answered) + len(stopped) + len(refused) == sum(calls)
    assert window.spent == settled <= limit  # every billed attempt settled; the limit holds
    assert window.reserved == 0 and leases == 0
    assert set(refused) <= {"month"} and len(answered) + len(stopped) > 0


# ---- the response cache ------------------------------------------------------------------------


@pytest.mark.redis
def test_an_answer_stored_by_one_process_is_a_hit_in_another(redis_url: str, fleet: Fleet) -> None:
    from costroute._request import build_request
    from costroute.cache import cache_key

    a, b = fleet.workers[0], fleet.workers[1]
    messages = [{"role": "user", "content": f"Name one prime number. ({uuid.uuid4().hex})"}]
    # Router(cache="redis://...") keeps entries under "costroute:" + the request's key.
    key = "costroute:" + cache_key(build_request(messages, {"temperature": 0}), None, "balanced")
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        before = fleet.requests_to()
        first = a.call("task_cached_chat", bases=fleet.bases, cache=redis_url, messages=messages)
        assert fleet.requests_to() == before + 1
        assert client.exists(key) == 1 and 0 < client.pttl(key) <= 3_600_000
        second = b.call("task_cached_chat", bases=fleet.bases, cache=redis_url, messages=messages)
        assert fleet.requests_to() == before + 1  # B's answer came from Redis, not the simulator
    finally:
        client.delete(key)
        client.close()
    assert first["pid"] != second["pid"]
    assert (first["cached"], second["cached"]) == (False, True)
    assert second["content"] == first["content"] and second["deployment"] == first["deployment"]
    assert first["attempts"] == 1 and second["attempts"] == 0
    assert Decimal(first["cost"]) > 0 and Decimal(second["cost"]) == 0
    assert Decimal(second["saved"]) > 0


# ---- breakers --------------------------------------------------------------------------------


@pytest.mark.redis
def test_a_breaker_opened_by_one_process_is_seen_by_another(
    redis_url: str, fleet: Fleet, prefix: str
) -> None:
    a, b = fleet.workers[2], fleet.workers[3]
    failures = 3
    messages = [{"role": "user", "content": "hi!"}]
    # The deployment this request goes to when every breaker is closed.
    plain = costroute.Router(sim_deployments(fleet.sim), ledger=False)
    target = plain.explain(messages=messages).primary.deployment
    model = plain.deployments[target].model.partition("/")[2]
    fleet.sim.inject(Fault.status(503), model=model, times=failures + 20)  # persistent
    try:
        before = fleet.requests_to(model)
        tripped = a.call(
            "task_trip_breaker",
            bases=fleet.bases,
            redis_url=redis_url,
            prefix=prefix,
            deployment=target,
            failures=failures,
        )
        assert fleet.requests_to(model) == before + failures
        seen = b.call(
            "task_explain", bases=fleet.bases, redis_url=redis_url, prefix=prefix, messages=messages
        )
        assert fleet.requests_to(model) == before + failures  # B sent nothing to the open one
    finally:
        fleet.sim.reset()  # drop the faults left
    assert tripped["pid"] != seen["pid"]
    assert len(tripped["errors"]) == failures and tripped["state"] == "open"
    assert [target, "circuit breaker open"] in seen["rejected"]
    assert f"skipped {target}: circuit breaker open" in seen["reasons"]
    assert target not in seen["choices"] and seen["answered_by"] != target


# ---- the PostgreSQL ledger ---------------------------------------------------------------------


@pytest.mark.postgres
def test_processes_append_to_one_postgres_ledger(postgres_url: str, fleet: Fleet) -> None:
    import psycopg

    from costroute.ledger import open_ledger

    schema = f"fleet_{uuid.uuid4().hex[:12]}"
    url = f"{postgres_url}{'&' if '?' in postgres_url else '?'}schema={schema}"
    per_worker = 15
    try:
        for worker in fleet.workers:  # the schema does not exist yet: the processes race for it
            worker.send(
                "task_ledger_calls",
                bases=fleet.bases,
                ledger=url,
                calls=per_worker,
                tag=worker.name,
            )
        ids = {w.name: w.result(timeout=60) for w in fleet.workers}
        ledger = open_ledger(url)
        try:
            records = ledger.records()
            spent = ledger.spent(min(r.at for r in records))
        finally:
            ledger.close()
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    sent = [rid for name in ids for rid in ids[name]]
    stored = [r.request_id for r in records]
    assert len(sent) == len(set(sent)) == WORKERS * per_worker
    assert sorted(stored) == sorted(sent)  # every call once, none lost, none twice
    for name, rids in ids.items():
        assert {r.request_id for r in records if r.tags.get("worker") == name} == set(rids)
    assert all(r.status == "ok" and r.cost_usd > 0 for r in records)
    assert spent == sum((r.cost_usd for r in records), Decimal(0))
