"""Every Python snippet of docs/latency-and-breakers.md runs, in order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "latency-and-breakers.md"


def test_snippets_run(capsys: pytest.CaptureFixture[str]) -> None:
    snippets = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(snippets) >= 4
    namespace: dict[str, object] = {"__name__": "docs_latency"}
    for i, code in enumerate(snippets):
        exec(compile(code, f"{DOC.name}[snippet {i}]", "exec"), namespace)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "<LatencySnapshot n=5 mean=1000ms p50=1000ms p95=1100ms 100tok/s>"
    assert out[1] == "4302"
    assert out[2] == str(400 + 1000 * 400 / 120)
    assert out[4] == "False frozenset({'pro'})"
    assert out[6:] == ["frozenset()", "True False", "closed"]
