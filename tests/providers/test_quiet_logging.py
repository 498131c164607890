"""litellm's success logging is skipped only when no litellm callback is registered."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from costroute import providers
from costroute.catalog import known
from costroute.testing import DEEPSEEK_URL, deepseek_body

MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture
def handler_calls(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every success handler litellm hands to its logging thread (counted at submission, which
    happens synchronously in the calling thread)."""
    import litellm.utils

    calls: list[Any] = []
    real = litellm.utils.executor

    class Counting:
        def submit(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
            calls.append(args)
            return real.submit(fn, *args, **kwargs)

    monkeypatch.setattr(litellm.utils, "executor", Counting())
    return calls


def _call(mock: respx.MockRouter) -> None:
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("ok")))
    providers.complete(known("deepseek-v4-flash", api_key="sk-x"), MESSAGES, {}, timeout=10)
    providers.litellm().completion(  # a direct litellm call afterwards is not affected
        model="deepseek/deepseek-v4-flash",
        messages=MESSAGES,
        api_key="sk-x",
        max_retries=0,
        num_retries=0,
        timeout=10,
    )


def test_no_callbacks_no_success_handler_for_costroute_calls(
    mock: respx.MockRouter, handler_calls: list[Any]
) -> None:
    _call(mock)
    assert len(handler_calls) == 1  # only the direct litellm call ran it


def test_a_users_litellm_callback_still_sees_costroute_calls(
    mock: respx.MockRouter, handler_calls: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    lite = providers.litellm()
    monkeypatch.setattr(lite, "success_callback", [lambda *args: None])
    _call(mock)
    assert len(handler_calls) == 2  # costroute's call was logged too: the user's callback gets it
