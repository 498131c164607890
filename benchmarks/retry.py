"""What the retry wrapper costs a call that succeeds at once (target <= 10 µs).

Three ways to call the same no-op attempt, interleaved, medians over many calls:
- ``direct``: ``fn()`` alone, the floor;
- ``fast_path``: costroute's ``retry_call``: the first attempt runs outside tenacity, which is
  entered only after a retryable failure;
- ``tenacity_always``: a ``tenacity.Retrying`` built and iterated for every call (how the
  executor worked before), with the same strategies.

Also the cost of one retried failure through the fast path (sleep injected, no wait), for scale.
Prints JSON. Run: python benchmarks/retry.py [--calls 50000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import tenacity

from costroute.errors import RateLimitError
from costroute.executor._retry import RetryConfig, retry_call, retry_strategies


def _median_us(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1e6, 3)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=50000)
    args = parser.parse_args()
    config = RetryConfig()
    clock = time.monotonic

    def fn() -> int:
        return 1

    def no_sleep(_: float) -> None:
        return None

    def direct() -> Any:
        return fn()

    def fast_path() -> Any:
        return retry_call(fn, config, clock() + 60, clock, no_sleep)

    def tenacity_always() -> Any:
        retrying = tenacity.Retrying(
            sleep=no_sleep, **retry_strategies(config, clock() + 60, clock)
        )
        return retrying(fn)

    ways: dict[str, Callable[[], Any]] = {
        "direct": direct,
        "fast_path": fast_path,
        "tenacity_always": tenacity_always,
    }
    samples: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(1000):
        for way in ways.values():
            way()
    for _ in range(args.calls):
        for name, way in ways.items():
            t = time.perf_counter()
            way()
            samples[name].append(time.perf_counter() - t)

    fails = [0]

    def flaky() -> int:
        fails[0] += 1
        if fails[0] % 2:
            raise RateLimitError("slow down", status_code=429, retry_after=0)
        return 1

    retried: list[float] = []
    for _ in range(args.calls // 10):
        t = time.perf_counter()
        retry_call(flaky, config, clock() + 60, clock, no_sleep)
        retried.append(time.perf_counter() - t)

    floor = _median_us(samples["direct"])
    out = {f"{name}_median_us": _median_us(s) for name, s in samples.items()}
    out["fast_path_added_us"] = round(_median_us(samples["fast_path"]) - floor, 3)
    out["tenacity_always_added_us"] = round(_median_us(samples["tenacity_always"]) - floor, 3)
    out["one_retry_median_us"] = _median_us(retried)
    out["target_added_us"] = 10
    out["met"] = out["fast_path_added_us"] <= 10
    out["calls"] = args.calls
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
