"""Every python snippet of docs/resilience.md runs (each mocks its own provider with respx)."""

from __future__ import annotations

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


@pytest.mark.parametrize("name", ["docs/resilience.md"])
def test_snippets_run(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("COSTROUTE_LEDGER_URL", "COSTROUTE_CACHE"):
        monkeypatch.delenv(var, raising=False)
    blocks = BLOCK.findall((ROOT / name).read_text())
    assert len(blocks) >= 3
    for block in blocks:
        exec(compile(block, name, "exec"), {})
    out = capsys.readouterr().out
    assert "Paris [2.0]" in out and "gpt-5.4-mini 1" in out and "'The answer is'" in out
    print(out)
