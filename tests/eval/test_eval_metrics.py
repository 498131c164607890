"""RouteLLM metrics on tiny hand-computed cases."""

from __future__ import annotations

import random

import pytest

from costroute.eval import metrics as m

# Four items; strong/weak quality; router scores rank them 0, 1, 3, 2.
STRONG = [1.0, 1.0, 0.0, 1.0]
WEAK = [0.0, 1.0, 1.0, 0.0]
SCORES = [0.9, 0.5, 0.1, 0.3]


def test_curve_vertices() -> None:
    c = m.quality_curve(SCORES, STRONG, WEAK)
    assert c.share == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert c.quality == (0.5, 0.75, 0.75, 1.0, 0.75)
    assert c.threshold[1:] == (0.9, 0.5, 0.3, 0.1)
    assert (c.strong_quality, c.weak_quality) == (0.75, 0.5)
    assert c.pgr() == (0.0, 1.0, 1.0, 2.0, 1.0)


def test_apgr_cpt_and_cost_saved_by_hand() -> None:
    c = m.quality_curve(SCORES, STRONG, WEAK)
    # trapezoids: 0.25 * (0.5 + 1 + 1.5 + 1.5)
    assert m.apgr(c) == pytest.approx(1.125)
    assert m.cpt(c, 0.5) == pytest.approx(0.125)
    assert m.cpt(c, 0.8) == pytest.approx(0.2)
    assert m.cpt(c, 3.0) == 1.0
    # target 0.95 * 0.75 = 0.7125 reached at share 0.2125 -> saved 0.7875
    assert m.cost_saved_at(c, 0.95) == pytest.approx(0.7875)


def test_random_router_is_the_diagonal() -> None:
    c = m.quality_curve([0.0] * 4, STRONG, WEAK)
    assert c.share == (0.0, 1.0)
    assert m.apgr(c) == pytest.approx(0.5)
    assert m.cpt(c, 0.5) == pytest.approx(0.5)
    assert m.cpt(c, 0.8) == pytest.approx(0.8)
    assert m.cost_saved_at(c, 0.95) == pytest.approx(0.15)


def test_random_scores_average_to_the_analytic_value() -> None:
    rng = random.Random(7)
    strong = [float(rng.random() < 0.8) for _ in range(200)]
    weak = [float(rng.random() < 0.5) for _ in range(200)]
    runs = [
        m.apgr(m.quality_curve([rng.random() for _ in strong], strong, weak)) for _ in range(300)
    ]
    assert sum(runs) / len(runs) == pytest.approx(0.5, abs=0.02)


def test_oracle_beats_everything() -> None:
    oracle = m.quality_curve(m.oracle_scores(STRONG, WEAK), STRONG, WEAK)
    assert m.apgr(oracle) == pytest.approx(0.25 * (1 + 3 + 4 + 3) / 2 + 0.0)  # PGR 0,2,2,2,1
    assert m.apgr(oracle) >= m.apgr(m.quality_curve(SCORES, STRONG, WEAK))


def test_per_item_costs() -> None:
    # strong costs 10 on item 0 and 1 elsewhere; weak costs nothing.
    costs = [(10.0, 0.0), (1.0, 0.0), (1.0, 0.0), (1.0, 0.0)]
    c = m.quality_curve([0.1, 0.2, 0.3, 0.9], [1.0, 1.0, 1.0, 1.0], [0.0, 1.0, 1.0, 1.0], costs)
    # item 0 is routed last: reaching 0.95 needs 80% of it in expectation -> cost 3 + 8 = 11
    assert c.cost[-1] == 13.0
    assert m.cost_saved_at(c, 0.95) == pytest.approx(1 - 11 / 13)


def test_weak_already_good_enough_saves_all_strong_cost() -> None:
    c = m.quality_curve([0.5, 0.5], [1.0, 1.0], [1.0, 0.9])
    assert m.cost_saved_at(c, 0.9) == 1.0


def test_errors() -> None:
    with pytest.raises(ValueError, match="equal length"):
        m.quality_curve([0.1], [1.0, 0.0], [0.0])
    with pytest.raises(ValueError, match="PGR is undefined"):
        m.apgr(m.quality_curve([0.1, 0.2], [0.0, 1.0], [1.0, 0.0]))


def _bootstrap_case(n: int = 300) -> tuple[list[float], list[float], list[float]]:
    rng = random.Random(3)
    scores, strong, weak = [], [], []
    for _ in range(n):
        hard = rng.random()
        scores.append(round(hard + rng.gauss(0, 0.3), 2))  # rounded: ties happen
        strong.append(float(rng.random() < 0.9))
        weak.append(float(rng.random() < 1.0 - 0.8 * hard))
    return scores, strong, weak


def test_bootstrap_interval_contains_the_estimate_and_is_seeded() -> None:
    scores, strong, weak = _bootstrap_case()
    point = m.apgr(m.quality_curve(scores, strong, weak))
    lo, hi = m.apgr_interval(scores, strong, weak, resamples=400, seed=7)
    assert lo < point < hi
    assert 0.02 < hi - lo < 0.5  # 300 items: neither a point nor the whole range
    assert m.apgr_interval(scores, strong, weak, resamples=400, seed=7) == (lo, hi)
    assert m.apgr_interval(scores, strong, weak, resamples=400, seed=8) != (lo, hi)
    narrow = m.apgr_interval(scores, strong, weak, resamples=400, seed=7, level=0.5)
    assert lo < narrow[0] < narrow[1] < hi


def test_the_margin_interval_is_paired_and_zero_for_the_same_router() -> None:
    scores, strong, weak = _bootstrap_case()
    noisy = [s + 0.1 * ((i * 7919) % 13 - 6) for i, s in enumerate(scores)]
    point = m.apgr(m.quality_curve(scores, strong, weak)) - m.apgr(
        m.quality_curve(noisy, strong, weak)
    )
    lo, hi = m.apgr_difference_interval(scores, noisy, strong, weak, resamples=400, seed=7)
    assert lo < point < hi
    assert m.apgr_difference_interval(scores, scores, strong, weak, resamples=50) == (0.0, 0.0)
    # Paired: narrower than the two routers' own intervals side by side.
    a = m.apgr_interval(scores, strong, weak, resamples=400, seed=7)
    b = m.apgr_interval(noisy, strong, weak, resamples=400, seed=7)
    assert hi - lo < (a[1] - a[0]) + (b[1] - b[0])
    with pytest.raises(ValueError, match="equal length"):
        m.apgr_difference_interval(scores, noisy[:-1], strong, weak)


def test_a_resample_that_doubles_every_item_has_the_same_apgr() -> None:
    # The bootstrap's weighted APGR is the plain one when every item counts the same.
    scores, strong, weak = _bootstrap_case(60)
    order = sorted(range(60), key=lambda i: -scores[i])
    groups: list[list[int]] = []
    for i in order:
        if groups and scores[groups[-1][0]] == scores[i]:
            groups[-1].append(i)
        else:
            groups.append([i])
    point = m.apgr(m.quality_curve(scores, strong, weak))
    assert m._weighted_apgr(groups, strong, weak, [2] * 60) == pytest.approx(point)
    # And keeping only item subsets equals APGR on that subset.
    keep = [i % 3 != 0 for i in range(60)]
    sub = [i for i in range(60) if keep[i]]
    expected = m.apgr(
        m.quality_curve([scores[i] for i in sub], [strong[i] for i in sub], [weak[i] for i in sub])
    )
    got = m._weighted_apgr(groups, strong, weak, [int(k) for k in keep])
    assert got == pytest.approx(expected)


def test_bootstrap_interval_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="equal length"):
        m.apgr_interval([], [], [])
    with pytest.raises(ValueError, match="resamples"):
        m.apgr_interval([1.0], [1.0], [0.0], resamples=0)
    with pytest.raises(ValueError, match="no resample"):
        m.apgr_interval([1.0, 0.0], [0.0, 0.0], [1.0, 1.0], resamples=5)
