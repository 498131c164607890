"""The two-model pair learner: P(strong right) and P(weak right) fitted apart on the calls where
each side was observed, scored by (1 + difference) / 2 (hand-computed on group rates); its
weights format (the one-model format still loads and digests as before); ``learner=`` in
``train_from_ledger`` and ``select_l2``, refused before the ledger is opened."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
from decimal import Decimal
from pathlib import Path

import pytest

from costroute.difficulty import FEATURE_NAMES, LearnedEstimator, feature_vector
from costroute.difficulty._learned import FORMAT, FORMAT_TWO
from costroute.errors import ConfigError
from costroute.eval._pair_labels import PairExample, scores_of
from costroute.eval._two_model import fit_learner, fit_two
from costroute.eval.from_ledger import pair_examples, select_l2, train_from_ledger
from costroute.ledger import CallRecord, open_ledger
from costroute.policy import balanced
from costroute.types import Usage

pytest.importorskip("numpy")

T0 = dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC)
HARD = "math_terms"


def example(i: int, hard: float, strong: float, weak: float, **seen: bool) -> PairExample:
    s_seen, w_seen = seen.get("strong_seen", True), seen.get("weak_seen", True)
    return PairExample(
        str(i),
        T0,
        "weak",
        {HARD: hard, "length": 0.3},
        0.5,
        None,
        None,
        strong,
        weak,
        (1 + strong - weak) / 2,
        s_seen,
        w_seen,
    )


def groups(n: int = 40) -> list[PairExample]:
    """``n`` easy and ``n`` hard calls; strong right on 3 in 4 of each, weak on 3 in 4 of the
    easy ones and 1 in 4 of the hard ones."""
    out = []
    for i in range(2 * n):
        hard = i >= n
        out.append(
            example(i, float(hard), float(i % 4 != 0), float(i % 4 == 0 if hard else i % 4 != 0))
        )
    return out


def test_each_side_fits_its_own_rate_and_the_score_is_half_one_plus_their_difference() -> None:
    est = fit_two(groups(), l2=1e-9)
    easy, hard = scores_of(est, [example(0, 0.0, 1, 1), example(1, 1.0, 1, 1)])
    # easy: (1 + 3/4 - 3/4) / 2; hard: (1 + 3/4 - 1/4) / 2 (one binary feature: the group rates)
    assert easy == pytest.approx(0.5, abs=1e-4) and hard == pytest.approx(0.75, abs=1e-4)
    # the value where the weak model is right gets the lower score, by any penalty
    strong_l2 = fit_two(groups(), l2=1.0)
    low, high = scores_of(strong_l2, [example(0, 0.0, 1, 1), example(1, 1.0, 1, 1)])
    assert 0.5 < low < high < 0.75
    # the strong side never depends on the feature here: its weight stays 0
    assert est.weights[FEATURE_NAMES.index(HARD)] == pytest.approx(0.0, abs=1e-6)
    assert est.weak_weights is not None and est.weak_weights[FEATURE_NAMES.index(HARD)] < -1


def test_a_side_is_fitted_only_on_the_calls_that_observed_it() -> None:
    base = groups()
    # 40 more hard calls whose weak side is unobserved, imputed at 1.0: left out of P(weak)
    extra = [example(100 + i, 1.0, float(i % 4 != 0), 1.0, weak_seen=False) for i in range(40)]
    # ... and 40 easy calls whose strong side is unobserved, imputed at 0.0: left out of P(strong)
    extra += [example(200 + i, 0.0, 0.0, float(i % 4 != 0), strong_seen=False) for i in range(40)]
    est = fit_two(base + extra, l2=1e-9)
    easy, hard = scores_of(est, [example(0, 0.0, 1, 1), example(1, 1.0, 1, 1)])
    # P(weak | hard) still 1/4 (the imputed 1.0s unused); P(strong) 3/4 on both
    assert easy == pytest.approx(0.5, abs=1e-4) and hard == pytest.approx(0.75, abs=1e-4)
    assert est.meta == {}


def test_a_side_observed_on_fewer_than_ten_calls_is_a_constant_at_its_mean() -> None:
    ex = [dataclasses.replace(e, strong_seen=False) for e in groups()]
    # 8 strong grades that a fit would tie to the feature: 4 easy right, 1 hard right, 3 wrong
    for idx, right in [(0, 1), (1, 1), (2, 1), (3, 1), (40, 1), (41, 0), (42, 0), (43, 0)]:
        ex[idx] = dataclasses.replace(ex[idx], strong=float(right), strong_seen=True)
    est = fit_two(ex, l2=1e-9)
    assert est.bias == pytest.approx(math.log((5 / 8) / (3 / 8))) and set(est.weights) == {0.0}
    with pytest.raises(ConfigError) as err:
        fit_two(groups()[:9])
    assert err.value.field == "ledger"


def test_the_estimator_scores_texts_like_the_stored_features_and_explains_them() -> None:
    prompts = ["What is 2 + 2?", "Prove that the integral of x^2 dx from 0 to 1 is 1/3.", "hi"]
    rng = random.Random(4)
    ex = [
        PairExample(
            str(i),
            T0,
            "weak",
            feature_vector([{"role": "user", "content": p}]),
            0.5,
            None,
            None,
            float(rng.random() < 0.9),
            float(rng.random() < (0.3 if "Prove" in p else 0.8)),
            0.5,
            True,
            True,
        )
        for i, p in enumerate(prompts * 20)
    ]
    est = fit_two(ex, l2=0.1)
    by_text = [est.estimate([{"role": "user", "content": p}]) for p in prompts]
    assert [d.score for d in by_text] == pytest.approx(scores_of(est, ex[:3]), abs=1e-12)
    assert all(0 <= d.score <= 1 for d in by_text) and by_text[1].features


def test_two_model_weights_round_trip_and_the_one_model_format_is_unchanged(
    tmp_path: Path,
) -> None:
    from costroute.router._version import version_of

    shipped = LearnedEstimator.load()
    assert shipped.weak_weights is None and shipped.to_json()["format"] == FORMAT
    assert "weak_weights" not in shipped.to_json()
    est = fit_two(groups(), l2=0.1, meta={"label": "gain"}).calibrated(0.6, strong="S")
    assert est.weak_weights is not None and est.threshold == 0.6  # calibrated() keeps it
    loaded = LearnedEstimator.load(est.save(tmp_path / "two.json"))
    assert loaded.to_json() == est.to_json() and loaded.to_json()["format"] == FORMAT_TWO
    assert loaded.weak_weights == pytest.approx(est.weak_weights, abs=1e-6)
    msg = [{"role": "user", "content": "Prove it in 3 steps."}]
    assert loaded.estimate(msg).score == pytest.approx(est.estimate(msg).score, abs=1e-5)
    assert "two-model" in repr(loaded)
    # the router version's digest covers the weak side's weights
    nudged = LearnedEstimator(
        est.weights,
        est.bias,
        est.mean,
        est.std,
        meta=est.meta,
        weak_weights=(est.weak_weights[0] + 1e-3, *est.weak_weights[1:]),
        weak_bias=est.weak_bias,
    )
    assert version_of("v", balanced(), nudged).digest != version_of("v", balanced(), est).digest
    one = {k: v for k, v in est.to_json().items() if k not in ("weak_weights", "weak_bias")}
    assert LearnedEstimator.from_json({**one, "format": FORMAT}).weak_weights is None
    with pytest.raises(ConfigError, match="corrupt"):
        LearnedEstimator.from_json({**one, "format": FORMAT_TWO})  # /2 without its weak side
    with pytest.raises(ConfigError) as err:
        LearnedEstimator(est.weights, 0.0, est.mean, est.std, {"x": 1.0}, weak_weights=est.weights)
    assert err.value.field == "vocab"
    with pytest.raises(ConfigError) as err:
        LearnedEstimator(est.weights, 0.0, est.mean, est.std, weak_weights=[0.0])
    assert err.value.field == "weights/mean/std"


def _ledger(url: str) -> None:
    """Checker-graded calls (both sides) where the weak model fails the hard ones."""
    rng = random.Random(8)
    with open_ledger(url) as ledger:
        for i in range(160):
            hard = rng.random() < 0.5
            dep = "S" if rng.random() < 0.3 else "W"
            feats = {"length": rng.random(), HARD: 0.8 if hard else 0.1}
            ledger.append(
                CallRecord(
                    request_id=f"c{i}",
                    at=T0 + dt.timedelta(minutes=i),
                    deployment=dep,
                    model=f"m/{dep}",
                    provider="openai",
                    policy="pair",
                    difficulty=0.5,
                    category="general",
                    usage=Usage(input_tokens=10, output_tokens=5),
                    cost_usd=Decimal("0.001"),
                    features=feats,
                    status="ok",
                )
            )
            strong, weak = float(rng.random() < 0.9), float(rng.random() < (0.2 if hard else 0.9))
            ledger.feedback(f"c{i}", strong if dep == "S" else weak, source="check", at=T0)
            if i % 4:  # three calls in four have the other answer graded too
                other, theirs = ("W", weak) if dep == "S" else ("S", strong)
                ledger.feedback(f"c{i}", theirs, source=f"check@{other}", at=T0)


def test_train_from_ledger_fits_the_learner_asked_and_calibrates_its_scores(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    _ledger(url)
    with open_ledger(url) as ledger:
        ex = pair_examples(ledger.outcomes(), "S", "W").examples
    two, report = train_from_ledger(url, strong="S", weak="W", learner="two", l2=None, folds=4)
    gain, g_report = train_from_ledger(url, strong="S", weak="W", learner="gain", l2=None, folds=4)
    assert two.weak_weights is not None and gain.weak_weights is None
    assert (report.learner, two.meta["learner"], g_report.learner) == ("two", "two", "gain")
    assert "learner two" in report.lines() and report.to_dict()["learner"] == "two"
    assert report.cv is not None and report.cv != g_report.cv  # each learner's own CV
    hard = [{"role": "user", "content": "Solve the integral and prove the theorem."}]
    assert two.estimate(hard).score > two.estimate([{"role": "user", "content": "hi"}]).score
    # calibration works on the two-model scores: 25% of the calls at or above the threshold
    cal, cal_report = train_from_ledger(
        url, strong="S", weak="W", learner="two", target_cost_share=0.25
    )
    assert cal.weak_weights is not None and cal.threshold is not None
    scores = scores_of(cal, ex)
    share = sum(s >= cal.threshold for s in scores) / len(scores)
    assert cal_report.calibration is not None
    assert share == pytest.approx(cal_report.calibration["strong_share"])
    assert abs(share - 0.25) <= 0.05
    # each learner is its fit on all the calls with the penalty its CV chose
    assert fit_learner(ex, learner="gain", l2=g_report.l2).weights == gain.weights
    assert fit_learner(ex, learner="two", l2=report.l2).weak_weights == two.weak_weights


@pytest.mark.parametrize("bad", ["three", "", None, 2, "TWO"])
def test_a_bad_learner_is_refused_before_the_ledger_is_opened(tmp_path: Path, bad: object) -> None:
    url = f"sqlite:///{tmp_path / 'never.sqlite'}"
    with pytest.raises(ConfigError) as err:
        train_from_ledger(url, strong="S", weak="W", learner=bad)  # type: ignore[arg-type]
    assert err.value.field == "learner" and "two" in err.value.fix
    assert not (tmp_path / "never.sqlite").exists()
    with pytest.raises(ConfigError) as err:
        select_l2(groups(), learner=bad)  # type: ignore[arg-type]
    assert err.value.field == "learner"
