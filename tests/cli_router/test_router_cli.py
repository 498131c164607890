"""``costroute router train | eval`` on small synthetic JSON-lines files."""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import pytest

from costroute.cli._router_cmd import Progress, add_router_command

pytest.importorskip("numpy")


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="costroute")
    add_router_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return int(args.func(args))


@pytest.fixture
def data(tmp_path: Path) -> Path:
    rng = random.Random(1)
    path = tmp_path / "train.jsonl"
    with path.open("w") as f:
        for i in range(200):
            hard = rng.random() < 0.5
            text = (
                f"Prove that x^2 + {i} has no integer root mod 4, step by step."
                if hard
                else f"hello {i}"
            )
            scores = {
                "big": 1.0,
                "mid": float(not hard or rng.random() < 0.5),
                "small": float(not hard or rng.random() < 0.1),
            }
            costs = {"big": 0.01, "mid": 0.002, "small": 0.0002}
            f.write(
                json.dumps(
                    {
                        "id": f"q{i}",
                        "messages": [{"role": "user", "content": text}],
                        "scores": scores,
                        "costs": costs,
                    }
                )
                + "\n"
            )
    return path


def test_train_then_eval_pair_with_scores_and_calibration(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    weights = tmp_path / "w.json"
    assert (
        run(
            "router",
            "train",
            "--data",
            str(data),
            "--out",
            str(weights),
            "--strong",
            "big",
            "--weak",
            "small",
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["label"] == "weak_fails"
    scores = tmp_path / "scores.jsonl"
    code = run(
        "router",
        "eval",
        "--data",
        str(data),
        "--estimator",
        str(weights),
        "--strong",
        "big",
        "--weak",
        "small",
        "--json",
        "--scores-out",
        str(scores),
        "--target-quality",
        "0.95",
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 200 and out["cost_basis"] == "usd"
    assert out["apgr"] > out["random"]["apgr"]
    for key in ("cpt50", "cpt80", "cost_saved_at_95", "strong_quality", "weak_quality"):
        assert key in out
    lines = [json.loads(x) for x in scores.read_text().splitlines()]
    assert len(lines) == 200 and set(lines[0]) == {"id", "score"}
    meta = json.loads(weights.read_text())["meta"]
    assert meta["calibration"]["threshold"] == out["calibration"]["threshold"]
    # the calibrated file still loads as weights
    from costroute.difficulty import LearnedEstimator

    assert LearnedEstimator.load(weights).meta["calibration"]["target_quality"] == 0.95


def test_eval_pair_text_and_default_estimator(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("router", "eval", "--data", str(data), "--strong", "big", "--weak", "small") == 0
    out = capsys.readouterr()
    assert "APGR" in out.out and "random" in out.out and "scoring: 200/200" in out.err
    assert run("router", "eval", "--data", str(data)) == 2


def test_policy_eval_with_plot_and_calibration(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "tiered.py"
    policy.write_text(
        "from costroute.policy import balanced\n\nPARAMS = {'hard_from': 0.6}\n"
        "SWEEP = {'hard_from': [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]}\n\n"
        "def make_policy(hard_from=0.6):\n    return balanced(easy_below=min(0.1, hard_from), hard_from=hard_from)\n"
    )
    html = tmp_path / "plot.html"
    code = run(
        "router",
        "eval",
        "--data",
        str(data),
        "--policy",
        str(policy),
        "--plot",
        str(html),
        "--target-cost-share",
        "0.5",
        "--json",
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["reference"] == "big" and set(out["singles"]) == {"big", "mid", "small"}
    assert (
        len(out["sweep"]) == 6
        and out["frontier"]
        and out["oracle"]["accuracy"] >= out["singles"]["big"]["accuracy"]
    )
    assert out["calibration"]["cost_share"] <= 0.5
    assert f"'hard_from': {out['calibration']['hard_from']}" in policy.read_text()
    assert "<svg" in html.read_text()
    assert run("router", "eval", "--data", str(data), "--policy", str(policy)) == 0
    assert "frontier" in capsys.readouterr().out


def test_both_targets_refused(data: Path) -> None:
    assert (
        run(
            "router",
            "eval",
            "--data",
            str(data),
            "--strong",
            "big",
            "--weak",
            "small",
            "--target-quality",
            "0.9",
            "--target-cost-share",
            "0.2",
        )
        == 2
    )


def test_plain_progress_counter() -> None:
    import io

    buf = io.StringIO()
    p = Progress("x", buf)
    for i in range(1, 101):
        p(i, 100)
    assert (
        buf.getvalue().splitlines()[-1] == "x: 100/100" and len(buf.getvalue().splitlines()) == 11
    )
