"""Sampled labelling against the simulator, through the real HTTP path: a JudgeModel deployment
of the simulator grades the routed answer against the reference, and Checker(sim.check) grades
both; the outcomes stored are the simulator's ground truth."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from costroute import Checker, JudgeModel, Labeling, Router
from costroute.cli._demo import sim_deployments
from costroute.policy import pair
from costroute.sim import Simulator

pytestmark = pytest.mark.filterwarnings("ignore:.*`ReadOnly` qualifier:UserWarning")

WEAK, STRONG, JUDGE = "deepseek-v4-flash", "gpt-5.4", "claude-haiku-4-5"
QUESTIONS = [f"Question {i}: prove that the sum of two even numbers is even." for i in range(400)]


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(latency_scale=0, seed=3) as running:
        yield running


def every_case(sim: Simulator) -> list[str]:
    """One question for each (weak right, strong right) combination."""
    cases = {}
    for q in QUESTIONS:
        cases.setdefault((sim.is_right(q, WEAK), sim.is_right(q, STRONG)), q)
    assert len(cases) == 4
    return list(cases.values())


def always_weak(sim: Simulator, labeling: Labeling) -> Router:
    deps = [d for d in sim_deployments(sim) if d.name in (WEAK, STRONG, JUDGE)]
    policy = pair(STRONG, WEAK, threshold=2.0)  # above 1: never the strong one
    return Router(deps, policy=policy, ledger="sqlite:///:memory:", labeling=labeling, timeout=10)


def scores(router: Router) -> dict[tuple[str, str], float]:
    return {(r.request_id, r.source): r.score for r in router.usage.outcomes()}


def test_a_judge_model_on_the_simulator_scores_as_its_ground_truth(sim: Simulator) -> None:
    labeling = Labeling(fraction=1.0, judge=JudgeModel(deployment=JUDGE), max_usd=1)
    router = always_weak(sim, labeling)
    asked: dict[str, Any] = {}
    for q in every_case(sim):
        info = router.chat(messages=[{"role": "user", "content": q}]).costroute
        assert info.deployment == WEAK
        asked[info.request_id] = q
    assert router.labeling.wait(timeout=30)
    assert router.labeling.stats.labeled == 4
    got = scores(router)
    for rid, q in asked.items():  # as good as the reference unless weak wrong and strong right
        expected = 0.0 if (not sim.is_right(q, WEAK) and sim.is_right(q, STRONG)) else 1.0
        assert got[(rid, "judge")] == expected
    assert sorted(got.values()) == [0.0, 1.0, 1.0, 1.0]
    judged = [r for r in sim.requests if r.model == JUDGE]
    assert len(judged) == 4 and router.usage.report().labeling_calls == 8  # reference + judge


def test_a_checker_on_the_simulator_grades_both_answers(sim: Simulator) -> None:
    labeling = Labeling(fraction=1.0, judge=Checker(sim.check), max_usd=1)
    router = always_weak(sim, labeling)
    asked = {}
    for q in every_case(sim):
        asked[router.chat(messages=[{"role": "user", "content": q}]).costroute.request_id] = q
    assert router.labeling.wait(timeout=30)
    got = scores(router)
    for rid, q in asked.items():
        assert got[(rid, "check")] == float(sim.is_right(q, WEAK))
        assert got[(rid, f"check@{STRONG}")] == float(sim.is_right(q, STRONG))
