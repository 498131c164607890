"""Shared fixtures: fake keys, a fixed clock, and provider responses in each wire format."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from typing import Any

import pytest
import respx

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")
os.environ.setdefault("DISABLE_AIOHTTP_TRANSPORT", "True")

KEYS = {
    "DEEPSEEK_API_KEY": "sk-ds-test",
    "OPENAI_API_KEY": "sk-oa-test",
    "ANTHROPIC_API_KEY": "sk-an-test",
}

# A Wednesday at 08:00 UTC: outside DeepSeek's off-peak windows, so peak prices apply.
PEAK = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)
# A Saturday: off-peak all day.
OFF_PEAK = dt.datetime(2026, 11, 28, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def _ledger_dir(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return tmp_path_factory.mktemp("default-ledger")


@pytest.fixture(autouse=True)
def _default_ledger_in_tmp(_ledger_dir: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Routers that open the default ledger write to a temp file of their test, never under
    $HOME (one file per test: budgets restore their spend from it)."""
    monkeypatch.setenv("COSTROUTE_LEDGER_URL", f"sqlite://{_ledger_dir}/ledger.sqlite")
    monkeypatch.setenv("XDG_DATA_HOME", str(_ledger_dir / "xdg"))


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    return KEYS


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    """respx at the HTTP layer; any request without a route fails the test."""
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        yield router


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def router_factory(keys: dict[str, str], slept: list[float]) -> Any:
    """Build Routers with injected sleep (recorded in ``slept``) and a fixed peak-time clock."""
    import costroute

    async def asleep(seconds: float) -> None:
        slept.append(seconds)

    def make(**kwargs: Any) -> costroute.Router:
        kwargs.setdefault("sleep", slept.append)
        kwargs.setdefault("asleep", asleep)
        kwargs.setdefault("now", lambda: PEAK)
        return costroute.Router(**kwargs)

    return make
