"""Budget benchmark: check + reserve + settle per call, in process and over Redis.

Run ``python benchmarks/budget.py [--calls 20000] [--redis-calls 2000] [--redis URL]``; prints
one JSON object. Target: in-process reserve+settle median <= 20 µs. Redis round trips are
counted on the connection (one per packet sent: a pipeline is one), not assumed.

Redis URL: ``--redis``, else COSTROUTE_TEST_REDIS_URL, else redis://127.0.0.1:6379/15; the
Redis part is skipped (with the reason) when it is unreachable. Keys go under a random prefix
and are deleted at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
import uuid
from decimal import Decimal
from typing import Any

from costroute.budget import Budget, BudgetManager, Limit, MemoryBudgetBackend, RedisBudgetBackend

LIMITS = Budget(
    [
        Limit(usd=1_000_000, window="month"),
        Limit(usd=100_000, window="day", scope="user"),
        Limit(usd="0.50", window="request"),
        Limit(usd=200_000, window="month", scope="tag:feature=search"),
        Limit(usd=500_000, window="month", scope="tenant", soft=0.8),
    ]
)
WORST, ACTUAL = Decimal("0.0123"), Decimal("0.004217")
WHO: dict[str, Any] = {"user": "alice", "tenant": "acme", "tags": {"feature": "search"}}


def _summary(samples_ns: list[int]) -> dict[str, float]:
    ordered = sorted(samples_ns)
    return {
        "median_us": round(statistics.median(ordered) / 1000, 2),
        "p99_us": round(ordered[int(len(ordered) * 0.99)] / 1000, 2),
        "mean_us": round(statistics.fmean(ordered) / 1000, 2),
    }


def bench_memory(calls: int, budget: Budget) -> dict[str, float]:
    mgr = BudgetManager(budget, MemoryBudgetBackend())
    clock = time.perf_counter_ns
    samples: list[int] = []
    for i in range(calls + 1000):
        t0 = clock()
        mgr.settle(mgr.reserve(WORST, **WHO), ACTUAL)
        if i >= 1000:  # warm-up
            samples.append(clock() - t0)
    return _summary(samples)


def bench_pressure(calls: int) -> dict[str, float]:
    mgr = BudgetManager(LIMITS, MemoryBudgetBackend())
    samples: list[int] = []
    for _ in range(calls):
        t0 = time.perf_counter_ns()
        mgr.pressure(**WHO)
        samples.append(time.perf_counter_ns() - t0)
    return _summary(samples)


def bench_redis(url: str, calls: int) -> dict[str, Any]:
    import redis

    sent = [0]

    class CountingConnection(redis.Connection):
        def send_packed_command(self, command: Any, check_health: bool = True) -> None:
            sent[0] += 1
            super().send_packed_command(command, check_health)  # type: ignore[no-untyped-call]

    pool = redis.ConnectionPool.from_url(url, connection_class=CountingConnection)
    client = redis.Redis(connection_pool=pool)
    client.ping()
    prefix = f"costroute-bench:{uuid.uuid4().hex}:"
    mgr = BudgetManager(LIMITS, RedisBudgetBackend(client, prefix))
    try:
        for _ in range(50):  # warm-up, loads the scripts
            mgr.settle(mgr.reserve(WORST, **WHO), ACTUAL)
        sent[0], samples = 0, []
        for _ in range(calls):
            t0 = time.perf_counter_ns()
            mgr.settle(mgr.reserve(WORST, **WHO), ACTUAL)
            samples.append(time.perf_counter_ns() - t0)
        plain = {**_summary(samples), "round_trips_per_call": sent[0] / calls}

        # A routed call: pressure (served from the last reserve's figures), reserve, then the
        # settle queued on one pipeline with the latency stats (here: an HINCRBY stand-in).
        sent[0], samples = 0, []
        for _ in range(calls):
            t0 = time.perf_counter_ns()
            mgr.pressure(**WHO)
            res = mgr.reserve(WORST, **WHO)
            pipe = client.pipeline(transaction=False)
            mgr.settle(res, ACTUAL, pipeline=pipe)
            pipe.hincrby(f"{prefix}stats:demo", "calls", 1)
            pipe.execute()
            samples.append(time.perf_counter_ns() - t0)
        routed = {**_summary(samples), "round_trips_per_call": sent[0] / calls}
        return {"reserve_settle": plain, "routed_call_pressure_reserve_settle_stats": routed}
    finally:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--redis-calls", type=int, default=2_000)
    parser.add_argument("--redis", default=None)
    args = parser.parse_args()
    url = args.redis or os.environ.get("COSTROUTE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    out: dict[str, Any] = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "limits": len(LIMITS.limits),
        "in_process": {
            "reserve_settle_5_limits": bench_memory(args.calls, LIMITS),
            "reserve_settle_1_limit": bench_memory(
                args.calls, Budget([Limit(usd=1_000_000, window="month")])
            ),
            "pressure_5_limits": bench_pressure(args.calls),
            "target_median_us": 20,
        },
    }
    try:
        out["redis"] = {"url": url, **bench_redis(url, args.redis_calls)}
    except Exception as exc:  # report why the Redis part did not run
        out["redis"] = {"url": url, "skipped": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
