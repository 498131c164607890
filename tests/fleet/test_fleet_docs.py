"""Every python snippet of docs/fleet.md runs against the local simulator.

Snippets whose first line is ``# needs Redis`` run against COSTROUTE_TEST_REDIS_URL, with the
doc's prefix ``myapp:`` replaced by a fresh one (its keys deleted after), and must print the
keys the doc's ``text`` block shows (dates are the current windows, so they are compared as
patterns); they skip, saying why, when the variable is unset, and fail when it is set and Redis
does not answer (the ``redis_url`` fixture of tests/conftest.py). The others need nothing.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "fleet.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)
TEXT = re.compile(r"```text\n(.*?)```", re.S)
NEEDS_REDIS = "# needs Redis"
DOC_URL, DOC_PREFIX = "redis://localhost:6379/0", "myapp:"


def _blocks(redis: bool) -> list[str]:
    blocks = BLOCK.findall(DOC.read_text(encoding="utf-8"))
    return [b for b in blocks if b.startswith(NEEDS_REDIS) == redis]


@pytest.fixture(autouse=True)
def _no_fleet_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("COSTROUTE_STORE_URL", "COSTROUTE_CACHE"):
        monkeypatch.delenv(var, raising=False)


def test_in_process_snippets_run(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = _blocks(redis=False)
    assert blocks
    for i, block in enumerate(blocks):
        exec(compile(block, f"{DOC.name}[{i}]", "exec"), {"__name__": "docs_fleet"})
    out = capsys.readouterr().out.splitlines()
    assert "<Store memory> deepseek-v4-flash" in out
    assert "True" in out


def _pattern(line: str) -> re.Pattern[str]:
    """A printed key line as a pattern: any dates in it stand for the current window."""
    escaped = re.escape(line)
    escaped = re.sub(r"\d{4}\\-\d{2}\\-\d{2}", r"\\d{4}-\\d{2}-\\d{2}", escaped)
    escaped = re.sub(r"\d{4}\\-\d{2}", r"\\d{4}-\\d{2}", escaped)
    return re.compile(escaped + r"\Z")


@pytest.mark.redis
def test_redis_snippets_run_and_leave_the_keys_the_doc_lists(
    redis_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = redis_url
    prefix = f"costroute-fleet-docs:{uuid.uuid4().hex[:12]}:"
    blocks = _blocks(redis=True)
    assert blocks
    import redis

    client = redis.Redis.from_url(url)
    try:
        for i, block in enumerate(blocks):
            code = block.replace(DOC_URL, url).replace(DOC_PREFIX, prefix)
            exec(compile(code, f"{DOC.name}[redis {i}]", "exec"), {"__name__": "docs_fleet"})
    finally:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()
    out = [line.replace(prefix, DOC_PREFIX) for line in capsys.readouterr().out.splitlines()]
    assert "False True" in out  # the second call was a cache hit
    listed = [line for block in TEXT.findall(DOC.read_text()) for line in block.splitlines()]
    printed = [line for line in out if line.startswith(DOC_PREFIX)]
    assert listed and len(printed) == len(listed), (printed, listed)
    for want, got in zip(listed, printed, strict=True):
        assert _pattern(want).match(got), (want, got)
