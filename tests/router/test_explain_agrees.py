"""``explain()`` plans exactly as ``chat()`` does, needs no key, and writes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

import costroute
from costroute.errors import MissingAPIKeyError
from costroute.observe import Observer
from costroute.testing import (
    ANTHROPIC_URL,
    DEEPSEEK_URL,
    OPENAI_URL,
)
from costroute.types import Plan

PROMPTS = [
    [{"role": "user", "content": "hi"}],
    [{"role": "user", "content": "Explain the difference between a process and a thread."}],
    [{"role": "user", "content": "Prove that the square root of 2 is irrational, step by step."}],
]


@pytest.mark.parametrize(
    "env",
    [
        {"OPENAI_API_KEY": "sk-oa"},
        {"ANTHROPIC_API_KEY": "sk-an"},
        {"OPENAI_API_KEY": "sk-oa", "ANTHROPIC_API_KEY": "sk-an"},
        {"DEEPSEEK_API_KEY": "sk-ds", "OPENAI_API_KEY": "sk-oa"},
    ],
)
def test_explain_and_chat_follow_the_same_plan(
    env: dict[str, str], mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("DEEPSEEK_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    # Every provider fails, so chat() walks its whole plan: its attempts are its order.
    for url in (DEEPSEEK_URL, OPENAI_URL, ANTHROPIC_URL):
        mock.post(url).mock(return_value=httpx.Response(500, json={"error": "down"}))
    executed: list[Plan] = []
    for messages in PROMPTS:
        for kwargs in ({}, {"temperature": 0.3}):
            router = costroute.Router(  # a fresh one each time: failures open breakers
                retry=costroute.RetryConfig(attempts=1),
                ledger=False,
                observer=Observer(on_decision=lambda plan, request: executed.append(plan)),
            )
            plan = router.explain(messages, **kwargs)
            with pytest.raises(costroute.AllDeploymentsFailed) as failed:
                router.chat(messages=messages, **kwargs)
            order = [c.deployment for c in plan.choices]
            assert [c.deployment for c in executed[-1].choices] == order
            assert executed[-1].reasons == plan.reasons
            tried = list(dict.fromkeys(a.deployment for a in failed.value.attempts))
            assert tried == order
            assert all(router.deployments[name].has_key() for name in order)


def test_explain_needs_no_key_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("DEEPSEEK_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    router = costroute.Router(ledger=False)
    plan = router.explain(PROMPTS[0])
    assert plan.primary.deployment == "deepseek-v4-flash"
    assert any("no API key found for any deployment" in r for r in plan.reasons)
    pinned = router.explain(PROMPTS[0], model="gpt-5.4")
    assert pinned.primary.deployment == "gpt-5.4"
    assert any("no API key for gpt-5.4" in r for r in pinned.reasons)
    with pytest.raises(MissingAPIKeyError):
        router.chat(messages=PROMPTS[0])
    with pytest.raises(MissingAPIKeyError):
        router.chat(messages=PROMPTS[0], model="gpt-5.4")


def test_explain_records_nothing(keys: dict[str, str], tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path}/ledger.sqlite"
    router = costroute.Router(ledger=url)
    router.explain(PROMPTS[2], temperature=0.3)
    assert router.usage.report(month="2026-11").calls == 0
