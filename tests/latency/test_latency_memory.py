"""What only the in-memory backend promises: bounded rings and thread safety."""

from __future__ import annotations

import threading

import pytest

from costroute.latency import MemoryLatencyStats, Prior


def test_memory_is_bounded_by_the_window() -> None:
    stats = MemoryLatencyStats(window=50)
    for i in range(10_000):
        stats.record("d", float(i), float(i) / 2 if i % 2 else None, 10)
    series = stats._series["d"]
    assert len(series.totals) == 50 and len(series.ttfts) == 50
    assert sorted(series.totals) == [float(i) for i in range(9950, 10_000)]
    assert "deployments=1" in repr(stats)


def test_concurrent_records_are_all_counted() -> None:
    stats = MemoryLatencyStats(half_life=1e9)  # no decay: the mean is the plain mean
    prior = Prior(100.0, 100.0)

    def work() -> None:
        for _ in range(2000):
            stats.record("d", 100.0, 40.0, 6)
            stats.predictions([("d", prior)], 10)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    snap = stats.snapshot("d")
    assert snap is not None
    assert snap.n == 16_000 and snap.n_ttft == 16_000
    assert snap.mean_total_ms == pytest.approx(100.0)
