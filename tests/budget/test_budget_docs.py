"""Every python snippet of docs/budgets.md runs, in order, in one namespace, and prints what the
``text`` blocks after it show."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "budgets.md"


def test_snippets_run_and_print_what_the_doc_says(capsys: pytest.CaptureFixture[str]) -> None:
    text = DOC.read_text(encoding="utf-8")
    snippets = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(snippets) >= 5
    namespace: dict[str, object] = {"__name__": "docs_budgets"}
    for i, code in enumerate(snippets):
        exec(compile(code, f"{DOC.name}[snippet {i}]", "exec"), namespace)
    out = capsys.readouterr().out
    for block in re.findall(r"```text\n(.*?)```", text, flags=re.S):
        for line in block.strip().splitlines():
            assert line in out, f"{line!r} not printed; got:\n{out}"


def test_the_fleet_section_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "## Fleet" in text and "RedisBudgetBackend(" in text
