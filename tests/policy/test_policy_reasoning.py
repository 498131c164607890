"""Reasoning effort per provider, from difficulty; the default policy is unchanged."""

from __future__ import annotations

from typing import Any

from costroute.catalog import Capabilities, Deployment, Prices, default_deployments, known
from costroute.policy import Rules, balanced, quality_first
from costroute.policy._reasoning import reasoning_params
from costroute.policy.rules import prefer_cheap, set_reasoning
from costroute.types import Request, Signals

DEPS = tuple(default_deployments(api_key="k"))
BY = {d.name: d for d in DEPS}


def req(max_tokens: int | None = None, **params: Any) -> Request:
    return Request(
        messages=({"role": "user", "content": "x"},), params=params, max_output_tokens=max_tokens
    )


def test_openai_effort_follows_difficulty() -> None:
    for d, effort in ((0.1, "low"), (0.5, "medium"), (0.9, "high")):
        params, why = reasoning_params(req(), BY["gpt-5.4"], d)
        assert params == {"reasoning_effort": effort} and why


def test_anthropic_thinking_only_when_hard_and_max_tokens_above_budget() -> None:
    assert reasoning_params(req(), BY["claude-sonnet-5-5"], 0.5) == ({}, None)
    params, _ = reasoning_params(req(), BY["claude-sonnet-5-5"], 0.9)
    assert params["thinking"] == {"type": "enabled", "budget_tokens": 8000}
    assert params["max_tokens"] > 8000
    params, _ = reasoning_params(req(max_tokens=3000), BY["claude-sonnet-5-5"], 0.9)
    # half of the caller's 3000 stays for the answer
    assert params["thinking"]["budget_tokens"] == 1500 and params["max_tokens"] == 3000
    params, _ = reasoning_params(req(max_tokens=20000), BY["claude-sonnet-5-5"], 0.9)
    assert params["thinking"]["budget_tokens"] == 8000  # the budget, with 12000 to answer
    params, why = reasoning_params(req(max_tokens=2000), BY["claude-sonnet-5-5"], 0.9)
    assert params == {} and "beside the answer" in (why or "")  # 1000 to think is too few
    params, why = reasoning_params(req(max_tokens=500), BY["claude-sonnet-5-5"], 0.9)
    assert params == {} and "skipped" in (why or "")
    params, why = reasoning_params(req(temperature=0.2), BY["claude-sonnet-5-5"], 0.9)
    assert params == {} and "temperature" in (why or "")


def test_no_params_without_reasoning_capability_or_for_deepseek() -> None:
    plain = Deployment(
        name="p",
        model="openai/x",
        prices=Prices(input=1, output=1),
        capabilities=Capabilities(reasoning=False),
    )
    assert reasoning_params(req(), plain, 0.9) == ({}, None)
    assert reasoning_params(req(), BY["deepseek-v4-pro"], 0.9) == ({}, None)
    assert reasoning_params(req(reasoning_effort="low"), BY["gpt-5.4"], 0.9) == ({}, None)


def test_deepseek_reasoner_vs_chat_is_a_deployment_choice() -> None:
    deps = (
        known("deepseek-chat", api_key="k"),
        known("deepseek-reasoner", api_key="k"),
        BY["gpt-5.4"],
    )
    p = Rules(prefer_cheap() | set_reasoning(high_from=0.7), max_fallbacks=5)
    easy = p.route(req(), Signals(deployments=deps, difficulty=0.1))
    hard = p.route(req(), Signals(deployments=deps, difficulty=0.9))
    assert easy.primary.deployment == "deepseek-chat"
    assert hard.primary.deployment == "deepseek-reasoner"
    gpt = next(c for c in hard.choices if c.deployment == "gpt-5.4")
    assert gpt.params == {"reasoning_effort": "high"}


def test_tiered_reasoning_is_opt_in_and_default_unchanged() -> None:
    s = Signals(deployments=DEPS, difficulty=0.9)
    assert all(not c.params for c in balanced().route(req(), s).choices)
    plan = quality_first(reasoning=True).route(req(), s)
    assert any("thinking" in c.params or "reasoning_effort" in c.params for c in plan.choices)
