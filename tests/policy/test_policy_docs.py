"""Every python snippet of docs/policies.md and docs/training.md runs; so do the examples."""

from __future__ import annotations

import re
import runpy
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "docs" / "policies.md", ROOT / "docs" / "training.md"]
SNIPPETS = [
    (doc, code)
    for doc in DOCS
    for code in re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
]


def test_there_are_snippets() -> None:
    assert sum(d.name == "policies.md" for d, _ in SNIPPETS) >= 4
    assert sum(d.name == "training.md" for d, _ in SNIPPETS) >= 2


@pytest.mark.parametrize(
    "doc,code", SNIPPETS, ids=[f"{d.stem}{i}" for i, (d, _) in enumerate(SNIPPETS)]
)
def test_snippet_runs(doc: Path, code: str, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("numpy")
    exec(compile(code, str(doc), "exec"), {})
    assert capsys.readouterr().out.strip()


@pytest.mark.parametrize("name", ["custom_policy.py", "train_evaluate_calibrate.py"])
def test_example_runs(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("numpy")
    monkeypatch.setattr(sys, "argv", [name])
    runpy.run_path(str(ROOT / "examples" / name), run_name="__main__")
    assert capsys.readouterr().out.strip()
