"""Every Python snippet of docs/ledger.md runs, in order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "ledger.md"


def _snippets() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_docs_have_snippets() -> None:
    assert len(_snippets()) >= 4


def test_snippets_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("COSTROUTE_LEDGER_URL", raising=False)
    namespace: dict[str, object] = {"__name__": "docs_ledger"}
    for i, code in enumerate(_snippets()):
        exec(compile(code, f"{DOC.name}[snippet {i}]", "exec"), namespace)
    out = capsys.readouterr().out
    assert "0.00042" in out
    assert "<SQLiteLedger ':memory:' synchronous=normal>" in out
    assert "req-0001 tests 0.5 deepseek-v4-flash 0.21 0.00042" in out  # replaced, not added
    assert "request_id req-9999" in out
