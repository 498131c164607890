"""The presets are Rules chains that plan exactly as the retired ``TieredPolicy`` class did.

Over the labelled prompts of tests/difficulty/data (scored by the default estimator) and a grid
of difficulties around every threshold, crossed with request shapes (latency targets, output
caps, images, cost caps, sampling parameters), deployment sets, breakers and budget pressure,
each preset's plan is compared with the old class's: the same choices (deployments, params,
estimated costs), the same rejected deployments, and reasons that say the same things (the
wording of the tier and first-choice lines is the Rules one).

Two differences are deliberate, and checked as such:

- ``latency_first`` ranks by the latency predicted for the request's own expected output (as
  its latency filter already did), not for a fixed 400 tokens;
- ``cheapest_capable`` at difficulty 1.0 keeps the small tier first (the old class wanted
  premium there, the one difficulty at which its "tier by difficulty" thresholds of 1.0 fired).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from costroute._request import build_request
from costroute.catalog import default_deployments, known
from costroute.difficulty import default_estimator
from costroute.policy import (
    balanced,
    cheapest_capable,
    expected_output_tokens,
    latency_first,
    load_policy,
    predicted_latency_ms,
    quality_first,
)
from costroute.policy._tiered import TieredPolicy
from costroute.types import Plan, Request, Signals

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "difficulty" / "data"
DEPS = tuple(default_deployments(api_key="k"))
REASONING_NAMES = (
    "deepseek-chat",
    "deepseek-reasoner",
    "gpt-5.4-mini",
    "gpt-5.4",
    "claude-sonnet-5-5",
)

# (label, new preset, the old class built as the old preset was)
CASES: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
    ("balanced", balanced, lambda: TieredPolicy(name="balanced")),
    (
        "policies/balanced.py",
        lambda: load_policy(ROOT / "policies" / "balanced.py"),
        lambda: TieredPolicy(name="balanced", easy_below=0.35, hard_from=0.6, downgrade_at=0.8),
    ),
    (
        "balanced(0.2, 0.7)",
        lambda: balanced(easy_below=0.2, hard_from=0.7),
        lambda: TieredPolicy(name="balanced", easy_below=0.2, hard_from=0.7),
    ),
    (
        "balanced reasoning",
        lambda: balanced(reasoning=True, max_fallbacks=10),
        lambda: TieredPolicy(name="balanced", reasoning=True, max_fallbacks=10),
    ),
    (
        "cheapest-capable",
        cheapest_capable,
        lambda: TieredPolicy(
            name="cheapest-capable",
            easy_below=1.0,
            hard_from=1.0,
            reasoning_low_below=0.35,
            reasoning_high_from=0.7,
        ),
    ),
    (
        "cheapest-capable reasoning",
        lambda: cheapest_capable(reasoning=True, max_fallbacks=10),
        lambda: TieredPolicy(
            name="cheapest-capable",
            easy_below=1.0,
            hard_from=1.0,
            reasoning_low_below=0.35,
            reasoning_high_from=0.7,
            reasoning=True,
            max_fallbacks=10,
        ),
    ),
    ("quality-first", quality_first, lambda: TieredPolicy(name="quality-first", prefer="quality")),
    (
        "quality-first downgrade_at",
        lambda: quality_first(downgrade_at=0.9),
        lambda: TieredPolicy(name="quality-first", prefer="quality", downgrade_at=0.9),
    ),
    (
        "policies/quality_first.py",
        lambda: load_policy(ROOT / "policies" / "quality_first.py"),
        lambda: TieredPolicy(name="quality-first", prefer="quality", reasoning=True),
    ),
    (
        "quality-first reasoning",
        lambda: quality_first(reasoning=True, max_fallbacks=10),
        lambda: TieredPolicy(
            name="quality-first", prefer="quality", reasoning=True, max_fallbacks=10
        ),
    ),
    ("latency-first", latency_first, lambda: TieredPolicy(name="latency-first", prefer="latency")),
    (
        "latency-first reasoning",
        lambda: latency_first(reasoning=True, max_fallbacks=10),
        lambda: TieredPolicy(
            name="latency-first", prefer="latency", reasoning=True, max_fallbacks=10
        ),
    ),
]

IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
# Request shapes: keyword arguments of a call, and whether the prompt carries an image.
SHAPES: list[tuple[dict[str, Any], bool]] = [
    ({}, False),
    ({"max_tokens": 16}, False),
    ({"max_tokens": 3000}, False),
    ({"latency_target_ms": 10}, False),
    ({"latency_target_ms": 1500}, False),
    ({"latency_target_ms": 4000}, False),
    ({}, True),
    ({"max_cost_usd": "0.002"}, False),
    ({"max_cost_usd": "0.05"}, False),
    ({"temperature": 0.3}, False),
]
DEPLOYMENT_SETS: list[tuple[Any, ...]] = [
    DEPS,
    tuple(d for d in DEPS if d.tier < 3),
    tuple(d for d in DEPS if d.tier > 1),
    tuple(known(n, api_key="k") for n in REASONING_NAMES),
]
MEASURED = {"claude-haiku-4-5": 5000.0, "deepseek-v4-pro": 900.0}
PRESSURES = (0.0, 0.5, 0.85, 0.95)


def prompts() -> list[tuple[str, str]]:
    out = []
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            out.append((row["id"], row["text"]))
    return out


GRID = sorted({round(0.05 * i, 2) for i in range(21)} | {0.2, 0.3499, 0.5999, 0.6999, 0.9999})


def contexts() -> Iterator[tuple[str, Request, Signals]]:
    """(id, request, signals): every labelled prompt and grid point, in every request shape,
    each with one deployment set, budget pressure and latency/breaker state (in rotation)."""
    est = default_estimator()
    points: list[tuple[str, str, float | None]] = [(i, t, None) for i, t in prompts()]
    points += [(f"grid-{d}", "Explain the trade-offs of B-trees.", d) for d in GRID]
    k = 0
    for pid, text, fixed in points:
        e = est.estimate([{"role": "user", "content": text}])
        for kwargs, image in SHAPES:
            k += 1
            content: Any = [{"type": "text", "text": text}, IMAGE] if image else text
            request = build_request([{"role": "user", "content": content}], kwargs)
            deps = DEPLOYMENT_SETS[k % len(DEPLOYMENT_SETS)]
            signals = Signals(
                deployments=deps,
                difficulty=e.score if fixed is None else fixed,
                category=e.category,
                difficulty_features=e.features,
                input_tokens=request.input_tokens_estimate,
                budget_pressure=PRESSURES[(k // 4) % len(PRESSURES)],
                predicted_latency_ms=MEASURED if k % 3 == 0 else {},
                open_breakers=frozenset({"deepseek-v4-flash"}) if k % 7 == 0 else frozenset(),
            )
            yield f"{pid} {kwargs}{' +image' if image else ''}", request, signals


TIER = re.compile(r"\b(small|strong|premium) tier\b")
SAME = re.compile(
    r"^(skipped |no deployment predicted within |difficulty features: |.*-> DeepSeek |"
    r"[\w.-]+: (reasoning_effort=|thinking ))"
)


def facts(plan: Plan) -> dict[str, Any]:
    """What a plan's reasons say, apart from wording that differs between the two engines."""
    none_of = [
        m.groups()
        for r in plan.reasons
        if (m := re.match(r"no (?:capable|usable) (\w+) deployment.*; using tier (\d)", r))
    ]
    return {
        "same lines": sorted(r for r in plan.reasons if SAME.match(r)),
        "tiers named": sorted(
            {t for r in plan.reasons if "deployment" not in r for t in TIER.findall(r)}
        ),
        "no tier left": none_of,
        "fastest": [r.split(" (")[0] for r in plan.reasons if r.startswith("fastest predicted")],
    }


def decided(plan: Plan) -> tuple[Any, ...]:
    fields = ("choices", "rejected", "policy", "difficulty", "category", "baseline", "cascade")
    return tuple(getattr(plan, f) for f in fields)


def route(policy: Any, request: Request, signals: Signals) -> Plan | str:
    try:
        plan: Plan = policy.route(request, signals)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return plan


ALL = list(contexts())


@pytest.mark.parametrize(("label", "new", "old"), CASES, ids=[c[0] for c in CASES])
def test_the_preset_plans_as_the_old_tiered_class(
    label: str, new: Callable[[], Any], old: Callable[[], Any]
) -> None:
    new_policy, old_policy = new(), old()
    compared = 0
    for cid, request, signals in ALL:
        got, want = route(new_policy, request, signals), route(old_policy, request, signals)
        if isinstance(want, str) or isinstance(got, str):
            assert got == want, (label, cid)
            continue
        if label.startswith("latency-first") and expected_output_tokens(request) < 400:
            out = expected_output_tokens(request)
            fastest = min(
                (d for d in signals.deployments if d.name not in dict(got.rejected)),
                key=lambda d: predicted_latency_ms(d, signals, out),
            )
            assert got.primary.deployment == fastest.name, (label, cid)
            continue
        if label.startswith("cheapest-capable") and signals.difficulty >= 1.0:
            below = route(old_policy, request, _at(signals, 0.99))
            assert not isinstance(below, str)
            assert got.choices == below.choices, (label, cid)
            continue
        assert decided(got) == decided(want), (label, cid)
        assert facts(got) == facts(want), (label, cid, got.reasons, want.reasons)
        compared += 1
    assert compared > 0.8 * len(ALL)


def _at(signals: Signals, difficulty: float) -> Signals:
    import dataclasses

    return dataclasses.replace(signals, difficulty=difficulty)


KEYS = (
    "small tier",
    "strong tier",
    "premium tier",
    "down to",
    "no usable",
    "no deployment predicted within",
    "skipped",
    "circuit breaker",
    "reasoning_effort=",
    "thinking budget",
    "DeepSeek",
    "max_cost_usd",
)


def test_the_comparison_covers_every_path() -> None:
    """The contexts reach each branch: every tier wanted, downgrades, empty tiers, latency
    fallbacks, incapable deployments, breakers, reasoning and cost caps."""
    seen: set[str] = set()
    for _, request, signals in ALL:
        for make in (balanced, quality_first, lambda: balanced(reasoning=True)):
            plan = route(make(), request, signals)
            if not isinstance(plan, str):
                text = " | ".join(plan.reasons)
                seen.update(key for key in KEYS if key in text)
    assert seen == set(KEYS)
