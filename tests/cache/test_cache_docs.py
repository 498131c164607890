"""Every python snippet of docs/caching.md runs (each mocks its own provider with respx)."""

from __future__ import annotations

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def test_caching_snippets_run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("COSTROUTE_LEDGER_URL", "COSTROUTE_CACHE"):
        monkeypatch.delenv(var, raising=False)
    blocks = BLOCK.findall((ROOT / "docs/caching.md").read_text())
    assert len(blocks) >= 4
    for block in blocks:
        exec(compile(block, "docs/caching.md", "exec"), {})
    out = capsys.readouterr().out
    for expected in (
        "<MemoryResponseCache 0/10000 ttl=600s>",
        "2 Paris",
        "True 0 ()",
        "one, two, three False",
        "one, two, three True",
    ):
        assert expected in out
