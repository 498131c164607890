"""The default estimator: the heuristic's levels, length inside a level, on the heuristic's scale."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from costroute import difficulty
from costroute.difficulty import HeuristicEstimator, LevelsEstimator, load_estimator
from costroute.difficulty._features import compute
from costroute.difficulty._heuristic import categorize
from costroute.difficulty._levels import CAP, COMPETITION, KNOTS, level_terms, to_scale
from costroute.difficulty._text import extract

DEV = Path(__file__).parent / "data" / "ood_prompts.jsonl"


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def terms(text: str) -> dict[str, float]:
    f = compute(extract(user(text)))
    return dict(level_terms(f.values, categorize(f.values, f.words)))


def test_it_is_the_default_and_has_a_name() -> None:
    assert isinstance(difficulty.default_estimator(), LevelsEstimator)
    assert load_estimator("levels").name == "levels"
    assert isinstance(load_estimator("default"), LevelsEstimator)
    assert repr(LevelsEstimator()) == "LevelsEstimator()"


def test_a_trivial_request_has_its_base_only() -> None:
    assert terms("hi") == {"category:trivial": 0.03}
    assert LevelsEstimator().estimate(user("hi")).score == pytest.approx(0.03, abs=0.002)


def test_competition_mathematics_sits_a_level_above_a_word_problem() -> None:
    assert terms("Find all $x$ with $x^2 = 4$.")["competition"] == COMPETITION
    assert "competition" not in terms("Tom has 3 apples and buys 4 more. How many has he now?")
    assert "competition" not in terms("Write a haiku about autumn.")


def test_proof_cues_are_not_capped_and_the_other_cues_are() -> None:
    t = terms("Prove rigorously, by induction, that $\\sum_{k=1}^n k = n(n+1)/2$; justify it.")
    assert t["proof"] > CAP
    assert t["cues"] == CAP  # LaTeX, math terms, constraints... add up to more than the cap
    assert terms("Write a short story about a dragon who learns to paint.")["cues"] < CAP


def test_inside_a_level_the_longer_request_scores_higher() -> None:
    short = "Write a Python function that reverses a list."
    long = short + " Handle empty lists, nested lists and tuples, and document each case."
    est = LevelsEstimator()
    assert est.estimate(user(short)).category == est.estimate(user(long)).category == "code"
    assert est.estimate(user(long)).score > est.estimate(user(short)).score


def test_the_map_is_increasing_through_its_knots_and_clamped() -> None:
    for raw, score in KNOTS[1:]:
        assert to_scale(raw) == pytest.approx(score)
    xs = [i / 100 for i in range(-10, 120)]
    ys = [to_scale(x) for x in xs]
    assert all(a <= b for a, b in itertools.pairwise(ys))
    inside = [y for y in ys if 0.01 < y < 0.99]
    assert len(set(inside)) == len(inside)  # strictly increasing between the clamps
    assert min(ys) == 0.01 and max(ys) == 0.99
    # Above the last knot the slope of the segment before it continues.
    (x0, y0), (x1, y1) = KNOTS[-2:]
    assert to_scale(x1 + 0.05) == pytest.approx(y1 + 0.05 * (y1 - y0) / (x1 - x0))


@pytest.mark.parametrize("threshold", [0.35, 0.6, 0.7])
def test_the_default_policy_thresholds_route_about_the_same_shares_as_under_the_heuristic(
    threshold: float,
) -> None:
    texts = [json.loads(line)["text"] for line in DEV.read_text("utf-8").splitlines() if line]
    levels = [difficulty.score(user(t)) for t in texts]
    heuristic = [HeuristicEstimator().estimate(user(t)).score for t in texts]
    share = sum(s >= threshold for s in levels) / len(texts)
    before = sum(s >= threshold for s in heuristic) / len(texts)
    assert abs(share - before) <= 0.06
