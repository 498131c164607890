"""Cost of the latency statistics and the circuit breakers on the routed path.

Prints JSON:
- memory_record_predict_median_us: MemoryLatencyStats.record + predict_ms (target <= 5 µs);
- memory_predictions_6_median_us: predictions() for 6 deployments (what Signals needs);
- memory_breaker_allow_record_median_us: MemoryBreakers.allow + record_success;
- redis_*: with Redis reachable (--redis URL, default redis://127.0.0.1:6379/15): round trips
  and µs of one routed call's statistics and breaker work. bundled: predictions + open_set in
  one pipeline (answered locally while the 1 s cache and hints are fresh), allow from the hint,
  both records in one pipeline; bundled_expired: the same with cache and hints just expired
  (the worst case, once per second per process); unbundled: each method on its own.

Run: python benchmarks/latency.py [--n 20000] [--redis URL | --no-redis]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

from costroute.breaker import BreakerConfig, MemoryBreakers, RedisBreakers
from costroute.latency import MemoryLatencyStats, Prior, RedisLatencyStats

NAMES = ["flash", "pro", "haiku", "sonnet", "gpt-mini", "gpt"]
PRIORS = [(n, Prior(400.0 + 100 * i, 120.0 - 10 * i)) for i, n in enumerate(NAMES)]


def median_us(fn: Callable[[], object], n: int) -> float:
    times = []
    clock = time.perf_counter_ns
    for _ in range(n):
        t = clock()
        fn()
        times.append(clock() - t)
    return round(statistics.median(times) / 1000.0, 3)


def memory(n: int) -> dict[str, float]:
    stats = MemoryLatencyStats()
    for name, _ in PRIORS:
        for i in range(300):
            stats.record(name, 900.0 + i, 300.0, 80)
    prior = PRIORS[0][1]
    breakers = MemoryBreakers(BreakerConfig())

    def record_predict() -> None:
        stats.record("flash", 950.0, 310.0, 80)
        stats.predict_ms("flash", 400, prior)

    def allow_record() -> None:
        if breakers.allow("flash"):
            breakers.record_success("flash")

    return {
        "memory_record_predict_median_us": median_us(record_predict, n),
        "memory_record_median_us": median_us(lambda: stats.record("flash", 950.0, None, 80), n),
        "memory_predictions_6_median_us": median_us(lambda: stats.predictions(PRIORS, 400), n),
        "memory_breaker_allow_record_median_us": median_us(allow_record, n),
        "memory_open_set_6_median_us": median_us(lambda: breakers.open_set(NAMES), n),
    }


def redis_figures(url: str, n: int) -> dict[str, Any]:
    import redis

    sends = [0]

    class Counting(redis.Connection):
        def send_packed_command(self, command: Any, check_health: bool = True) -> None:
            sends[0] += 1
            super().send_packed_command(command, check_health)  # type: ignore[no-untyped-call]

    client = redis.Redis(
        connection_pool=redis.ConnectionPool.from_url(url, connection_class=Counting)
    )
    client.ping()
    prefix = f"costroute-bench:{uuid.uuid4().hex[:8]}:"
    stats = RedisLatencyStats(client, prefix)
    breakers = RedisBreakers(client, prefix, BreakerConfig())

    def bundled() -> None:
        pipe = client.pipeline(transaction=False)
        read_pred = stats.queue_predictions(pipe, PRIORS, 400)
        read_open = breakers.queue_open_set(pipe, NAMES)
        results = pipe.execute()
        read_pred(results), read_open(results)
        if breakers.allow("flash"):
            pipe = client.pipeline(transaction=False)
            stats.queue_record(pipe, "flash", 950.0, None, 80)
            breakers.queue_record(pipe, "flash", ok=True)
            pipe.execute()

    def bundled_expired() -> None:
        # worst case: the local copy and the hints have just expired (once per cache_s)
        stats._cache.clear()
        breakers._hints.clear()
        bundled()

    def unbundled() -> None:
        stats.predictions(PRIORS, 400)
        breakers.open_set(NAMES)
        if breakers.allow("flash"):
            stats.record("flash", 950.0, None, 80)
            breakers.record_success("flash")

    out: dict[str, Any] = {"redis_url": url}
    try:
        runs = (
            ("bundled", bundled),
            ("bundled_expired", bundled_expired),
            ("unbundled", unbundled),
        )
        for label, fn in runs:
            fn()  # load scripts
            sends[0] = 0
            calls = max(200, n // 20)
            out[f"redis_{label}_median_us"] = median_us(fn, calls)
            out[f"redis_{label}_round_trips_per_call"] = sends[0] / calls
    finally:
        keys = list(client.scan_iter(match=prefix + "*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--no-redis", action="store_true")
    args = parser.parse_args()
    result: dict[str, Any] = memory(args.n)
    if not args.no_redis:
        try:
            result.update(redis_figures(args.redis, args.n))
        except Exception as exc:  # report, do not fail: Redis is optional here
            result["redis_skipped"] = f"{type(exc).__name__}: {exc}"
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
