"""Many concurrent ``achat`` calls over a Redis store with a budget: do any fail?

For each size (150, 1,000 and 3,000 by default) a fresh Router over a Redis store (its own key
prefix) and a month budget sends that many concurrent ``achat`` calls to the local simulator,
then 20 calls one after another with nothing else in flight. Prints, per size: calls that
succeeded and failed (with the error types), wall time, the 20 calls after, and what is left
reserved in the budget (0 when every reservation was settled or released).

Run: python benchmarks/redis_concurrency.py [--url redis://127.0.0.1:6379/15]
     [--sizes 150,1000,3000] [--max-connections N] [--pool-timeout S] [--latency-scale X]

``--max-connections`` and ``--pool-timeout`` are passed to ``redis_store`` only when given, so
the script also runs on versions of costroute without those options (their redis-py defaults).
Prints JSON, one object per size.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import time
import uuid
from decimal import Decimal
from typing import Any

import _offline  # noqa: F401  (litellm offline: before anything imports it)
import redis

from costroute.budget import Budget, BudgetManager, Limit
from costroute.cli._demo import sim_deployments
from costroute.router import Router
from costroute.sim import Simulator
from costroute.store import redis_store

MESSAGES = [{"role": "user", "content": "What is the capital of Australia?"}]
AFTER = 20


async def _call(router: Router, latencies: list[float] | None = None) -> str | None:
    """None on success, else the error's type and first words."""
    started = time.perf_counter()
    try:
        await router.achat(messages=MESSAGES, max_tokens=32)
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc)[:90]}"
    finally:
        if latencies is not None:
            latencies.append(time.perf_counter() - started)
    return None


def _timed_reserves(router: Router, waits: list[float]) -> None:
    """Record how long each budget reservation takes (its wait for a Redis connection
    included), by wrapping the router's budget manager: ``achat`` reserves with the blocking
    ``reserve``, in a worker thread (before that, it awaited ``areserve``, wrapped here then)."""
    manager = router.state.budget
    reserve = manager.reserve

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return reserve(*args, **kwargs)
        finally:
            waits.append(time.perf_counter() - started)

    manager.reserve = timed  # type: ignore[method-assign]


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3) if ordered else 0.0


def _reserved_in_redis(url: str, prefix: str, budget: Budget) -> Decimal:
    """What Redis holds as reserved, read through a fresh store (the router's own may believe
    Redis down and answer from its in-process fallback)."""
    manager = BudgetManager(budget, backend=redis_store(url, prefix=prefix).budget)
    return sum((w.reserved for w in manager.status().windows), Decimal(0))


async def _run(router: Router, size: int) -> dict[str, Any]:
    latencies: list[float] = []
    reserves: list[float] = []
    _timed_reserves(router, reserves)
    started = time.perf_counter()
    errors = await asyncio.gather(*(_call(router, latencies) for _ in range(size)))
    wall = time.perf_counter() - started
    after = [await _call(router) for _ in range(AFTER)]  # nothing else in flight
    failed = [e for e in errors if e is not None]
    return {
        "concurrent": size,
        "ok": size - len(failed),
        "failed": len(failed),
        "errors": dict(collections.Counter(failed).most_common(3)),
        "wall_s": round(wall, 2),
        "calls_per_s": round(size / wall, 1),
        "call_s_p50_p99_max": [_quantile(latencies, q) for q in (0.5, 0.99, 1.0)],
        "reserve_s_p50_p99_max": [_quantile(reserves, q) for q in (0.5, 0.99, 1.0)],
        f"after_{AFTER}_ok": sum(e is None for e in after),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--sizes", default="150,1000,3000")
    parser.add_argument("--max-connections", type=int, default=None)
    parser.add_argument("--pool-timeout", type=float, default=None)
    parser.add_argument("--latency-scale", type=float, default=0.0, help="simulated latency")
    args = parser.parse_args()
    options: dict[str, Any] = {}
    if args.max_connections is not None:
        options["max_connections"] = args.max_connections
    if args.pool_timeout is not None:
        options["pool_timeout_s"] = args.pool_timeout
    budget = Budget([Limit(usd=1000, window="month")])
    client = redis.Redis.from_url(args.url)
    with Simulator(latency_scale=args.latency_scale) as sim:
        deps = sim_deployments(sim)
        warm = Router(deps, ledger=False)
        asyncio.run(_call(warm))  # import litellm and open its HTTP session outside the timing
        for size in (int(s) for s in args.sizes.split(",")):
            prefix = f"bench-conc-{uuid.uuid4().hex[:8]}:"
            try:
                store = redis_store(args.url, prefix=prefix, **options)
                router = Router(deps, store=store, budget=budget, ledger=False)
                result = asyncio.run(_run(router, size))
                result["reserved_left_usd"] = str(_reserved_in_redis(args.url, prefix, budget))
            finally:
                keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
                if keys:
                    client.delete(*keys)
            print(json.dumps({"options": options, **result}), flush=True)
    client.close()


if __name__ == "__main__":
    main()
