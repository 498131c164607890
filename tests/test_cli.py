"""The command line, the offline demo and the examples (which run against the simulator)."""

from __future__ import annotations

import json
import pathlib
import runpy
import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest

from costroute.catalog import default_deployments
from costroute.cli import main
from costroute.cli._demo import PRICED_AT, WORKLOAD, run_demo
from costroute.pricing import cost

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_demo_routes_between_families_and_reports_savings(
    off_peak_hour: Callable[[], AbstractContextManager[None]],
) -> None:
    lines: list[str] = []
    with off_peak_hour():  # the demo prices at its pinned instant, not at the hour it runs
        infos = run_demo(out=lines.append, latency_scale=0)
    prices = {d.name: d.prices for d in default_deployments()}
    for info in infos:
        assert info.cost_usd == cost(info.usage, prices[info.deployment], PRICED_AT)
        assert info.cost_usd == cost(info.usage, prices[info.deployment])  # standard rates
    assert len(infos) == len(WORKLOAD) >= 30
    deployments = {i.deployment for i in infos}
    assert "deepseek-v4-flash" in deployments and len(deployments) >= 3
    text = "\n".join(lines)
    spend = sum(i.cost_usd for i in infos)
    baseline = sum(i.baseline_cost_usd for i in infos)
    assert 0 < spend < baseline
    assert f"spend:    ${spend:.6f}" in text and "saved:" in text and "127.0.0.1" in text
    assert all(i.attempts and i.attempts[-1].status == "ok" for i in infos)


def test_demo_with_temperature_answers_every_request(capsys: pytest.CaptureFixture[str]) -> None:
    # Claude Sonnet 5.5 takes temperature=1 only: the hard requests it answers used to fail.
    assert main(["demo", "--latency-scale", "0", "--temperature", "0.3"]) == 0
    out = capsys.readouterr().out
    assert f"calls: {len(WORKLOAD)} " in out and "failed" not in out
    assert "claude-sonnet-5-5" in out
    assert "temperature=0.3 dropped for claude-sonnet-5-5 on" in out


def test_models_lists_the_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["name"] for r in rows} >= {"deepseek-v4-flash", "claude-sonnet-5-5", "gpt-5.4"}
    assert main(["models", "--all"]) == 0
    assert "deepseek-reasoner" in capsys.readouterr().out


def test_explain_prints_the_plan_without_keys(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("DEEPSEEK_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    assert main(["explain", "hi there", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["choices"][0] == "deepseek-v4-flash" and plan["reasons"]


def test_explain_plans_as_chat_would_with_the_keys_at_hand(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, _ledger_dir: Any
) -> None:
    # Only OPENAI_API_KEY: chat routes to GPT, so explain must show GPT, not DeepSeek.
    for var in ("DEEPSEEK_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-oa-test")
    assert main(["explain", "hi there", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["choices"] and all(c.startswith("gpt-") for c in plan["choices"])
    assert any("no API key for" in r and "deepseek-v4-flash" in r for r in plan["reasons"])
    assert main(["explain", "hi there", "--model", "openai/gpt-5.4"]) == 0
    assert "plan: gpt-5.4\n" in capsys.readouterr().out
    # ... and explain opens no ledger: the default ledger file is never created
    assert not (_ledger_dir / "ledger.sqlite").exists()


def test_chat_without_keys_names_the_missing_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("DEEPSEEK_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    assert main(["chat", "hello"]) == 2
    assert "DEEPSEEK_API_KEY" in capsys.readouterr().err


def test_quickstart_example_runs_offline(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(ROOT / "examples" / "quickstart.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert out.count("cost $") == 3 and "deepseek-v4-flash" in out


def test_console_script_entry_point() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "costroute.cli", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0 and "demo" in out.stdout


def test_demo_refuses_a_negative_latency_scale(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--latency-scale", "-1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("costroute: --latency-scale -1.0") and err.count("\n") == 1


EXAMPLE = ROOT / "examples" / "train_evaluate_calibrate.py"


def _run_example(monkeypatch: pytest.MonkeyPatch, *argv: str) -> None:
    monkeypatch.setattr(sys, "argv", [EXAMPLE.name, *argv])
    runpy.run_path(str(EXAMPLE), run_name="__main__")


def test_calibration_example_cleans_up_or_keeps_files_in_out(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("numpy")
    import tempfile

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    _run_example(monkeypatch)
    assert "calibrated on train" in capsys.readouterr().out
    assert list(scratch.iterdir()) == []  # the temporary folder is gone
    _run_example(monkeypatch, "--out", str(tmp_path / "kept"))
    out = capsys.readouterr().out
    assert "temporary" not in out
    from costroute.difficulty import LearnedEstimator

    threshold = LearnedEstimator.load(tmp_path / "kept" / "weights.json").threshold
    assert threshold is not None and f"threshold {threshold:.4g}" in out  # the pair shipped it
    kept = {p.name for p in (tmp_path / "kept").iterdir()}
    assert {
        "weights.json",
        "table.json",
        "policy.py",
        "policy.params.json",
        "frontier.html",
    } <= kept
    assert 'PARAMS = {"cost_weight": 0.1}' in (tmp_path / "kept" / "policy.py").read_text()
    stored = json.loads((tmp_path / "kept" / "policy.params.json").read_text())
    assert list(stored) == ["cost_weight"] and f"cost_weight={stored['cost_weight']}" in out


def test_calibration_example_bad_key_is_a_clean_error(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("numpy")
    data = tmp_path / "data"
    data.mkdir()
    _run_example(monkeypatch, "--out", str(data))  # writes synthetic train/test.jsonl there
    for argv, expected in (
        (["--strong", "big", "--weak", "nosuch"], "no score for model 'nosuch'"),
        ([], "--data needs --strong and --weak"),
    ):
        with pytest.raises(SystemExit) as info:
            _run_example(monkeypatch, "--data", str(data), *argv)
        message = str(info.value.code)
        assert message.startswith("train_evaluate_calibrate: ") and expected in message
        assert "big, mid, small" in message


@pytest.mark.skipif(
    not (ROOT.parent / "shared" / "data" / "zeroeval" / "items.csv").exists(),
    reason="needs ../shared/data/zeroeval beside the project",
)
def test_documented_zeroeval_walk_through_uses_keys_of_the_data(tmp_path: pathlib.Path) -> None:
    """docs/training.md and the example's docstring pass --strong/--weak keys ZeroEval has."""
    import importlib.util
    import re

    from costroute.eval import load_jsonl, require_models

    docs = (ROOT / "docs" / "training.md").read_text()
    doc = " ".join(docs.split())  # the command is wrapped over lines
    example_doc = " ".join(EXAMPLE.read_text().split('"""')[1].replace("\\", " ").split())
    keys = []
    for text in (doc, example_doc):
        found = re.search(r"--data out/zeroeval --strong (\S+) --weak (\S+?)`?(?:\s|$)", text)
        assert found, "the ZeroEval invocation must name --strong and --weak"
        keys.append(found.groups())
    assert keys[0] == keys[1]
    spec = importlib.util.spec_from_file_location(
        "make_zeroeval_jsonl", ROOT / "benchmarks" / "make_zeroeval_jsonl.py"
    )
    assert spec and spec.loader
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    shared = ROOT.parent / "shared" / "data" / "zeroeval"
    assert make.main(["--src", str(shared), "--out", str(tmp_path)]) == 0
    require_models(load_jsonl(tmp_path / "train.jsonl"), list(keys[0]))
