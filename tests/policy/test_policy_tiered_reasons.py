"""The tiered presets' reasons are true: latency-first names no tier, quality-first under budget
pressure picks the tier it says, and the latency fallback is not listed as skipped."""

from __future__ import annotations

import re

from costroute.catalog import default_deployments
from costroute.policy import (
    balanced,
    expected_cost,
    latency_first,
    predicted_latency_ms,
    quality_first,
)
from costroute.types import Request, Signals

DEPS = tuple(default_deployments(api_key="k"))
TIER = {d.name: d.tier for d in DEPS}


def req(latency_target_ms: float | None = None) -> Request:
    return Request(
        messages=({"role": "user", "content": "x"},),
        params={},
        latency_target_ms=latency_target_ms,
    )


def fastest(signals: Signals) -> str:
    return min(signals.deployments, key=lambda d: predicted_latency_ms(d, signals, 400)).name


def test_latency_first_mid_difficulty_names_no_tier_and_picks_the_fastest() -> None:
    signals = Signals(deployments=DEPS, difficulty=0.5)
    assert any(d.tier == 2 for d in DEPS)  # a capable strong deployment exists
    plan = latency_first().route(req(), signals)
    assert plan.primary.deployment == fastest(signals)
    assert plan.reasons[0] == "difficulty 0.50 (general)"
    wants_a_tier = re.compile(r"-> \w+ tier|tier first|down to|no usable")
    assert not any(wants_a_tier.search(r) for r in plan.reasons), plan.reasons
    assert any(r.startswith(f"fastest predicted: {fastest(signals)} (~") for r in plan.reasons)


def test_latency_first_ignores_budget_pressure_and_does_not_claim_a_downgrade() -> None:
    calm = latency_first().route(req(), Signals(deployments=DEPS, difficulty=0.9))
    tight = latency_first().route(
        req(), Signals(deployments=DEPS, difficulty=0.9, budget_pressure=0.95)
    )
    assert tight.primary.deployment == calm.primary.deployment
    assert not any("down to" in r or "no usable" in r for r in tight.reasons), tight.reasons


def test_quality_first_under_budget_pressure_goes_down_to_the_strong_tier_it_names() -> None:
    calm = quality_first().route(req(), Signals(deployments=DEPS, difficulty=0.8))
    assert TIER[calm.primary.deployment] == 3
    assert "first: claude-sonnet-5-5 (tier 3" in " ".join(calm.reasons)
    plan = quality_first().route(
        req(), Signals(deployments=DEPS, difficulty=0.8, budget_pressure=0.85)
    )
    cheapest_strong = min((d for d in DEPS if d.tier == 2), key=lambda d: expected_cost(req(), d))
    assert plan.primary.deployment == cheapest_strong.name == "deepseek-v4-pro"
    assert "budget pressure 85%" in plan.reasons
    assert "a soft budget limit reached -> down to strong tier" in plan.reasons
    assert any(r.startswith("first: deepseek-v4-pro (tier 2") for r in plan.reasons)
    assert not any("no usable" in r or "highest tier" in r for r in plan.reasons), plan.reasons
    # Premium stays next, as the first fallback.
    assert TIER[plan.choices[1].deployment] == 3


def test_quality_first_downgrade_honours_downgrade_at() -> None:
    plan = quality_first(downgrade_at=0.9).route(
        req(), Signals(deployments=DEPS, difficulty=0.8, budget_pressure=0.85)
    )
    assert TIER[plan.primary.deployment] == 3
    assert not any("down to" in r for r in plan.reasons)


def test_quality_first_without_premium_says_so() -> None:
    deps = tuple(d for d in DEPS if d.tier < 3)
    plan = quality_first().route(req(), Signals(deployments=deps, difficulty=0.8))
    assert plan.primary.deployment == "deepseek-v4-pro"
    assert "no usable premium deployment; using tier 2" in plan.reasons


def test_nothing_within_the_latency_target_keeps_the_fastest_and_does_not_skip_it() -> None:
    signals = Signals(deployments=DEPS, difficulty=0.8)
    plan = balanced().route(req(latency_target_ms=10), signals)
    kept = fastest(signals)
    assert [c.deployment for c in plan.choices] == [kept]
    assert any(r.startswith(f"no deployment predicted within 10 ms; using the fastest, {kept}")
               for r in plan.reasons)  # fmt: skip
    assert not any(r.startswith(f"skipped {kept}:") for r in plan.reasons), plan.reasons
    assert kept not in {name for name, _ in plan.rejected}
    assert {name for name, _ in plan.rejected} == {d.name for d in DEPS} - {kept}


def test_a_tier_emptied_by_the_latency_target_is_not_called_incapable() -> None:
    signals = Signals(deployments=DEPS, difficulty=0.5)  # wants the strong tier
    target = max(predicted_latency_ms(d, signals, 400) for d in DEPS if d.tier == 1) + 1
    assert all(predicted_latency_ms(d, signals, 400) > target for d in DEPS if d.tier == 2)
    assert all(predicted_latency_ms(d, signals, 400) > target for d in DEPS if d.tier == 3)
    plan = balanced().route(req(latency_target_ms=target), signals)
    assert TIER[plan.primary.deployment] == 1
    assert "no usable strong deployment; using tier 1" in plan.reasons
    assert not any("capable" in r for r in plan.reasons), plan.reasons
    assert all(
        f"skipped {d.name}: predicted" in " ".join(plan.reasons) for d in DEPS if d.tier == 2
    )
