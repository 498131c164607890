"""docs/learning.md, "Online mode": its snippet runs (provider HTTP mocked with respx), learns
what the ratings say, and the names and fields it documents exist."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
import respx

from costroute.policy import OnlineQuality, OnlineStats
from costroute.testing import DEEPSEEK_URL, OPENAI_URL, deepseek_body, openai_body

DOC = Path(__file__).resolve().parents[2] / "docs" / "learning.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _section() -> str:
    text = DOC.read_text()
    start = text.index("## Online mode")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_the_online_mode_snippet_runs_and_learns(
    keys: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    (block,) = BLOCK.findall(_section())
    namespace: dict[str, object] = {}
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as mock:
        mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("391")))
        mock.post(OPENAI_URL).mock(return_value=httpx.Response(200, json=openai_body("391")))
        exec(compile(block, str(DOC), "exec"), namespace)
    stats, posterior, reason, restored, loaded = capsys.readouterr().out.splitlines()
    assert stats.startswith("OnlineStats(outcomes=20, calls=20, ")
    alpha, beta = (float(x) for x in posterior.strip("()").split(", "))
    assert beta == 1.0 and alpha > 1.0  # gpt-5.4: only successes, at least one
    assert reason.startswith("thompson: ")
    assert (restored, loaded) == ("True", "True")
    learned = namespace["policy"].online  # type: ignore[attr-defined]
    assert learned.stats.explored + learned.stats.capped > 0  # it tried the dearer one


def test_the_documented_names_exist() -> None:
    section = _section()
    for field in OnlineStats.__dataclass_fields__:
        assert field in section, field
    for name in ("posterior", "beliefs", "observations", "record", "observe", "restore",
                 "save", "load", "from_ledger"):  # fmt: skip
        assert f"`{name}" in section and hasattr(OnlineQuality, name), name
