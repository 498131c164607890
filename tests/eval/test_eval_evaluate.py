"""evaluate(), calibrate(), load_jsonl() and leave-one-task-out CV."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from costroute.difficulty import CallableEstimator, HeuristicEstimator
from costroute.errors import ConfigError
from costroute.eval import Record, calibrate, costs_of, evaluate, load_jsonl
from costroute.eval.cv import leave_one_task_out
from costroute.eval.data import dump_jsonl


def rec(i: int, strong: float, weak: float, task: str = "t", **costs: float) -> Record:
    return Record(
        str(i),
        ({"role": "user", "content": f"q{i}"},),
        {"s": strong, "w": weak},
        task,
        dict(costs),
    )


RECORDS = [rec(0, 1, 0), rec(1, 1, 1), rec(2, 0, 1), rec(3, 1, 0)]
SCORES = [0.9, 0.5, 0.1, 0.3]


def test_evaluate_matches_the_metrics() -> None:
    r = evaluate(RECORDS, SCORES, "s", "w")
    assert (r.n, r.strong_quality, r.weak_quality) == (4, 0.75, 0.5)
    assert r.apgr == pytest.approx(1.125)
    assert (r.cpt50, r.cpt80) == (pytest.approx(0.125), pytest.approx(0.2))
    assert r.random.apgr == pytest.approx(0.5)
    assert r.oracle.apgr >= r.apgr
    assert r.cost_basis == "calls"
    assert json.loads(json.dumps(r.to_dict()))["random"]["cpt50"] == pytest.approx(0.5)


def test_evaluate_errors() -> None:
    with pytest.raises(ConfigError, match="3 router scores for 4 records"):
        evaluate(RECORDS, SCORES[:3], "s", "w")
    with pytest.raises(ConfigError, match="no score for model 'x'"):
        evaluate(RECORDS, SCORES, "x", "w")
    with pytest.raises(ConfigError, match="not above") as info:
        evaluate(RECORDS, SCORES, "w", "w")
    assert info.value.field == "strong/weak"


def test_costs_of() -> None:
    with_costs = [rec(0, 1, 0, s=2.0, w=1.0), rec(1, 1, 0, s=4.0, w=0.5)]
    assert costs_of(with_costs, "s", "w") == [(2.0, 1.0), (4.0, 0.5)]
    assert costs_of(RECORDS, "s", "w") is None
    assert (
        evaluate(with_costs, [1, 0], "s", "w", costs_of(with_costs, "s", "w")).cost_basis == "usd"
    )


def test_calibrate_for_quality_and_for_cost_share() -> None:
    c = calibrate(RECORDS, SCORES, "s", "w", target_quality=0.95)
    assert (c.threshold, c.strong_share, c.quality_fraction) == (0.9, 0.25, 1.0)
    c = calibrate(RECORDS, SCORES, "s", "w", target_cost_share=0.6)
    assert (c.threshold, c.strong_share) == (0.5, 0.5)
    c = calibrate(RECORDS, SCORES, "s", "w", target_cost_share=0.0)
    assert c.strong_share == 0.0 and c.threshold > max(SCORES)
    c = calibrate(RECORDS, [0.5] * 4, "s", "w", target_quality=0.9)
    assert (c.threshold, c.strong_share) == (0.5, 1.0)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"target_quality": 0.9, "target_cost_share": 0.2}, {"target_quality": 1.5}],
)
def test_calibrate_needs_one_valid_target(kwargs: Any) -> None:
    with pytest.raises(ConfigError):
        calibrate(RECORDS, SCORES, "s", "w", **kwargs)


def test_jsonl_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    records = [rec(0, 1, 0, s=0.01, w=0.001), rec(1, 0.5, 1, task="other")]
    assert dump_jsonl(records, path) == 2
    path.write_text(path.read_text() + "\n\n")
    assert load_jsonl(path) == records


@pytest.mark.parametrize(
    ("line", "match"),
    [
        ("{oops", "invalid JSON"),
        ("[]", "must be a JSON object"),
        ('{"messages": [], "scores": {"a": 1}}', "non-empty list"),
        ('{"messages": ["hi"], "scores": {"a": 1}}', "with 'content'"),
        ('{"messages": [{"content": "hi"}], "scores": {}}', "empty"),
        ('{"messages": [{"content": "hi"}], "scores": {"a": 2}}', "outside"),
        ('{"messages": [{"content": "hi"}], "scores": {"a": "1"}}', "must be a number"),
        ('{"messages": [{"content": "hi"}], "scores": [1]}', "object of model"),
    ],
)
def test_load_jsonl_names_the_bad_line(tmp_path: Path, line: str, match: str) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"id": "ok", "messages": [{"content": "x"}], "scores": {"a": 1}}\n' + line)
    with pytest.raises(ConfigError, match=match) as info:
        load_jsonl(path)
    assert f"{path}:2" in str(info.value)


def test_load_jsonl_missing_or_empty(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Cannot read"):
        load_jsonl(tmp_path / "absent.jsonl")
    (tmp_path / "e.jsonl").write_text("\n")
    with pytest.raises(ConfigError, match="no record"):
        load_jsonl(tmp_path / "e.jsonl")


def test_leave_one_task_out() -> None:
    records = [rec(i, 1, i % 2, task=("a", "b")[i % 2]) for i in range(4)]
    records += [rec(10, 1, 0, task="a"), rec(11, 1, 0, task="b")]
    fits: list[int] = []

    def fit(train: Any) -> CallableEstimator:
        fits.append(len(train))
        return CallableEstimator(lambda m: 0.5)

    cv = leave_one_task_out(records, fit, [("s", "w")])
    assert cv["tasks"] == ["a", "b"] and fits == [3, 3]
    assert cv["mean"]["s>w"] == pytest.approx(0.5)
    assert cv["pooled"]["s>w"] == pytest.approx(0.5)
    with pytest.raises(ConfigError, match="task"):
        leave_one_task_out(
            [rec(0, 1, 0, task=None)],
            lambda r: HeuristicEstimator(),
            [("s", "w")],  # type: ignore[arg-type]
        )
