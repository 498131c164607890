"""Ledger benchmark: append latency, monthly report time, and the ledger's share of a call.

Run ``python benchmarks/ledger.py [--appends 3000] [--calls 100000] [--pairs 300]
[--postgres URL]``; prints one JSON object. Every number is measured in this run, on temporary
files in the system temp folder (and a throw-away schema in PostgreSQL).

Targets: SQLite append median <= 100 µs; report over 100,000 calls <= 1 s; the ledger append
adds <= 5% to a call. That last one times ``Router.chat`` against the local simulator
(``Simulator(latency_scale=0)``, so the call is costroute + litellm + loopback HTTP only, the
worst case for the ratio) without a ledger and with the default SQLite ledger (a commit per
append), interleaved call by call, and compares
the medians (``--pairs`` rounds; with 300 the medians move by about 1% from run to run on a
2-core VM, so the default is 1000). The PostgreSQL append median is measured when
``--postgres`` (or ``$COSTROUTE_TEST_POSTGRES_URL``) names a server.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import _offline  # noqa: F401  (litellm offline: before anything imports it)

from costroute.ledger import CallRecord, Ledger, PostgresLedger, SQLiteLedger
from costroute.types import Attempt, Usage

_MODELS = (
    ("deepseek-v4-flash", "deepseek/deepseek-v4-flash", "deepseek", "0.0000003", "0.0000012"),
    ("claude-haiku-4-5", "anthropic/claude-haiku-4-5", "anthropic", "0.000001", "0.000005"),
    ("gpt-5.4-mini", "openai/gpt-5.4-mini", "openai", "0.00000025", "0.000002"),
    ("claude-sonnet-5-5", "anthropic/claude-sonnet-5-5", "anthropic", "0.000003", "0.000015"),
)


def make_record(i: int, rng: random.Random, start: dt.datetime, span_s: float) -> CallRecord:
    """A realistic record: one attempt, usage, exact costs, a baseline on the premium model."""
    dep, model, provider, p_in, p_out = _MODELS[i % len(_MODELS)]
    usage = Usage(input_tokens=rng.randint(50, 4000), output_tokens=rng.randint(10, 1500))
    cost = usage.input_tokens * Decimal(p_in) + usage.output_tokens * Decimal(p_out)
    base = usage.input_tokens * Decimal("0.000003") + usage.output_tokens * Decimal("0.000015")
    latency = rng.lognormvariate(6.5, 0.6)
    attempt = Attempt(dep, model, provider, "ok", latency, usage, cost)
    return CallRecord(
        request_id=f"req-{i:08d}",
        at=start + dt.timedelta(seconds=rng.random() * span_s),
        deployment=dep,
        model=model,
        provider=provider,
        policy="balanced",
        difficulty=rng.random(),
        usage=usage,
        cost_usd=cost,
        baseline_model="anthropic/claude-sonnet-5-5",
        baseline_cost_usd=base,
        latency_ms=latency,
        cached=rng.random() < 0.05,
        user=f"user-{i % 50}",
        tenant=f"tenant-{i % 7}",
        tags={"feature": ("search", "chat", "summary")[i % 3]},
        prompt_hash=f"{i:064x}",
        attempts=(attempt,),
    )


def bench_append(folder: Path, synchronous: str, n: int) -> dict[str, float]:
    """Median and p95 of ``append`` in µs on a fresh file."""
    ledger = SQLiteLedger(
        folder / f"append-{synchronous}.sqlite",
        synchronous=synchronous,  # type: ignore[arg-type]
    )
    return time_appends(ledger, n)


def bench_pg_append(url: str, n: int) -> dict[str, Any]:
    """Median and p95 of ``append`` in µs into a new PostgreSQL schema (dropped after)."""
    ledger = PostgresLedger(url, schema=f"costroute_bench_{uuid.uuid4().hex[:8]}")
    try:
        ledger.append(make_record(-1, random.Random(0), dt.datetime(2026, 11, 1, tzinfo=dt.UTC), 1))
        return time_appends(ledger, n, close=False)
    finally:
        ledger.drop_schema()


_SIM_CHILD = """
import json, sys
from costroute.sim import Simulator
sim = Simulator(latency_scale=0, seed=3).start()
print(json.dumps({p: sim.api_base(p) for p in ("openai", "anthropic", "deepseek")}), flush=True)
sys.stdin.read()  # serve until the parent closes our stdin
"""


def _share(deps: list[Any], folder: Path, pairs: int, phase: str) -> dict[str, Any]:
    from costroute.router import Router

    appends: dict[str, list[float]] = {"sqlite": []}
    ledgers = {"sqlite": SQLiteLedger(folder / f"calls-{phase}.sqlite")}
    for name, ledger in ledgers.items():

        def timed(
            record: CallRecord, append: Any = ledger.append, out: Any = appends[name]
        ) -> None:
            t0 = time.perf_counter_ns()
            append(record)
            out.append((time.perf_counter_ns() - t0) / 1000)

        ledger.append = timed  # type: ignore[method-assign]
    routers = {"none": Router(deps, ledger=False)}
    routers |= {name: Router(deps, ledger=ledger) for name, ledger in ledgers.items()}
    times: dict[str, list[float]] = {name: [] for name in routers}
    names = list(routers)
    for i in range(-20, pairs):  # 20 warm-up rounds (the first imports litellm)
        turn = i % len(names)
        for name in names[turn:] + names[:turn]:  # each router first in turn
            messages = [{"role": "user", "content": f"What is {i} + 17? ({name} {phase})"}]
            t0 = time.perf_counter_ns()
            routers[name].chat(messages=messages)
            if i >= 0:
                times[name].append((time.perf_counter_ns() - t0) / 1e6)
    for ledger in ledgers.values():
        assert len(ledger.records()) == pairs + 20
        ledger.close()
    off = statistics.median(times["none"])
    out: dict[str, Any] = {"call_median_ms_no_ledger": round(off, 3)}
    for name in ledgers:
        on = statistics.median(times[name])
        out[name] = {
            "call_median_ms": round(on, 3),
            "ledger_share_pct": round((on - off) / off * 100, 2),
            "append_in_call_median_us": round(statistics.median(appends[name][20:]), 1),
        }
    return out


def bench_call_share(folder: Path, pairs: int) -> dict[str, Any]:
    """``Router.chat`` against the simulator without and with SQLite ledgers, interleaved.

    Twice: with the simulator in another process (as a provider is: remote), then in this
    process (its handler threads then compete with the router for the GIL exactly while the
    ledger's write releases it, which inflates the append). ``append_in_call_median_us`` is the
    append itself, timed inside the calls.
    """
    import subprocess
    import sys

    from pydantic import SecretStr

    from costroute.catalog import default_deployments
    from costroute.cli._demo import sim_deployments
    from costroute.sim import Simulator

    os.environ.pop("COSTROUTE_LEDGER_URL", None)
    out: dict[str, Any] = {"pairs": pairs, "target_share_pct": 5.0}
    child = subprocess.Popen(
        [sys.executable, "-c", _SIM_CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        bases = json.loads(child.stdout.readline())
        key = SecretStr("sk-sim-not-a-real-key")
        remote = [
            d.model_copy(update={"api_base": bases[d.provider], "api_key": key})
            for d in default_deployments()
        ]
        out["simulator_in_another_process"] = _share(remote, folder, pairs, "remote")
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)
    with Simulator(latency_scale=0, seed=3) as sim:
        out["simulator_in_this_process"] = _share(sim_deployments(sim), folder, pairs, "local")
    return out


def time_appends(ledger: Ledger, n: int, *, close: bool = True) -> dict[str, float]:
    """Median and p95 in µs of ``n`` appends of realistic records."""
    rng = random.Random(1)
    start = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    records = [make_record(i, rng, start, 86400 * 29) for i in range(n)]
    times: list[float] = []
    for record in records:
        t0 = time.perf_counter_ns()
        ledger.append(record)
        times.append((time.perf_counter_ns() - t0) / 1000)
    if close:
        ledger.close()
    times.sort()
    return {
        "median_us": round(statistics.median(times), 1),
        "p95_us": round(times[int(0.95 * len(times)) - 1], 1),
        "appends": n,
    }


def bench_report(folder: Path, calls: int, *, chronological: bool) -> dict[str, Any]:
    """Seconds for a monthly report over ``calls`` records (best of 3), per grouping.

    ``chronological`` appends in time order, as a live router does; otherwise in random time
    order (an import of old records), which makes SQLite read the table in index order.
    """
    rng = random.Random(2)
    start = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    # The months around it hold a tenth as many calls each, so the index has work to do.
    around = [start - dt.timedelta(days=30), start + dt.timedelta(days=30)]
    records = [make_record(i, rng, start, 86400 * 29.9) for i in range(calls)]
    records += [make_record(calls + i, rng, around[i % 2], 86400 * 29) for i in range(calls // 10)]
    if chronological:
        records.sort(key=lambda r: r.at)
    ledger = SQLiteLedger(folder / f"report-{chronological}.sqlite")
    t0 = time.perf_counter()
    for lo in range(0, len(records), 5000):
        ledger.append_many(records[lo : lo + 5000])
    fill_s = time.perf_counter() - t0
    out: dict[str, Any] = {
        "calls_in_month": calls,
        "rows": len(records),
        "fill_s": round(fill_s, 2),
    }
    for group in (None, "model", "tag:feature", "day"):
        best = float("inf")
        for _ in range(3):
            t1 = time.perf_counter()
            report = ledger.report("2026-11", group_by=group)
            best = min(best, time.perf_counter() - t1)
        assert report.calls == calls
        out[f"report_s[{group or 'total'}]"] = round(best, 4)
    ledger.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--appends", type=int, default=3000)
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=1000, help="interleaved call rounds")
    parser.add_argument("--postgres", default=os.environ.get("COSTROUTE_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="costroute-bench-") as tmp:
        folder = Path(tmp)
        result = {
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "append_normal": bench_append(folder, "normal", args.appends),
            "append_full": bench_append(folder, "full", args.appends),
            "report_chronological": bench_report(folder, args.calls, chronological=True),
            "report_random_order": bench_report(folder, args.calls, chronological=False),
            "append_postgres": bench_pg_append(args.postgres, args.appends)
            if args.postgres
            else "skipped: no --postgres URL",
            "call_with_ledger": bench_call_share(folder, args.pairs),
            "targets": {"append_median_us": 100, "report_100k_s": 1.0, "ledger_share_pct": 5},
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
