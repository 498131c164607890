"""Every python snippet of README.md and docs/*.md runs (provider HTTP mocked with respx)."""

from __future__ import annotations

import pathlib
import re

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
    openai_sse,
    sse_response,
)

ROOT = pathlib.Path(__file__).resolve().parents[1]
FILES = [
    "README.md",
    "docs/quickstart.md",
    "docs/deployments.md",
    "docs/api.md",
    "docs/learning.md",
    "docs/learning-guide.md",
]
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _respond(request: httpx.Request) -> httpx.Response:
    streaming = b'"stream": true' in request.content or b'"stream":true' in request.content
    if "deepseek" in str(request.url):
        if streaming:
            return sse_response(openai_sse(["a ", "joke"], hit=0))
        return httpx.Response(200, json=deepseek_body("ok"))
    if "anthropic" in str(request.url):
        return httpx.Response(200, json=anthropic_body("ok"))
    return httpx.Response(200, json=openai_body("ok"))


@pytest.mark.parametrize("name", FILES)
def test_snippets_run(name: str, keys: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    blocks = BLOCK.findall((ROOT / name).read_text())
    assert blocks, f"{name} has no python snippet"
    namespace: dict[str, object] = {}
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as mock:
        for url in (DEEPSEEK_URL, ANTHROPIC_URL, OPENAI_URL):
            mock.post(url).mock(side_effect=_respond)
        for block in blocks:
            exec(compile(block, name, "exec"), namespace)
    assert capsys.readouterr().out.strip()
