"""The tiered presets' ``reasoning=True``: effort follows difficulty for every preset, and the
DeepSeek reasoner-vs-chat order is the ``set_reasoning`` rule's (one code path)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import costroute
from costroute.catalog import known
from costroute.errors import ConfigError
from costroute.policy import (
    Rules,
    balanced,
    cheapest_capable,
    latency_first,
    quality_first,
)
from costroute.policy.rules import Chain, prefer_cheap, set_reasoning
from costroute.types import Plan, Request, Signals

KEYS = {"DEEPSEEK_API_KEY": "k", "OPENAI_API_KEY": "k", "ANTHROPIC_API_KEY": "k"}
NAMES = ("deepseek-chat", "deepseek-reasoner", "gpt-5.4-mini", "gpt-5.4", "claude-sonnet-5-5")
DEPS = tuple(known(n, api_key="k") for n in NAMES)
REQ = Request(messages=({"role": "user", "content": "x"},), params={})
HARD = [
    {
        "role": "user",
        "content": "Prove rigorously, step by step, that there are infinitely many primes "
        "p = 3 mod 4. Then derive the asymptotic density and prove the bound formally with a "
        "complete proof by induction.",
    }
]

# (preset, difficulty -> expected effort); every preset that accepts reasoning=True.
PRESETS: list[tuple[str, Callable[..., Rules], list[tuple[float, str]]]] = [
    ("balanced", balanced, [(0.0, "low"), (0.34, "low"), (0.35, "medium"), (0.59, "medium"),
                            (0.6, "high"), (0.95, "high")]),
    # No tiers by difficulty: set_reasoning()'s thresholds, 0.35 and 0.7.
    ("cheapest", cheapest_capable, [(0.1, "low"), (0.35, "medium"), (0.65, "medium"),
                                    (0.7, "high"), (0.89, "high")]),
    ("quality", quality_first, [(0.1, "low"), (0.5, "medium"), (0.6, "high"), (0.9, "high")]),
    ("latency", latency_first, [(0.1, "low"), (0.5, "medium"), (0.6, "high"), (0.9, "high")]),
]  # fmt: skip


def rules_of(policy: Rules) -> tuple[object, ...]:
    assert isinstance(policy.rule, Chain)
    return policy.rule.rules


def thresholds(policy: Rules) -> tuple[float, float]:
    (rule,) = (r for r in rules_of(policy) if isinstance(r, set_reasoning))
    return rule.low_below, rule.high_from


def route(policy: Rules, difficulty: float) -> Plan:
    return policy.route(REQ, Signals(deployments=DEPS, difficulty=difficulty))


@pytest.mark.parametrize(
    ("make", "cases"), [(m, c) for _, m, c in PRESETS], ids=[n for n, *_ in PRESETS]
)
def test_openai_effort_follows_difficulty_for_every_preset(
    make: Callable[..., Rules], cases: list[tuple[float, str]]
) -> None:
    for difficulty, effort in cases:
        plan = route(make(reasoning=True, max_fallbacks=10), difficulty)
        efforts = {
            c.deployment: c.params["reasoning_effort"]
            for c in plan.choices
            if c.deployment.startswith("gpt-")
        }
        assert efforts == {"gpt-5.4-mini": effort, "gpt-5.4": effort}, (difficulty, efforts)


@pytest.mark.parametrize("make", [m for _, m, _ in PRESETS], ids=[n for n, *_ in PRESETS])
def test_anthropic_thinking_only_for_hard_requests(make: Callable[..., Rules]) -> None:
    def thinking(d: float) -> bool:
        plan = route(make(reasoning=True, max_fallbacks=10), d)
        (claude,) = (c for c in plan.choices if c.deployment == "claude-sonnet-5-5")
        return "thinking" in claude.params

    assert not thinking(0.1) and not thinking(0.5) and thinking(0.95)


def test_cheapest_capable_at_a_hard_prompt_sends_high_effort_through_the_router() -> None:
    """The audit's case: difficulty 0.89 used to send reasoning_effort "low"."""
    with pytest.warns(costroute.ModelDeprecationWarning):  # deepseek-chat and -reasoner
        router = costroute.Router(list(DEPS), policy=cheapest_capable(reasoning=True), environ=KEYS)
    plan = router.explain(HARD)
    assert plan.difficulty >= 0.7
    params = {c.deployment: dict(c.params) for c in plan.choices}
    assert params["gpt-5.4-mini"] == {"reasoning_effort": "high"}


def test_reasoning_thresholds_can_be_overridden_and_are_validated() -> None:
    policy = cheapest_capable(reasoning=True, reasoning_high_from=0.5, max_fallbacks=10)
    assert thresholds(policy) == (0.35, 0.5)
    gpt = next(c for c in route(policy, 0.55).choices if c.deployment == "gpt-5.4-mini")
    assert gpt.params == {"reasoning_effort": "high"}
    assert thresholds(balanced(reasoning=True)) == (0.35, 0.6)
    assert thresholds(balanced(reasoning=True, hard_from=0.7)) == (0.35, 0.7)
    assert not any(isinstance(r, set_reasoning) for r in rules_of(balanced()))
    with pytest.raises(ConfigError) as err:
        balanced(reasoning_low_below=0.8, reasoning_high_from=0.4)
    assert err.value.field == "reasoning_low_below/reasoning_high_from" and err.value.fix


def test_reasoning_off_sets_no_params_and_keeps_the_order() -> None:
    plan = route(cheapest_capable(max_fallbacks=10), 0.9)
    assert plan.primary.deployment == "deepseek-chat"
    assert all(not c.params for c in plan.choices)


@pytest.mark.parametrize("make", [m for _, m, _ in PRESETS], ids=[n for n, *_ in PRESETS])
def test_deepseek_reasoner_first_for_hard_chat_first_otherwise(
    make: Callable[..., Rules],
) -> None:
    for difficulty, want in ((0.1, "deepseek-chat"), (0.95, "deepseek-reasoner")):
        plan = route(make(reasoning=True, max_fallbacks=10), difficulty)
        deepseek = [c.deployment for c in plan.choices if c.deployment.startswith("deepseek")]
        assert deepseek[0] == want, (difficulty, deepseek)


def test_cheapest_capable_orders_deepseek_like_the_set_reasoning_rule() -> None:
    rule = Rules(prefer_cheap() | set_reasoning(), max_fallbacks=10)
    preset = cheapest_capable(reasoning=True, max_fallbacks=10)
    for difficulty in (0.1, 0.5, 0.75, 0.95):
        by_rule, by_preset = route(rule, difficulty), route(preset, difficulty)
        assert by_preset.primary.deployment == by_rule.primary.deployment, difficulty
        assert dict(by_preset.primary.params) == dict(by_rule.primary.params)
    hard = route(preset, 0.95)
    assert hard.primary.deployment == "deepseek-reasoner"
    # The ranking did not put it first, so the plan does not call it the cheapest.
    assert not any(r.startswith("cheapest") for r in hard.reasons)
    assert any(
        r == "difficulty 0.95 >= 0.7 -> DeepSeek reasoner deepseek-reasoner before deepseek-chat"
        for r in hard.reasons
    )
    assert any(r.startswith("first: deepseek-reasoner (tier 2") for r in hard.reasons)
    assert any(
        "DeepSeek reasoner deepseek-reasoner before deepseek-chat" in r
        for r in route(rule, 0.95).reasons
    )


def test_balanced_strong_tier_puts_the_chat_model_in_the_reasoner_seat_and_says_so() -> None:
    """Difficulty 0.5 wants tier 2 (deepseek-reasoner); not hard, so DeepSeek chat goes first."""
    plan = route(balanced(reasoning=True, max_fallbacks=10), 0.5)
    assert plan.primary.deployment == "deepseek-chat"
    assert (
        "difficulty 0.50 < 0.6 -> DeepSeek non-reasoner deepseek-chat before deepseek-reasoner"
        in (plan.reasons)
    )
    assert not any("no usable" in r for r in plan.reasons)
