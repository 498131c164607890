"""Redis round trips per routed call, and the per-call overhead of the Redis store against the
in-process store, measured in the same run against the local simulator.

Run: python benchmarks/fleet.py [--url redis://127.0.0.1:6379/15] [--calls 300]
Prints JSON. Round trips are counted at redis-py's connection (one send = one round trip).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from typing import Any

import _offline  # noqa: F401  (litellm offline: before anything imports it)
import redis

from costroute.budget import Budget, Limit
from costroute.cli._demo import sim_deployments
from costroute.router import Router
from costroute.sim import Simulator
from costroute.store import redis_store

MESSAGES = [{"role": "user", "content": "What is the capital of Australia?"}]


class Counter:
    """Counts every command sent by any redis-py connection in this process."""

    def __init__(self) -> None:
        self.count = 0
        original = redis.Connection.send_packed_command
        counter = self

        def counting(conn: Any, command: Any, check_health: bool = True) -> None:
            counter.count += 1
            original(conn, command, check_health)

        redis.Connection.send_packed_command = counting  # type: ignore[method-assign]


def timed(router: Router, calls: int) -> list[float]:
    out = []
    for _ in range(calls):
        t = time.perf_counter()
        router.chat(messages=MESSAGES)
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    prefix = f"bench-{uuid.uuid4().hex[:8]}:"
    budget = Budget([Limit(usd=1000, window="month"), Limit(usd=100, window="day", scope="user")])
    counter = Counter()
    with Simulator(latency_scale=0) as sim:
        deps = sim_deployments(sim)
        local = Router(deps, budget=budget, ledger=False)
        shared = Router(
            deps, budget=budget, ledger=False, store=redis_store(args.url, prefix=prefix)
        )
        timed(local, 30)
        timed(shared, 30)
        counter.count = 0
        calls_with_budget = timed(shared, args.calls)
        per_call = counter.count / args.calls
        plain = Router(deps, ledger=False, store=redis_store(args.url, prefix=prefix + "nb:"))
        timed(plain, 30)
        counter.count = 0
        timed(plain, args.calls)
        per_call_no_budget = counter.count / args.calls
        local_times, shared_times = [], []
        for _ in range(args.calls):  # interleaved, so drift affects both alike
            local_times += timed(local, 1)
            shared_times += timed(shared, 1)
    client = redis.Redis.from_url(args.url)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    local_us = statistics.median(local_times) * 1e6
    shared_us = statistics.median(shared_times) * 1e6
    print(
        json.dumps(
            {
                "calls": args.calls,
                "redis_round_trips_per_call_with_budget": round(per_call, 3),
                "redis_round_trips_per_call_without_budget": round(per_call_no_budget, 3),
                "in_process_store_median_us": round(local_us, 1),
                "redis_store_median_us": round(shared_us, 1),
                "redis_overhead_per_call_us": round(shared_us - local_us, 1),
                "median_without_redis_s": round(statistics.median(calls_with_budget), 6),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
