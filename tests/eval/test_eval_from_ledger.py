"""Retraining from the ledger: outcomes become pair labels by the documented rules (hand-computed
on a hand-made ledger, SQLite and PostgreSQL), ``router train --from-ledger`` trains and
calibrates and reports labels by source and held-out quality, per-deployment outcomes fill a
quality table, and the learning benchmark's quick run beats the shipped default."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from costroute.cli import main
from costroute.difficulty import LearnedEstimator
from costroute.errors import ConfigError
from costroute.eval._pair_labels import held_out_apgr
from costroute.eval.from_ledger import (
    DEFAULT_L2,
    LEDGER_L2S,
    atrain_from_ledger,
    pair_examples,
    quality_table_from_ledger,
    select_l2,
    train_from_ledger,
)
from costroute.ledger import CallRecord, Ledger, open_ledger
from costroute.policy import pair
from costroute.types import Usage

pytest.importorskip("numpy")

T0 = dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC)
ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data" / "zeroeval"


def call(
    rid: str,
    deployment: str,
    *,
    minute: int = 0,
    features: dict[str, float] | None = None,
    keep_features: bool = True,
    difficulty: float = 0.5,
    status: Any = "ok",
    category: str = "general",
) -> CallRecord:
    return CallRecord(
        request_id=rid,
        at=T0 + dt.timedelta(minutes=minute),
        deployment=deployment,
        model=f"m/{deployment}",
        provider="openai",
        policy="pair",
        difficulty=difficulty,
        category=category,
        usage=Usage(input_tokens=10, output_tokens=5),
        cost_usd=Decimal("0.001"),
        features=(features or {"length": 0.25}) if keep_features else None,
        status=status,
    )


def rate(ledger: Ledger, rid: str, **by_source: float) -> None:
    for source, score in by_source.items():
        ledger.feedback(rid, score, source=source, at=T0 + dt.timedelta(hours=1))


def test_outcomes_become_pair_labels_by_the_documented_rules(ledger_url: str) -> None:
    with open_ledger(ledger_url) as ledger:
        for i, dep in enumerate("WWWWWSSSOWW", 1):
            status = "error" if i == 11 else "ok"
            ledger.append(
                call(
                    f"c{i}",
                    dep,
                    minute=i,
                    status=status,
                    features={"length": i / 10},
                    keep_features=i != 10,
                )
            )
        rate(ledger, "c1", user=0, judge=0)  # weak wrong, reference better: strong 1, gain 1
        rate(ledger, "c2", user=0, judge=1)  # both wrong: strong 0, gain 0.5
        rate(ledger, "c3", user=1, judge=1)  # weak right: a tie (or a weak win), gain 0.5
        rate(ledger, "c4", judge=0)  # judge only: weak 0, strong 1
        rate(ledger, "c5", user=1, app=0.5)  # rating only: weak 0.75, strong imputed
        rate(ledger, "c6", user=1)  # strong-routed: weak imputed
        rate(ledger, "c7", user=0)
        rate(ledger, "c8", judge=1)  # a judge on the reference's own call: unused
        rate(ledger, "c9", user=1)  # another deployment
        rate(ledger, "c10", user=1)  # no features
        rate(ledger, "c11", user=0)  # an error
        pairs = pair_examples(ledger.outcomes(), "S", "W")
    got = {e.request_id: (e.routed, e.strong, e.weak, e.gain, e.imputed) for e in pairs.examples}
    s_mean, w_mean = 4 / 6, 1.75 / 5  # c1-c4, c6, c7 observe strong; c1-c5 weak
    assert (pairs.strong_mean, pairs.weak_mean) == pytest.approx((s_mean, w_mean))
    assert got == {
        "c1": ("weak", 1.0, 0.0, 1.0, False),
        "c2": ("weak", 0.0, 0.0, 0.5, False),
        "c3": ("weak", 1.0, 1.0, 0.5, False),
        "c4": ("weak", 1.0, 0.0, 1.0, False),
        "c5": ("weak", pytest.approx(s_mean), 0.75, pytest.approx((1 + s_mean - 0.75) / 2), True),
        "c6": ("strong", 1.0, pytest.approx(w_mean), pytest.approx((2 - w_mean) / 2), True),
        "c7": ("strong", 0.0, pytest.approx(w_mean), pytest.approx((1 - w_mean) / 2), True),
    }
    assert [e.request_id for e in pairs.examples] == [f"c{i}" for i in range(1, 8)]  # by time
    assert pairs.labels == {"user": 6, "judge": 4, "app": 1}
    assert pairs.skipped == {
        "judge_only_on_strong": 1,
        "other_deployment": 1,
        "no_features": 1,
        "not_ok": 1,
    }


def test_grades_of_the_other_deployments_answer_observe_both_sides(ledger_url: str) -> None:
    def grade(ledger: Ledger, rid: str, source: str, score: float) -> None:
        ledger.feedback(rid, score, source=source, at=T0 + dt.timedelta(hours=1))

    with open_ledger(ledger_url) as ledger:
        for i, dep in enumerate("WSSWWWS", 1):
            ledger.append(call(f"d{i}", dep, minute=i, features={"length": i / 10}))
        grade(ledger, "d1", "check", 0)  # a checker on both answers: weak 0, strong 1
        grade(ledger, "d1", "check@S", 1)
        grade(ledger, "d2", "check", 1)  # strong-routed, the challenger graded too: a tie
        grade(ledger, "d2", "check@W", 1)
        grade(ledger, "d3", "user", 0)  # the weak answer won: seen, gain 0
        grade(ledger, "d3", "tests@W", 1)
        grade(ledger, "d4", "user", 1)  # a grade of the strong answer outranks the judge's
        grade(ledger, "d4", "judge", 1)
        grade(ledger, "d4", "tests@S", 0)
        grade(ledger, "d5", "check@S", 1)  # only the other side: the own side is imputed
        grade(ledger, "d6", "user", 1)  # a grade of a deployment outside the pair: unused
        grade(ledger, "d6", "check@O", 0)
        grade(ledger, "d7", "check@W", 0)
        pairs = pair_examples(ledger.outcomes(), "S", "W")
    got = {
        e.request_id: (e.strong, e.weak, e.gain, e.strong_seen, e.weak_seen) for e in pairs.examples
    }
    s_mean, w_mean = 3 / 5, 4 / 6  # strong seen on d1-d5; weak on d1-d4, d6, d7
    assert (pairs.strong_mean, pairs.weak_mean) == pytest.approx((s_mean, w_mean))
    assert got == {
        "d1": (1.0, 0.0, 1.0, True, True),
        "d2": (1.0, 1.0, 0.5, True, True),
        "d3": (0.0, 1.0, 0.0, True, True),
        "d4": (0.0, 1.0, 0.0, True, True),
        "d5": (1.0, pytest.approx(w_mean), pytest.approx((2 - w_mean) / 2), True, False),
        "d6": (pytest.approx(s_mean), 1.0, pytest.approx(s_mean / 2), False, True),
        "d7": (pytest.approx(s_mean), 0.0, pytest.approx((1 + s_mean) / 2), False, True),
    }
    assert [e.imputed for e in pairs.examples] == [False] * 4 + [True] * 3
    assert pairs.labels == {
        "check": 2,
        "check@S": 2,
        "check@W": 2,
        "user": 3,
        "tests@W": 1,
        "tests@S": 1,
    }


def _synthetic_ledger(url: str, n: int = 240, seed: int = 3) -> None:
    """Calls whose ``math_terms`` feature decides who wins; recorded difficulty is noise."""
    rng = random.Random(seed)
    with open_ledger(url) as ledger:
        for i in range(n):
            hard = rng.random() < 0.5
            feats = {"length": rng.random(), "math_terms": 0.8 if hard else 0.1}
            dep = "S" if rng.random() < 0.5 else "W"
            rid = f"r{i}"
            ledger.append(call(rid, dep, minute=i, features=feats, difficulty=rng.random()))
            if dep == "S":
                rate(ledger, rid, user=float(rng.random() < 0.9))
            else:
                weak_right = rng.random() < (0.2 if hard else 0.9)
                rate(ledger, rid, user=float(weak_right))
                if rng.random() < 0.5:
                    rate(ledger, rid, judge=float(weak_right))


def test_router_train_from_ledger_trains_calibrates_and_reports(
    tmp_path: Path, capsys: Any
) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    _synthetic_ledger(url)
    out = tmp_path / "pair.json"
    argv = ["router", "train", "--from-ledger", url, "--strong", "S", "--weak", "W"]
    assert main([*argv, "--out", str(out), "--target-cost-share", "0.4"]) == 0
    captured = capsys.readouterr()
    line = json.loads(captured.out)
    assert line["examples"] == 240 and line["held_out"] == 48 and line["label"] == "gain"
    assert line["labels"]["user"] == 240 and line["labels"]["judge"] > 30
    assert line["heldout_after"] > line["heldout_before"] + 0.05  # it learned math_terms
    assert "labels used by source: judge" in captured.err and "held-out APGR" in captured.err
    est = LearnedEstimator.load(out)
    assert est.meta["calibration"]["target_cost_share"] == 0.4
    assert line["calibration"]["strong_share"] <= 0.4
    policy = pair("S", "W", estimator=out)  # ships as a pair router, threshold read from it
    assert policy is not None
    # --since after every outcome: nothing to train on
    assert main([*argv, "--out", str(out), "--since", "2027-01-01"]) == 2
    assert "too few to train" in capsys.readouterr().err
    # --learner gain: the one-regression fit, the same as the API's
    assert main([*argv, "--out", str(out), "--learner", "gain"]) == 0
    assert json.loads(capsys.readouterr().out)["learner"] == "gain"
    gain, _ = train_from_ledger(url, strong="S", weak="W", learner="gain")
    gain.save(tmp_path / "api.json")  # the file rounds the weights
    assert (
        LearnedEstimator.load(out).weights == LearnedEstimator.load(tmp_path / "api.json").weights
    )


@pytest.mark.parametrize(
    ("extra", "flag"),
    [
        (["--label", "pair"], "--label"),
        (["--data", "x.jsonl"], "--data"),
        (["--since", "last week"], "--since"),
        (["--holdout", "1.5"], "holdout"),
        (["--target-quality", "0.9", "--target-cost-share", "0.2"], "target_quality"),
    ],
)
def test_from_ledger_refuses_bad_flags(
    tmp_path: Path, capsys: Any, extra: list[str], flag: str
) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    argv = ["router", "train", "--from-ledger", url, "--strong", "S", "--weak", "W"]
    assert main([*argv, "--out", str(tmp_path / "w.json"), *extra]) == 2
    assert flag in capsys.readouterr().err
    assert not (tmp_path / "w.json").exists()


def test_jsonl_training_refuses_ledger_only_flags(tmp_path: Path, capsys: Any) -> None:
    assert main(["router", "train", "--out", str(tmp_path / "w.json")]) == 2
    assert "--from-ledger" in capsys.readouterr().err
    argv = ["router", "train", "--data", "d.jsonl", "--out", str(tmp_path / "w.json")]
    assert main([*argv, "--since", "2026-11-01"]) == 2
    assert main([*argv, "--learner", "gain"]) == 2
    assert "--learner" in capsys.readouterr().err


async def test_api_and_async_twin_agree(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    _synthetic_ledger(url, n=120)
    since = T0 + dt.timedelta(minutes=30)
    est, report = train_from_ledger(url, strong="S", weak="W", since=None, holdout=0.25)
    aest, areport = await atrain_from_ledger(url, strong="S", weak="W", holdout=0.25)
    assert est.weights == aest.weights and report == areport
    # since/until filter by when the outcome was recorded: all at T0 + 1h here
    _, later = train_from_ledger(url, strong="S", weak="W", since=since)
    assert later.examples == 120 and later.since == since.isoformat()


def test_per_deployment_outcomes_fill_the_quality_table(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    with open_ledger(url) as ledger:
        plan = [("A", 0.2, 1), ("A", 0.2, 1), ("A", 0.2, 0), ("B", 0.8, 0), ("B", 0.8, 1)]
        for i, (dep, diff, score) in enumerate(plan):
            ledger.append(call(f"q{i}", dep, minute=i, difficulty=diff))
            rate(ledger, f"q{i}", user=score)
        ledger.append(call("q9", "A", minute=9))
        rate(ledger, "q9", judge=0)  # a judge score grades against a reference: left out
    table = quality_table_from_ledger(url, models={"A": "model-a"}, buckets=1, prior=0)
    assert set(table.models) == {"model-a", "B"}
    assert table.predict("general", 0.5) == pytest.approx({"model-a": 2 / 3, "B": 0.5})
    assert table.meta["n_calls"] == 5


def test_grades_of_another_deployments_answer_fill_its_cells(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    with open_ledger(url) as ledger:
        for i, (mine, theirs) in enumerate([(1, 0), (1, 1), (0, 0), (1, 0)]):
            ledger.append(call(f"g{i}", "A", minute=i))
            rate(ledger, f"g{i}", check=mine)
            ledger.feedback(f"g{i}", theirs, source="check@B", at=T0 + dt.timedelta(hours=1))
        ledger.feedback("g0", 1, source="judge@B", at=T0 + dt.timedelta(hours=1))  # a comparison
    table = quality_table_from_ledger(url, buckets=1, prior=0, min_items=1)
    assert table.predict("general", 0.5) == pytest.approx({"A": 3 / 4, "B": 1 / 4})
    assert table.meta["n_calls"] == 4


@pytest.mark.skipif(not (SHARED / "items.csv").exists(), reason="needs ../shared/data/zeroeval")
def test_learning_benchmark_quick_runs_the_loop_and_reports(capsys: Any) -> None:
    spec = importlib.util.spec_from_file_location("learning", ROOT / "benchmarks" / "learning.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--quick"]) == 0
    out = capsys.readouterr().out
    default = float(out.split("default estimator APGR ")[1].split(";")[0])
    assert default == pytest.approx(0.6441, abs=1e-4)  # the levels estimator (issue 15)
    rows = {
        line.split()[0]: line.split() for line in out.splitlines() if line[:6].strip().isdigit()
    }
    assert set(rows) == {"100", "300"}
    row = rows["300"]
    calls, judged, label_usd = int(row[1]), int(row[3]), float(row[4])
    # the checker grades both answers of every call: two labels a call
    assert calls == judged == 150 and label_usd > 0
    assert float(row[8]) in LEDGER_L2S  # cross-validated: every call observes both sides
    # the loop trains on exactly what offline training on the same labels sees
    assert float(row[5]) - float(row[11]) == pytest.approx(float(row[-1]), abs=2e-4)
    assert float(row[-1]) == pytest.approx(0.0, abs=2e-4)
    assert "labels by source at 300 (seed 0): {'check': 150," in out
    assert "at   300 labels: " in out  # the paired interval against the default
    # the comparing judge: weak calls only, one-sided ratings elsewhere, the default penalty
    assert module.main(["--quick", "--judge", "compare", "--label-rate", "0.5"]) == 0
    out = capsys.readouterr().out
    row = next(line.split() for line in out.splitlines() if line.startswith("   300 "))
    calls, judged = int(row[1]), int(row[3])
    assert 150 < calls < 300 and 0 < judged < calls and row[8] == f"{DEFAULT_L2:g}"
    assert "labels by source at 300 (seed 0): {'user':" in out


@pytest.mark.skipif(not (SHARED / "items.csv").exists(), reason="needs ../shared/data/zeroeval")
def test_learning_benchmark_pool_learns_from_per_deployment_outcomes(capsys: Any) -> None:
    spec = importlib.util.spec_from_file_location("learning", ROOT / "benchmarks" / "learning.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--pool", "--labels", "100"]) == 0
    rows = {line.split()[0]: line.split()[1:] for line in capsys.readouterr().out.splitlines()[-4:]}
    # the table starts flat (the cheapest, deepseek-v2.5, everywhere: 0.753 on TEST); 100
    # ratings through the loop move it to better picks
    assert float(rows["100"][0]) > 0.76
    assert float(rows["shipped"][0]) == pytest.approx(0.8139, abs=1e-4)


def test_too_few_older_calls_give_no_after_figure_but_still_train(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    _synthetic_ledger(url, n=11)
    est, report = train_from_ledger(url, strong="S", weak="W", holdout=0.2)
    assert (report.examples, report.held_out, report.heldout_after) == (11, 2, None)
    assert est.meta["n_records"] == 11  # the shipped estimator uses every call


def test_l2_auto_cross_validates_when_most_calls_observe_both_sides(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    rng = random.Random(5)
    with open_ledger(url) as ledger:
        for i in range(120):
            hard = rng.random() < 0.5
            dep, other = ("S", "W") if rng.random() < 0.3 else ("W", "S")
            feats = {"length": rng.random(), "math_terms": 0.8 if hard else 0.1}
            ledger.append(call(f"a{i}", dep, minute=i, features=feats))
            weak = float(rng.random() < (0.2 if hard else 0.9))
            strong = float(rng.random() < 0.9)
            own, theirs = (strong, weak) if dep == "S" else (weak, strong)
            rate(ledger, f"a{i}", check=own)
            if i % 3:  # two calls in three observe both sides
                at = T0 + dt.timedelta(hours=1)
                ledger.feedback(f"a{i}", theirs, source=f"check@{other}", at=at)
    auto = train_from_ledger(url, strong="S", weak="W", folds=4)[1]
    forced = train_from_ledger(url, strong="S", weak="W", folds=4, l2=None)[1]
    assert auto.cv is not None and auto.cv == forced.cv and auto.l2 == forced.l2


def test_l2_is_the_default_unless_cross_validated_on_the_calls(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    _synthetic_ledger(url)
    est, report = train_from_ledger(url, strong="S", weak="W")
    assert (report.l2, report.cv, est.meta["l2"]) == (DEFAULT_L2, None, DEFAULT_L2)
    assert f"L2 {DEFAULT_L2:g}" in "\n".join(report.lines())
    cv_est, cv_report = train_from_ledger(url, strong="S", weak="W", l2=None, folds=4)
    assert cv_report.cv is not None and cv_report.cv["measured"] and cv_report.cv["folds"] == 4
    assert [c for c, _ in cv_report.cv["cv_apgr"]] == sorted(LEDGER_L2S, reverse=True)
    figures = dict(cv_report.cv["cv_apgr"])
    assert cv_report.l2 == cv_est.meta["l2"] == max(figures, key=lambda c: (figures[c], c))
    assert "fold CV APGR" in "\n".join(cv_report.lines())
    assert json.loads(json.dumps(cv_report.to_dict()))["cv"]["l2"] == cv_report.l2
    # the penalty changes the fit: a different l2 gives different weights
    assert train_from_ledger(url, strong="S", weak="W", l2=0.01)[0].weights != est.weights
    with pytest.raises(ConfigError) as err:
        train_from_ledger(url, strong="S", weak="W", l2=0)
    assert err.value.field == "l2"


def test_select_l2_is_deterministic_and_falls_back_when_it_cannot_measure(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    _synthetic_ledger(url)
    with open_ledger(url) as ledger:
        ex = pair_examples(ledger.outcomes(), "S", "W").examples
    first = select_l2(ex, l2s=(0.01, 1.0), seed=1)
    assert first == select_l2(ex, l2s=(1.0, 0.01), seed=1) and first.measured
    assert first.l2 in (0.01, 1.0) and all(a is not None for _, a in first.cv_apgr)
    few = select_l2(ex[:9])
    assert (few.l2, few.measured) == (DEFAULT_L2, False)
    # the weak model as good as the strong one on every call: APGR is undefined, nothing to pick
    tie = [dataclasses.replace(e, strong=e.weak) for e in ex]
    assert held_out_apgr([0.5] * len(tie), tie) is None
    assert select_l2(tie, l2s=(0.1,)).measured is False
    for kwargs, field in (({"l2s": ()}, "l2s"), ({"l2s": (0.0,)}, "l2s"), ({"folds": 1}, "folds")):
        with pytest.raises(ConfigError) as err:
            select_l2(ex, **kwargs)
        assert err.value.field == field
