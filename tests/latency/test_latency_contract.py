"""One contract for every LatencyStats backend (memory, Redis): hand-computed figures."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from costroute.latency import LatencyStats, Prior
from costroute.testing import FakeClock

Make = Callable[..., LatencyStats]
PRIOR = Prior(ttft_ms=500.0, tokens_per_s=50.0)  # 20 ms per output token


def test_unknown_deployment_has_no_snapshot_and_predicts_the_prior(make_stats: Make) -> None:
    stats = make_stats()
    assert stats.snapshot("nobody") is None
    assert stats.predict_ms("nobody", 200, PRIOR) == 500.0 + 200 * 20.0


def test_decayed_means_on_a_known_sequence(make_stats: Make) -> None:
    # half_life=1: each sample halves the weight of the ones before it.
    stats = make_stats(half_life=1, min_samples=3)
    for total, ttft, tokens in [(100.0, 10.0, 10), (200.0, 20.0, 20), (400.0, 40.0, 40)]:
        stats.record("d", total, ttft, tokens)
    snap = stats.snapshot("d")
    assert snap is not None
    assert snap.n == 3 and snap.n_ttft == 3
    # (100*0.25 + 200*0.5 + 400) / (0.25 + 0.5 + 1) = 525 / 1.75
    assert snap.mean_total_ms == pytest.approx(300.0)
    # (10*0.25 + 20*0.5 + 40) / 1.75 = 52.5 / 1.75
    assert snap.mean_ttft_ms == pytest.approx(30.0)
    # generation: 90, 180, 360 ms for 10, 20, 40 tokens -> 9 ms per token
    assert snap.tokens_per_s == pytest.approx(1000.0 / 9.0)
    assert stats.predict_ms("d", 100, PRIOR) == pytest.approx(30.0 + 100 * 9.0)


def test_percentiles_nearest_rank_over_the_window(make_stats: Make) -> None:
    stats = make_stats(window=20)
    values = [float(v) for v in range(1, 21)]
    random.Random(7).shuffle(values)
    for v in values:
        stats.record("d", v, v / 2, 10)
    snap = stats.snapshot("d")
    assert snap is not None
    assert (snap.p50_total_ms, snap.p95_total_ms) == (10.0, 19.0)  # 10th and 19th of 20
    assert snap.p95_ttft_ms == 9.5


def test_percentiles_forget_samples_older_than_the_window(make_stats: Make) -> None:
    stats = make_stats(window=10)
    for _ in range(100):
        stats.record("d", 5000.0, None, 10)
    for v in range(1, 11):
        stats.record("d", float(v), None, 10)
    snap = stats.snapshot("d")
    assert snap is not None
    assert snap.n == 110
    assert (snap.p50_total_ms, snap.p95_total_ms) == (5.0, 10.0)
    assert snap.mean_ttft_ms is None and snap.p95_ttft_ms is None and snap.tokens_per_s is None


def test_prior_until_min_samples(make_stats: Make) -> None:
    stats = make_stats(min_samples=3)
    for _ in range(2):
        stats.record("d", 100.0, 50.0, 10)
    assert stats.predict_ms("d", 200, PRIOR) == 4500.0  # 500 + 200 * 20
    stats.record("d", 100.0, 50.0, 10)
    # 50 ms to first token, 50 ms for 10 tokens: 5 ms per token
    assert stats.predict_ms("d", 200, PRIOR) == pytest.approx(50.0 + 200 * 5.0)


def test_without_ttft_the_prior_curve_is_scaled(make_stats: Make) -> None:
    stats = make_stats(min_samples=5)
    for _ in range(5):
        stats.record("d", 3000.0, None, 100)
    # the prior expected 500 + 100*20 = 2500 ms for these answers; they took 3000: r = 1.2
    assert stats.predict_ms("d", 200, PRIOR) == pytest.approx(1.2 * (500 + 200 * 20))


def test_predictions_for_many_deployments(make_stats: Make) -> None:
    stats = make_stats(min_samples=1)
    stats.record("fast", 300.0, 100.0, 100)  # 2 ms per token
    got = stats.predictions([("fast", PRIOR), ("new", Prior(400.0, 100.0))], 50)
    assert got == {"fast": pytest.approx(100.0 + 50 * 2.0), "new": pytest.approx(400.0 + 500.0)}


def test_stale_statistics_fall_back_to_the_prior(make_stats: Make, clock: FakeClock) -> None:
    stats = make_stats(min_samples=1, stale_after_s=60)
    stats.record("d", 300.0, 100.0, 100)
    clock.advance(60)
    assert stats.predict_ms("d", 50, PRIOR) == pytest.approx(200.0)
    clock.advance(1)
    assert stats.predict_ms("d", 50, PRIOR) == 500.0 + 50 * 20.0


def test_invalid_samples_are_ignored_and_ttft_is_capped(make_stats: Make) -> None:
    stats = make_stats(min_samples=1)
    for bad in (float("nan"), float("inf"), -1.0):
        stats.record("d", bad, 10.0, 10)
    assert stats.snapshot("d") is None
    stats.record("d", 100.0, 250.0, -3)  # ttft above total: capped; negative tokens: 0
    snap = stats.snapshot("d")
    assert snap is not None
    assert snap.mean_ttft_ms == 100.0 and snap.tokens_per_s is None
    assert stats.predict_ms("d", 10, PRIOR) == pytest.approx(100.0 + 10 * 20.0)


def test_zero_generation_time_uses_the_prior_speed(make_stats: Make) -> None:
    stats = make_stats(min_samples=1)
    stats.record("d", 80.0, 80.0, 5)
    assert stats.predict_ms("d", 10, PRIOR) == pytest.approx(80.0 + 10 * 20.0)


def test_updated_at_is_the_injected_clock(make_stats: Make, clock: FakeClock) -> None:
    stats = make_stats()
    clock.advance(42.5)
    stats.record("d", 10.0, None, 1)
    snap = stats.snapshot("d")
    assert snap is not None and snap.updated_at == 42.5
    assert "p95=10ms" in repr(snap)
