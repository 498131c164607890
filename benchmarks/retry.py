"""What the retry loop costs a call that succeeds at once, for scale against a provider call
(0.3 to 30 s).

The executor iterates a ``tenacity.Retrying`` per deployment of every call
(``for attempt in retrying(...): with attempt: ...``). Two ways to call the same no-op attempt,
interleaved, medians over many calls:
- ``direct``: ``fn()`` alone, the floor;
- ``tenacity``: ``fn()`` inside the executor's retry loop (costroute/executor/_retry.py).

Also the cost of one retried failure (sleep injected, no wait). Prints JSON.
Run: python benchmarks/retry.py [--calls 20000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from costroute.errors import RateLimitError
from costroute.executor._retry import RetryConfig, retrying


def _median_us(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1e6, 3)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20000)
    args = parser.parse_args()
    config = RetryConfig()
    clock = time.monotonic

    def no_sleep(_: float) -> None:
        return None

    def looped(fn: Callable[[], int]) -> int:
        for attempt in retrying(config, clock() + 60, clock, no_sleep):
            with attempt:
                out = fn()
        return out

    def fn() -> int:
        return 1

    ways: dict[str, Callable[[], Any]] = {"direct": fn, "tenacity": lambda: looped(fn)}
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
        looped(flaky)
        retried.append(time.perf_counter() - t)

    out = {f"{name}_median_us": _median_us(s) for name, s in samples.items()}
    out["tenacity_added_us"] = round(out["tenacity_median_us"] - out["direct_median_us"], 3)
    out["one_retry_median_us"] = _median_us(retried)
    out["calls"] = args.calls
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
