"""Ledger benchmark: append latency (synchronous NORMAL and FULL) and monthly report time.

Run ``python benchmarks/ledger.py [--appends 3000] [--calls 100000]``; prints one JSON object.
Targets: append median <= 100 µs, report over 100,000 calls <= 1 s. Every number is measured in
this run, on a temporary file in the system temp folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import sqlite3
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from costroute.ledger import CallRecord, SQLiteLedger
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
    rng = random.Random(1)
    start = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    records = [make_record(i, rng, start, 86400 * 29) for i in range(n)]
    ledger = SQLiteLedger(folder / f"append-{synchronous}.sqlite", synchronous=synchronous)  # type: ignore[arg-type]
    times: list[float] = []
    for record in records:
        t0 = time.perf_counter_ns()
        ledger.append(record)
        times.append((time.perf_counter_ns() - t0) / 1000)
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
            "targets": {"append_median_us": 100, "report_100k_s": 1.0},
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
