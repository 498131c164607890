"""docs/learning.md, "Safe rollout": its snippets run (provider HTTP mocked with respx) and the
names it documents exist."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
import respx

from costroute.router import Rollout, RolloutReport
from costroute.testing import (
    ANTHROPIC_URL,
    DEEPSEEK_URL,
    OPENAI_URL,
    anthropic_body,
    deepseek_body,
    openai_body,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "learning.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _section() -> str:
    text = DOC.read_text()
    start = text.index("## Safe rollout")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_the_safe_rollout_snippets_run(
    keys: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    blocks = BLOCK.findall(_section())
    assert blocks
    namespace: dict[str, object] = {}
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as mock:
        mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("391")))
        mock.post(OPENAI_URL).mock(return_value=httpx.Response(200, json=openai_body("391")))
        mock.post(ANTHROPIC_URL).mock(return_value=httpx.Response(200, json=anthropic_body("391")))
        for block in blocks:
            exec(compile(block, str(DOC), "exec"), namespace)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("default@") and lines[1] == "True"
    assert lines[2].startswith("True ") and lines[3].startswith("insufficient - ")
    assert lines[4] == lines[0]  # not promoted


def test_the_documented_names_exist() -> None:
    section = _section()
    for name in ("propose", "withdraw", "evaluate", "aevaluate", "promote", "rollback"):
        assert f"{name}(" in section and hasattr(Rollout, name), name
    for field in RolloutReport.__dataclass_fields__:
        assert f"`{field}`" in section, field
