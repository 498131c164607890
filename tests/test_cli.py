"""The command line, the offline demo and the examples (which run against the simulator)."""

from __future__ import annotations

import json
import pathlib
import runpy
import subprocess
import sys

import pytest

from costroute.cli import main
from costroute.cli._demo import WORKLOAD, run_demo

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_demo_routes_between_families_and_reports_savings() -> None:
    lines: list[str] = []
    infos = run_demo(out=lines.append, latency_scale=0)
    assert len(infos) == len(WORKLOAD) >= 30
    deployments = {i.deployment for i in infos}
    assert "deepseek-v4-flash" in deployments and len(deployments) >= 3
    text = "\n".join(lines)
    spend = sum(i.cost_usd for i in infos)
    baseline = sum(i.baseline_cost_usd for i in infos)
    assert 0 < spend < baseline
    assert f"spend:    ${spend:.6f}" in text and "saved:" in text and "127.0.0.1" in text
    assert all(i.attempts and i.attempts[-1].status == "ok" for i in infos)


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
