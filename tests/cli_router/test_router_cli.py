"""``costroute router train | eval`` on small synthetic JSON-lines files."""

from __future__ import annotations

import io
import json
import random
import sys
from pathlib import Path

import pytest

from costroute.cli import main
from costroute.cli._router_io import Progress

pytest.importorskip("numpy")


def run(*argv: str) -> int:
    """The real entry point: a CostrouteError is one line on stderr and exit code 2."""
    return main(list(argv))


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
    captured = capsys.readouterr()
    trained = json.loads(captured.out)
    # Cross-validation ran by default for a pair: its table on stderr, its pick on stdout.
    assert trained["label"] == trained["cv"]["chosen"]["label"]
    assert trained["cv"]["folds"] == 5 and len(trained["cv"]["table"]) == 21
    assert "5-fold CV on the training data (seed 0)" in captured.err
    lo, hi = trained["cv"]["apgr_ci"]
    assert lo <= trained["cv"]["chosen"]["apgr"] <= hi
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
    params = tmp_path / "tiered.params.json"
    assert out["calibration"]["written_to"] == str(params)
    assert json.loads(params.read_text()) == {"hard_from": out["calibration"]["hard_from"]}
    assert policy.read_text().startswith(
        "from costroute.policy import balanced\n\nPARAMS = {'hard_from': 0.6}"
    )
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


POLICY = (
    "from costroute.policy import balanced\n\nPARAMS = {'hard_from': 0.6}\n"
    "SWEEP = {'hard_from': [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]}\n\n"
    "def make_policy(hard_from=0.6):\n"
    "    return balanced(easy_below=min(0.1, hard_from), hard_from=hard_from)\n"
)


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "tiered.py"
    path.write_text(POLICY)
    return path


@pytest.fixture
def files(tmp_path: Path, data: Path, policy: Path) -> dict[str, str]:
    """Paths the bad invocations below refer to, by name."""
    prices = tmp_path / "prices.csv"
    prices.write_text("model,input,output\nbig,2.5,10\nmid,0.5,2\n")  # no row for small
    (tmp_path / "bad.csv").write_text("not,a,csv\n1,2,3\n")
    nosweep = tmp_path / "nosweep.py"
    nosweep.write_text("from costroute.policy import balanced\n\npolicy = balanced()\n")
    (tmp_path / "afile").write_text("x")
    return {
        "DATA": str(data),
        "POLICY": str(policy),
        "PRICES": str(prices),
        "BADCSV": str(tmp_path / "bad.csv"),
        "NOCSV": str(tmp_path / "nonexist.csv"),
        "NOSWEEP": str(nosweep),
        "UNDERFILE": str(tmp_path / "afile" / "out.jsonl"),
        "UNDERFILE_HTML": str(tmp_path / "afile" / "plot.html"),
        "OUT": str(tmp_path / "w.json"),
    }


BAD = [
    # (argv, text the one-line error must contain)
    ("eval --data DATA --policy POLICY --prices NOCSV", "Cannot read prices"),
    ("eval --data DATA --policy POLICY --prices BADCSV", "has columns not, a, csv"),
    ("eval --data DATA --policy POLICY --prices PRICES", "no price for 1 of the 3 models: 'small'"),
    ("eval --data DATA --policy POLICY --models nosuch,big --prices PRICES", "'nosuch'"),
    ("eval --data DATA --policy POLICY --models big,,small", "empty name"),
    ("eval --data DATA --policy POLICY --scores-out UNDERFILE", "is not a folder"),
    ("eval --data DATA --policy POLICY --plot UNDERFILE_HTML", "is not a folder"),
    ("eval --data DATA --policy POLICY --plot frontier.gif", "unknown file type .gif"),
    ("eval --data DATA --policy POLICY --scores-out DATA", "same file as --data"),
    ("eval --data DATA --policy POLICY --target-quality 1.5", "outside [0, 1]"),
    ("eval --data DATA --policy POLICY --target-cost-share -1", "outside [0, 1]"),
    ("eval --data DATA --policy POLICY --target-cost-share 2", "outside [0, 1]"),
    ("eval --data DATA --policy POLICY --target-quality nan", "outside [0, 1]"),
    ("eval --data DATA --policy NOSWEEP --target-quality 0.9", "has no SWEEP"),
    ("eval --data DATA --policy POLICY --strong big", "not to --policy"),
    ("eval --data DATA --policy POLICY --weak small", "not to --policy"),
    ("eval --data DATA --strong big --weak small --target-quality 1.5", "outside [0, 1]"),
    ("eval --data DATA --strong big --weak small --models big", "--models applies to"),
    ("eval --data DATA --strong big --weak small --prices PRICES", "--prices applies to"),
    ("eval --data DATA --strong big --weak small --scores-out UNDERFILE", "is not a folder"),
    ("eval --data DATA --strong big --weak small --plot curve.txt", "unknown file type .txt"),
    ("eval --data DATA --strong nosuch --weak small", "no score for model 'nosuch'"),
    ("eval --data DATA --strong big --weak big", "same model 'big'"),
    ("eval --data DATA --strong small --weak big", "not above"),
    ("eval --data DATA", "needs --strong and --weak"),
    (
        "eval --data DATA --strong big --weak small --target-quality 0.9 --target-cost-share 0.2",
        "not both",
    ),
    ("train --data DATA --out OUT --strong nosuch --weak small", "no score for model 'nosuch'"),
    ("train --data DATA --out OUT --strong big --weak nosuch", "no score for model 'nosuch'"),
    ("train --data DATA --out OUT --vocab-size -5", "--vocab-size -5 is negative"),
    ("train --data DATA --out OUT --strong big", "--strong needs --weak"),
    ("train --data DATA --out OUT --label hardness --weak small", "not --strong/--weak"),
    ("train --data DATA --out OUT --label pair --weak small", "needs --strong and --weak"),
    ("train --data DATA --out OUT --label gain --weak small", "needs --strong and --weak"),
    ("train --data DATA --out OUT --cv", "--cv scores candidates by the APGR of a pair"),
    ("train --data DATA --out OUT --strong big --weak small --folds 1", "need at least 2 folds"),
    ("eval --data DATA --strong big --weak small --resamples -1", "--resamples -1 is negative"),
    ("train --data DATA --out UNDERFILE", "is not a folder"),
    ("train --data DATA --out DATA", "same file as --data"),
]


@pytest.mark.parametrize("argv,expected", BAD, ids=[a for a, _ in BAD])
def test_bad_input_is_one_clean_line_before_any_work(
    argv: str, expected: str, files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    words = ["router", *(files.get(w, w) for w in argv.split())]
    before = {p: Path(p).read_bytes() for p in (files["DATA"], files["POLICY"])}
    assert run(*words) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("costroute: ") and err.count("\n") == 1, err
    assert expected in err and "Traceback" not in err and "Fix: " in err
    assert ".." not in err.replace("...", ""), err
    assert "scoring:" not in err and "sweep:" not in err  # refused before the long work
    assert {p: Path(p).read_bytes() for p in before} == before  # inputs untouched
    assert not Path(files["OUT"]).exists()


def test_train_names_the_missing_key_and_lists_valid_ones(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("router", "train", "--data", files["DATA"], "--out", files["OUT"],
               "--strong", "nosuch", "--weak", "small") == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "(field: --strong)" in err and "big, mid, small" in err


def test_png_without_matplotlib_is_refused_up_front(
    files: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails as if not installed
    for mode in (["--policy", files["POLICY"]], ["--strong", "big", "--weak", "small"]):
        assert run("router", "eval", "--data", files["DATA"], *mode, "--plot", "x.png") == 2
        err = capsys.readouterr().err
        assert "need matplotlib" in err.replace("needs", "need") and "scoring:" not in err


def test_missing_output_folders_are_created(
    tmp_path: Path, data: Path, policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = tmp_path / "new" / "deeper"
    assert run("router", "eval", "--data", str(data), "--strong", "big", "--weak", "small",
               "--scores-out", str(deep / "s.jsonl"), "--plot", str(deep / "p.svg")) == 0  # fmt: skip
    assert len((deep / "s.jsonl").read_text().splitlines()) == 200
    assert (deep / "p.svg").read_text().startswith("<svg")
    other = tmp_path / "other" / "x"
    assert run("router", "eval", "--data", str(data), "--policy", str(policy),
               "--scores-out", str(other / "s.jsonl"), "--plot", str(other / "p.html")) == 0  # fmt: skip
    assert (other / "p.html").read_text().startswith("<!doctype html>")
    capsys.readouterr()


def test_pair_mode_plot_shows_router_random_and_oracle(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "curve.html"
    code = run("router", "eval", "--data", str(data), "--strong", "big", "--weak", "small",
               "--plot", str(page), "--target-quality", "0.95", "--json")  # fmt: skip
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["plot"] == str(page)
    html = page.read_text()
    assert html.startswith("<!doctype html>") and html.count("<svg") == 1
    assert "http" not in html.replace("http://www.w3.org/2000/svg", "")  # self-contained
    assert f"router (APGR {out['apgr']:.3f})" in html
    assert "random (APGR 0.500)" in html and "oracle (APGR" in html
    assert html.count("<polyline") == 5  # router, random, oracle, strong and weak levels
    assert "calibrated" in html and f"{out['apgr']:.4f}" in html  # point and figures table


def test_policy_mode_scores_out_is_the_estimators_score(
    tmp_path: Path, data: Path, policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from costroute.difficulty import default_estimator
    from costroute.eval import load_jsonl

    scores = tmp_path / "scores.jsonl"
    assert run("router", "eval", "--data", str(data), "--policy", str(policy),
               "--scores-out", str(scores)) == 0  # fmt: skip
    rows = [json.loads(x) for x in scores.read_text().splitlines()]
    records = load_jsonl(data)
    est = default_estimator()
    assert [r["id"] for r in rows] == [r.id for r in records]
    assert [r["score"] for r in rows] == [est.estimate(r.messages).score for r in records]
    capsys.readouterr()


UNREACHABLE = (
    "from costroute.policy import balanced\n\n"
    "# the calibrated value goes below\n"
    "PARAMS = {\n"
    '    "hard_from": 0.6,  # chosen on train\n'
    '    "note": "keep me",\n'
    "}\n"
    'SWEEP = {"hard_from": [0.9, 0.95, 1.0]}  # only values that rarely call big\n\n\n'
    'def make_policy(hard_from=0.6, note=""):\n'
    "    return balanced(easy_below=min(0.1, hard_from), hard_from=hard_from)\n"
)


@pytest.mark.parametrize(
    "target,closest",
    [
        (("--target-quality", "0.95"), "the most accurate, hard_from=0.9"),
        (("--target-cost-share", "0.01"), "the cheapest, hard_from="),
    ],
)
def test_unreachable_target_refuses_and_leaves_the_file(
    tmp_path: Path,
    data: Path,
    target: tuple[str, str],
    closest: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "strict.py"
    path.write_text(UNREACHABLE)
    before = path.read_bytes()
    assert run("router", "eval", "--data", str(data), "--policy", str(path), *target, "--json") == 2
    out, err = capsys.readouterr()
    last = err.splitlines()[-1]  # after the progress counters: one line of error
    assert out == "" and "Traceback" not in err and last.startswith("costroute: No hard_from")
    assert closest in last and "Nothing was written" in err
    assert "lower the target to at most" in err or "raise the target to at least" in err
    assert path.read_bytes() == before
    assert not (tmp_path / "strict.params.json").exists()


def test_calibration_writes_a_params_file_and_leaves_the_policy_file(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "styled.py"
    path.write_text(UNREACHABLE)
    before = path.read_bytes()
    assert run("router", "eval", "--data", str(data), "--policy", str(path),
               "--target-cost-share", "0.5", "--json") == 0  # fmt: skip
    value = json.loads(capsys.readouterr().out)["calibration"]["hard_from"]
    assert value in (0.9, 0.95, 1.0)
    assert path.read_bytes() == before
    assert json.loads((tmp_path / "styled.params.json").read_text()) == {"hard_from": value}
    from costroute.policy import load_policy_file

    assert load_policy_file(path).params == {"hard_from": value, "note": "keep me"}


def test_calibration_refuses_a_params_file_that_is_another_output(
    tmp_path: Path, data: Path, policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plot = str(tmp_path / "tiered.params.json")
    assert run("router", "eval", "--data", str(data), "--policy", str(policy),
               "--plot", plot, "--target-cost-share", "0.5") == 2  # fmt: skip
    assert "is the same file as its params file" in capsys.readouterr().err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("mode", ["pair", "policy", "train"])
def test_json_stdout_is_exactly_json_under_a_terminal(
    mode: str,
    tmp_path: Path,
    data: Path,
    policy: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("rich")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    argv = {
        "pair": ["eval", "--data", str(data), "--strong", "big", "--weak", "small", "--json"],
        "policy": ["eval", "--data", str(data), "--policy", str(policy), "--json"],
        "train": ["train", "--data", str(data), "--out", str(tmp_path / "w.json")],
    }[mode]
    assert run("router", *argv) == 0
    out = capsys.readouterr().out
    obj = json.loads(out)
    assert out == (json.dumps(obj) if mode == "train" else json.dumps(obj, indent=2)) + "\n"
    if mode != "train":
        assert "scoring" in terminal.getvalue()  # the bar went to stderr


def test_rich_bar_writes_to_its_stream_not_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("rich")
    terminal = _Terminal()
    with Progress("scoring", terminal) as progress:
        for i in range(1, 51):
            progress(i, 50)
    assert capsys.readouterr().out == ""
    assert "scoring" in terminal.getvalue()
    stopped = _Terminal()
    with Progress("half", stopped) as progress:
        progress(1, 10)  # left early: the context manager stops the bar
    assert progress._bar is None and capsys.readouterr().out == ""


def test_unwritable_outputs_are_refused_before_scoring(
    tmp_path: Path,
    data: Path,
    policy: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os

    locked = tmp_path / "locked"
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != locked and real_access(p, mode))
    locked.mkdir()
    for mode in (["--policy", str(policy)], ["--strong", "big", "--weak", "small"]):
        for flag, name in (("--scores-out", "s.jsonl"), ("--plot", "p.html")):
            argv = ["router", "eval", "--data", str(data), *mode, flag, str(locked / name)]
            assert run(*argv) == 2
            err = capsys.readouterr().err
            assert "permission denied" in err and "scoring:" not in err


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc (Linux)")
def test_output_that_cannot_be_created_is_refused_before_scoring(
    data: Path, policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (
        ["eval", "--data", str(data), "--strong", "big", "--weak", "small",
         "--scores-out", "/proc/costroute-none/s.jsonl"],
        ["eval", "--data", str(data), "--policy", str(policy), "--plot", "/proc/costroute-none/p.svg"],
        ["train", "--data", str(data), "--out", "/proc/costroute-none/w.json"],
    ):  # fmt: skip
        assert run("router", *argv) == 2
        err = capsys.readouterr().err
        assert "Cannot write" in err and "scoring:" not in err and "Traceback" not in err


def test_the_estimator_is_named_and_a_policy_brings_its_own(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ("router", "eval", "--data", str(data))
    assert run(*base, "--strong", "big", "--weak", "small", "--estimator", "learned", "--json") == 0
    assert json.loads(capsys.readouterr().out)["estimator"] == "learned"
    assert run(*base, "--strong", "big", "--weak", "small", "--json") == 0
    assert json.loads(capsys.readouterr().out)["estimator"] == "levels (default)"
    policy = tmp_path / "own.py"
    policy.write_text(
        "from costroute.policy import Rules\npolicy = Rules(name='own', estimator='learned')\n"
    )
    assert run(*base, "--policy", str(policy), "--json") == 0
    assert json.loads(capsys.readouterr().out)["estimator"] == "learned (the policy's own)"
    weights = tmp_path / "w.json"
    assert run("router", "train", "--data", str(data), "--out", str(weights)) == 0
    capsys.readouterr()
    policy.write_text(
        f"from costroute.policy import Rules\npolicy = Rules(name='own', estimator={str(weights)!r})\n"
    )
    assert run(*base, "--policy", str(policy), "--json") == 0
    assert json.loads(capsys.readouterr().out)["estimator"] == f"{weights} (the policy's own)"
    assert run(*base, "--policy", str(policy), "--estimator", "heuristic") == 0
    assert "estimator: heuristic" in capsys.readouterr().out  # --estimator wins
    assert run(*base, "--strong", "big", "--weak", "small", "--estimator", "nope") == 2
    assert "Unknown estimator 'nope'" in capsys.readouterr().err


def test_calibrating_a_built_in_estimator_is_refused(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ("router", "eval", "--data", str(data), "--strong", "big", "--weak", "small")
    assert run(*argv, "--estimator", "learned", "--target-cost-share", "0.3") == 2
    err = capsys.readouterr().err
    assert "names a built-in estimator" in err and "--estimator" in err
    assert not Path("learned").exists()


def test_a_calibrated_weights_file_ships_as_a_pair(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import costroute
    from costroute.catalog import Prices
    from costroute.eval.policy_eval import deployments_for
    from costroute.policy import pair

    weights = tmp_path / "w.json"
    train = ("router", "train", "--data", str(data), "--out", str(weights))
    assert run(*train, "--strong", "big", "--weak", "small") == 0
    argv = ("router", "eval", "--data", str(data), "--estimator", str(weights), "--json")
    assert run(*argv, "--strong", "big", "--weak", "small", "--target-cost-share", "0.5") == 0
    capsys.readouterr()
    deps = deployments_for(
        ["big", "small"],
        {"big": Prices(input=3, output=15), "small": Prices(input=0.1, output=0.4)},
    )
    router = costroute.Router(deps, policy=pair("big", "small", estimator=weights))
    hard = [
        {"role": "user", "content": "Prove that x^2 + 3 has no integer root mod 4, step by step."}
    ]
    assert router.explain(hard).primary.deployment == "big"
    assert router.explain([{"role": "user", "content": "hello 3"}]).primary.deployment == "small"


def test_a_cascade_policy_shows_its_perfect_check_bound(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "casc.py"
    policy.write_text("from costroute.policy import cascade\npolicy = cascade(to=['big'])\n")
    assert run("router", "eval", "--data", str(data), "--policy", str(policy)) == 0
    out = capsys.readouterr().out
    assert "cascade (perfect check)" in out and "note: cascade:" in out
    assert run("router", "eval", "--data", str(data), "--policy", str(policy), "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["cascade_bound"]["accuracy"] > doc["policy"]["accuracy"]
    page = tmp_path / "casc.html"
    argv = ("router", "eval", "--data", str(data), "--policy", str(policy), "--plot", str(page))
    assert run(*argv) == 0
    html = page.read_text()
    assert html.count("cascade (perfect check)") >= 2  # a dot in the chart and a table row
    assert "a real check lands between the two" in html


@pytest.mark.parametrize(
    ("source", "words"),
    [
        (
            "from costroute.policy import pair\npolicy = pair('gpt-5.4', 'small', threshold=0.5)\n",
            "refers to deployment 'gpt-5.4'",
        ),
        (
            "from costroute.policy import QualityTable, quality_table\n"
            "t = QualityTable.fit([(0.5, 'chat', {'other': 1.0})], min_items=1)\n"
            "policy = quality_table(t)\n",
            "knows none of the deployments",
        ),
        (
            "from costroute.policy import balanced\nPARAMS = {'x': 1}\nSWEEP = {'x': [1, 2]}\n"
            "def make_policy(hard_from=0.6):\n    return balanced(hard_from=hard_from)\n",
            "unexpected keyword argument 'x'",
        ),
        (
            "from costroute.policy import balanced\nPARAMS = {'hard_from': 0.6}\n"
            "SWEEP = {'hard_from': []}\ndef make_policy(hard_from=0.6):\n"
            "    return balanced(hard_from=hard_from)\n",
            "non-empty list",
        ),
    ],
)
def test_a_policy_that_cannot_run_over_the_models_fails_before_scoring(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str], source: str, words: str
) -> None:
    policy = tmp_path / "p.py"
    policy.write_text(source)
    assert run("router", "eval", "--data", str(data), "--policy", str(policy)) == 2
    err = capsys.readouterr().err
    assert words in err and str(policy) in err and "scoring" not in err


def test_train_without_cv_uses_the_gain_label_and_flags_fix_the_grid(
    tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pair = ("--strong", "big", "--weak", "small")
    base = ("router", "train", "--data", str(data), "--out", str(tmp_path / "w.json"), *pair)
    assert run(*base, "--no-cv") == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {
        "out": str(tmp_path / "w.json"),
        "n_records": 200,
        "label": "gain",
        "vocab_size": 0,
    }
    assert captured.err == ""
    assert run(*base, "--no-cv", "--label", "weak_fails") == 0
    assert json.loads(capsys.readouterr().out)["label"] == "weak_fails"
    argv = (*base, "--label", "pair", "--vocab-size", "0", "--folds", "4", "--seed", "3")
    assert run(*argv) == 0
    first = capsys.readouterr()
    cv = json.loads(first.out)["cv"]
    assert {(r["label"], r["vocab_size"]) for r in cv["table"]} == {("pair", 0)}
    assert (cv["folds"], cv["seed"]) == (4, 3)
    assert run(*argv) == 0
    assert capsys.readouterr() == first  # the same seed gives the same table and interval


def test_eval_prints_the_apgr_with_a_bootstrap_interval(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ("router", "eval", "--data", str(data), "--strong", "big", "--weak", "small")
    assert run(*argv, "--json", "--resamples", "300", "--seed", "4") == 0
    out = json.loads(capsys.readouterr().out)
    lo, hi = out["apgr_ci"]
    assert lo < out["apgr"] < hi
    assert out["bootstrap"] == {"resamples": 300, "seed": 4, "level": 0.95}
    assert run(*argv, "--resamples", "300", "--seed", "4") == 0
    text = capsys.readouterr().out
    assert f"router APGR {out['apgr']:.3f} [{lo:.3f}, {hi:.3f}]" in text
    assert run(*argv, "--json", "--resamples", "0") == 0
    assert json.loads(capsys.readouterr().out)["apgr_ci"] is None
