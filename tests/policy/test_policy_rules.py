"""Composable rules and the Rules policy."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import costroute
from costroute.catalog import default_deployments
from costroute.errors import ConfigError, NoDeploymentAvailable
from costroute.policy import Rules
from costroute.policy.rules import (
    budget_above,
    category_is,
    difficulty_above,
    difficulty_below,
    downgrade_when,
    escalate_when,
    exclude,
    needs,
    only,
    prefer,
    prefer_cheap,
    prefer_fast,
    prefer_quality,
    tier_by_difficulty,
    when,
    within_latency,
)
from costroute.types import Request, Signals

DEPS = tuple(default_deployments(api_key="k"))
KEYS = {"DEEPSEEK_API_KEY": "k", "OPENAI_API_KEY": "k", "ANTHROPIC_API_KEY": "k"}


def req(**kw: Any) -> Request:
    return Request(messages=({"role": "user", "content": "x"},), params={}, **kw)


def sig(d: float = 0.1, **kw: Any) -> Signals:
    return Signals(deployments=DEPS, difficulty=d, **kw)


def order(
    policy: Rules, request: Request | None = None, signals: Signals | None = None
) -> list[str]:
    plan = policy.route(request or req(), signals or sig())
    return [c.deployment for c in plan.choices]


def test_prefer_cheap_is_cheapest_first() -> None:
    assert order(Rules(prefer_cheap(), max_fallbacks=5))[0] == "deepseek-v4-flash"


def test_escalate_when_moves_premium_first_only_when_condition_holds() -> None:
    p = Rules(prefer_cheap() | escalate_when(difficulty_above(0.7), to_tier=3))
    assert order(p, signals=sig(0.2))[0] == "deepseek-v4-flash"
    plan = p.route(req(), sig(0.9))
    assert DEPS[[d.name for d in DEPS].index(plan.primary.deployment)].tier == 3
    assert any("difficulty > 0.7 -> escalate to tier >= 3" in r for r in plan.reasons)


def test_escalate_to_named_deployment() -> None:
    p = Rules(prefer_cheap() | escalate_when(category_is("code"), to=["gpt-5.4"]))
    assert order(p, signals=sig(0.1, category="code"))[0] == "gpt-5.4"
    assert order(p, signals=sig(0.1, category="chat"))[0] == "deepseek-v4-flash"


def test_conditions_combine() -> None:
    c = (difficulty_above(0.5) & category_is("math")) | ~difficulty_below(0.9)
    assert c(req(), sig(0.6, category="math"))
    assert not c(req(), sig(0.6, category="chat"))
    assert c(req(), sig(0.95, category="chat"))
    assert "and" in c.label and "not" in c.label
    assert needs("tools")(req(needs_tools=True), sig())
    assert when(lambda r, s: s.difficulty > 0.05, "tiny")(req(), sig())


def test_capability_filter_always_runs_and_says_why() -> None:
    flash_no_tools = DEPS[0].model_copy(
        update={"capabilities": DEPS[0].capabilities.model_copy(update={"tools": False})}
    )
    deps = (flash_no_tools, *DEPS[1:])
    plan = Rules(prefer_cheap()).route(
        req(needs_tools=True), Signals(deployments=deps, difficulty=0.1)
    )
    assert plan.primary.deployment != "deepseek-v4-flash"
    assert ("deepseek-v4-flash", "no tool calling") in plan.rejected
    assert any("skipped deepseek-v4-flash: no tool calling" in r for r in plan.reasons)


def test_no_capable_deployment_raises_with_reasons() -> None:
    with pytest.raises(NoDeploymentAvailable, match="context window"):
        Rules().route(req(input_tokens_estimate=5_000_000), sig())


def test_open_breaker_is_skipped() -> None:
    plan = Rules(prefer_cheap()).route(req(), sig(open_breakers=frozenset({"deepseek-v4-flash"})))
    assert plan.primary.deployment != "deepseek-v4-flash"


def test_within_latency_drops_slow_deployments() -> None:
    plan = Rules(prefer_cheap() | within_latency()).route(req(latency_target_ms=2000), sig())
    assert "deepseek-v4-pro" not in [c.deployment for c in plan.choices]
    assert any("predicted" in why for _, why in plan.rejected)


def test_within_latency_keeps_fastest_when_none_fits() -> None:
    plan = Rules(within_latency(target_ms=1.0)).route(req(), sig())
    assert len(plan.choices) == 1 and any("using the fastest" in r for r in plan.reasons)


def test_downgrade_on_budget_pressure() -> None:
    p = Rules(prefer_quality() | downgrade_when(budget_above(0.8)))
    assert order(p, signals=sig(budget_pressure=0.9))[0] in {"deepseek-v4-pro"}
    assert order(p, signals=sig(budget_pressure=0.1))[0] in {"claude-sonnet-5-5", "gpt-5.4"}


def test_only_exclude_prefer() -> None:
    assert order(Rules(only("gpt-5.4", "gpt-5.4-mini") | prefer_cheap())) == [
        "gpt-5.4-mini",
        "gpt-5.4",
    ]
    assert "deepseek-v4-flash" not in order(Rules(exclude("deepseek-v4-flash"), max_fallbacks=9))
    assert order(Rules(prefer_cheap() | prefer("gpt-5.4")))[0] == "gpt-5.4"


def test_tier_by_difficulty_and_prefer_fast() -> None:
    p = Rules(prefer_cheap() | tier_by_difficulty(0.35, 0.6))
    assert order(p, signals=sig(0.5))[0] == "deepseek-v4-pro"
    assert order(Rules(prefer_fast()))[0] == "claude-haiku-4-5"  # 500 ms + 400 tok at 150/s


def test_impossible_thresholds_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="easy_below"):
        tier_by_difficulty(0.8, 0.2)
    with pytest.raises(ConfigError, match=r"\[0, 1\]"):
        difficulty_above(1.5)
    with pytest.raises(ConfigError, match="exactly one target"):
        escalate_when(difficulty_above(0.5))
    with pytest.raises(ConfigError):
        Rules(max_fallbacks=-1)
    with pytest.raises(ConfigError, match="not a rule"):
        prefer_cheap() | "nope"  # type: ignore[operator]


def test_unknown_deployment_names_file_and_line() -> None:
    p = Rules(prefer_cheap() | prefer("gpt-9"))
    with pytest.raises(ConfigError) as info:
        p.validate([d.name for d in DEPS])
    assert "gpt-9" in str(info.value) and f"{__file__}:" in (info.value.field or "")


def test_router_explain_with_rules_reports_signals() -> None:
    router = costroute.Router(policy=Rules(prefer_cheap(), name="mine"), environ=KEYS)
    plan = router.explain([{"role": "user", "content": "hi"}], max_cost_usd=Decimal("1"))
    assert plan.policy == "mine" and plan.reasons[0].startswith("difficulty ")
    assert plan.primary.estimated_cost_usd > 0
