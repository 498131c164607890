"""router.rollout.evaluate() with a Checker's grades: the grade of another deployment's answer
(``check@deployment``, stored on the same call) is not the call's own score, and when that
deployment is the candidate's choice, it is the candidate's observed quality on the call."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from costroute.difficulty import CallableEstimator
from costroute.ledger import CallRecord
from costroute.router._rollout_eval import LabelledCall, _resampled_diffs, _sides

D = Decimal
FLASH, HAIKU = "deepseek-v4-flash", "claude-haiku-4-5"


@pytest.fixture
def router(router_factory: Any, tmp_path: Path) -> Any:
    return router_factory(ledger=f"sqlite:///{tmp_path / 'ledger.sqlite'}")


def _call(router: Any, rid: str, dep: str, shadow: str, cost: str, candidate: Any) -> None:
    router.usage.append(
        CallRecord(
            request_id=rid,
            at=router.now(),
            deployment=dep,
            model=dep,
            provider="p",
            policy="balanced",
            difficulty=0.1,
            cost_usd=D(cost),
            router_version=str(router.rollout.current),
            shadow_version=str(candidate),
            shadow_deployment=shadow,
        )
    )


def test_grades_of_the_other_deployment_do_not_score_the_call(router: Any) -> None:
    candidate = router.rollout.propose(CallableEstimator(lambda m: 0.95), name="cand")
    for i in range(4):  # flash answered rightly; haiku's answer to the same request was wrong
        _call(router, f"call-{i}", FLASH, FLASH, "0.001", candidate)
        router.feedback(f"call-{i}", 1.0, source="check")
        router.feedback(f"call-{i}", 0.0, source="check", deployment=HAIKU)
    report = router.rollout.evaluate(min_labels=4)
    assert (report.labels, report.agreed) == (4, 4)
    assert report.current_quality == pytest.approx(1.0)  # not 0.5: haiku's grade is haiku's
    assert report.candidate_quality == pytest.approx(1.0)


def test_the_candidates_answer_graded_on_the_call_is_its_quality_there(router: Any) -> None:
    candidate = router.rollout.propose(CallableEstimator(lambda m: 0.95), name="cand")
    for i in range(2):  # haiku answered wrongly where the candidate agreed: haiku's mean is 0
        _call(router, f"haiku-{i}", HAIKU, HAIKU, "0.004", candidate)
        router.feedback(f"haiku-{i}", 0.0, source="check")
    for i in range(3):  # flash answered wrongly, the candidate chose haiku, haiku was graded
        _call(router, f"flash-{i}", FLASH, HAIKU, "0.001", candidate)
        router.feedback(f"flash-{i}", 0.0, source="check")
        router.feedback(f"flash-{i}", 1.0, source="check", deployment=HAIKU)
    _call(router, "ungraded", FLASH, HAIKU, "0.001", candidate)  # haiku's answer not graded
    router.feedback("ungraded", 1.0, source="check")
    report = router.rollout.evaluate(min_labels=6)
    assert (report.labels, report.agreed, report.unjudged) == (6, 2, 0)
    assert report.current_quality == pytest.approx(1 / 6)
    # observed 1.0 on the three graded calls; the bucket's mean (0.0) on the ungraded one
    assert report.candidate_quality == pytest.approx(3 / 6)
    assert report.candidate_cost_usd == D("0.004")  # costs: haiku's mean cost throughout


@pytest.mark.parametrize(("seed", "graded"), [(3, False), (5, True)])
def test_the_bootstrap_uses_the_observed_grades_as_the_point_estimate_does(
    seed: int, graded: bool
) -> None:
    """The interval's fast float path equals the point estimator (_sides) run on each
    resample, on calls without grades and on calls some of which were graded."""
    rng = random.Random(seed)
    for trial in range(20):
        calls = [
            LabelledCall(
                rng.choice("abc"),
                rng.choice(["a", "b", "c", None]),
                rng.random(),
                rng.random(),
                D(1),
                rng.choice([None, rng.random()]) if graded else None,
            )
            for _ in range(rng.randint(1, 40))
        ]
        picks = random.Random(trial)
        expected = []
        for _ in range(100):
            sample = [calls[i] for i in picks.choices(range(len(calls)), k=len(calls))]
            current, candidate, *_ = _sides(sample)
            if current:
                expected.append((sum(candidate) - sum(current)) / len(current))
        assert _resampled_diffs(calls, 100, trial) == pytest.approx(sorted(expected), abs=1e-12)
