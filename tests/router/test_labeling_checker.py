"""Sampled labelling with a Checker: each answer graded on its own, both stored on the call
(source "check" for the routed answer, "check@<deployment>" for the other's), and, with a
challenger, the calls the reference answered labelled too (docs/learning.md, "Checkers")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import respx

import costroute
from costroute import Checker, Labeling
from costroute.catalog import known
from costroute.errors import ConfigError
from costroute.eval.from_ledger import pair_examples
from costroute.router import LabelingStats

Q = [{"role": "user", "content": "What is 2 + 2? Answer with the number."}]
CHEAP, REF = "deepseek-v4-flash", "claude-sonnet-5-5"
DEPLOYMENTS = [known(CHEAP), known(REF), known("gpt-5.4")]


def right(messages: Any, answer: str) -> float:
    """The application's checker: 1.0 for the right number."""
    return 1.0 if answer.strip(" .") == "4" else 0.0


def _router(router_factory: Any, tmp_path: Path, **labeling: Any) -> costroute.Router:
    labeling.setdefault("judge", Checker(right))
    config = Labeling(fraction=1.0, max_usd=5, **labeling)
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    router: costroute.Router = router_factory(
        labeling=config, ledger=url, deployments=DEPLOYMENTS, baseline=REF
    )
    return router


def _grades(router: costroute.Router) -> dict[tuple[str, str], tuple[float, str]]:
    return {(o.request_id, o.source): (o.score, o.graded) for o in router.usage.outcomes()}


def test_a_checker_grades_both_answers_of_a_sampled_call(
    router_factory: Any, tmp_path: Path, wrong_and_right: dict[str, respx.Route]
) -> None:
    router = _router(router_factory, tmp_path)
    rid = router.chat(messages=Q, model=CHEAP).costroute.request_id
    assert router.labeling.wait(30)
    assert _grades(router) == {
        (rid, "check"): (0.0, CHEAP),  # the routed answer "5"
        (rid, f"check@{REF}"): (1.0, REF),  # the reference's "4."
    }
    assert router.labeling.stats == LabelingStats(sampled=1, labeled=1)
    (example,) = pair_examples(router.usage.outcomes(), REF, CHEAP).examples
    assert (example.strong, example.weak, example.gain, example.imputed) == (1.0, 0.0, 1.0, False)
    assert wrong_and_right["claude"].call_count == 1
    (labelling,) = [r for r in router.usage.records() if r.purpose == "labeling"]
    assert labelling.deployment == REF  # paid from the labelling budget, recorded as such


def test_a_challenger_labels_the_calls_the_reference_answered(
    router_factory: Any, tmp_path: Path, wrong_and_right: dict[str, respx.Route]
) -> None:
    router = _router(router_factory, tmp_path, challenger=CHEAP, judge=Checker(right, "tests"))
    rid = router.chat(messages=Q, model=REF).costroute.request_id
    assert router.labeling.wait(30)
    assert _grades(router) == {(rid, "tests"): (1.0, REF), (rid, f"tests@{CHEAP}"): (0.0, CHEAP)}
    assert wrong_and_right["deepseek"].call_count == 1  # the challenger, asked in the background
    other = router.chat(messages=Q, model=CHEAP).costroute.request_id  # asked of the reference
    assert router.labeling.wait(30)
    assert _grades(router)[(other, f"tests@{REF}")] == (1.0, REF)


def test_a_checker_that_gives_no_score_is_a_failed_sample(
    router_factory: Any, tmp_path: Path, wrong_and_right: dict[str, respx.Route]
) -> None:
    router = _router(router_factory, tmp_path, judge=Checker(lambda messages, answer: 2.0))
    router.chat(messages=Q, model=CHEAP)
    assert router.labeling.wait(30)
    assert router.usage.outcomes() == []
    assert router.labeling.stats == LabelingStats(sampled=1, failed=1)


@pytest.mark.parametrize(
    ("labeling", "field"),
    [
        ({"challenger": CHEAP, "judge": costroute.ExactMatch()}, "labeling.challenger"),
        ({"challenger": REF}, "labeling.challenger"),  # the reference itself
        ({"challenger": "gpt-4o"}, "labeling.challenger"),  # not a deployment of the router
    ],
)
def test_a_challenger_needs_a_checker_and_another_deployment(
    router_factory: Any, tmp_path: Path, labeling: dict[str, Any], field: str
) -> None:
    with pytest.raises(ConfigError) as info:
        _router(router_factory, tmp_path, **labeling)
    assert info.value.field == field and info.value.fix


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Checker("not callable"), "labeling.judge.check"),  # type: ignore[arg-type]
        (lambda: Checker(right, "judge"), "labeling.judge.source"),  # means a comparison
        (lambda: Checker(right, "a@b"), "labeling.judge.source"),
        (lambda: Checker(right, " "), "labeling.judge.source"),
        (lambda: Labeling(max_usd=1, challenger=3), "labeling.challenger"),  # type: ignore[arg-type]
    ],
)
def test_bad_checker_configuration_names_the_field(make: Any, field: str) -> None:
    with pytest.raises(ConfigError) as info:
        make()
    assert info.value.field == field
