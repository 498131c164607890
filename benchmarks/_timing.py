"""Timing helpers shared by the benchmark scripts."""

from __future__ import annotations

import functools
import statistics
import time
from collections.abc import Callable, Iterable
from typing import Any


def median_us(fn: Callable[[], object], n: int, *, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` over ``n`` calls, in microseconds (``warmup`` calls first)."""
    for _ in range(warmup):
        fn()
    clock = time.perf_counter_ns
    times = []
    for _ in range(n):
        t = clock()
        fn()
        times.append(clock() - t)
    return statistics.median(times) / 1000.0


def per_prompt_us(
    fn: Callable[[list[dict[str, Any]]], object], prompts: Iterable[str], n: int, *, digits: int = 1
) -> dict[str, float]:
    """``median_us`` of ``fn(messages)`` for a one-message conversation of each prompt."""
    out = {}
    for text in prompts:
        call = functools.partial(fn, [{"role": "user", "content": text}])
        out[f"{text[:20]}... ({len(text)} chars)"] = round(median_us(call, n), digits)
    return out
