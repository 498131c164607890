"""Every python snippet of docs/observability.md runs, in order, in one namespace (respx)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import httpx
import pytest
import respx

from costroute.testing import (
    ANTHROPIC_URL,
    DEEPSEEK_URL,
    OPENAI_URL,
    anthropic_body,
    deepseek_body,
    openai_body,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "observability.md"


def _respond(request: httpx.Request) -> httpx.Response:
    if "deepseek" in str(request.url):
        return httpx.Response(200, json=deepseek_body("Canberra."))
    if "anthropic" in str(request.url):
        return httpx.Response(200, json=anthropic_body("Canberra."))
    return httpx.Response(200, json=openai_body("Canberra."))


def test_docs_have_snippets() -> None:
    assert len(re.findall(r"```python\n", DOC.read_text(encoding="utf-8"))) >= 3


def test_snippets_run(
    keys: dict[str, str], capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    namespace: dict[str, object] = {"__name__": "docs_observability"}
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    with (
        respx.mock(assert_all_mocked=True, assert_all_called=False) as mock,
        caplog.at_level(logging.WARNING, logger="costroute"),
    ):
        for url in (DEEPSEEK_URL, ANTHROPIC_URL, OPENAI_URL):
            mock.post(url).mock(side_effect=_respond)
        for i, code in enumerate(blocks):
            exec(compile(code, f"{DOC.name}[snippet {i}]", "exec"), namespace)
    out = capsys.readouterr().out
    assert "plan: <Plan policy=" in out and "attempt: <Attempt " in out
    assert "Canberra." in out
    assert "INTERNAL chat " in out and "CLIENT chat " in out
    assert "metrics backend down" in caplog.text
