"""The presets are Rules chains that plan as the retired ``TieredPolicy`` class did.

Over the labelled prompts of tests/difficulty/data (scored by the default estimator) and a grid
of difficulties around every threshold, crossed with request shapes (latency targets, output
caps, images, cost caps, sampling parameters), deployment sets, breakers and budget pressure,
each preset's plans (choices with their params and estimated costs, rejected deployments, what
the reasons say) are checked against expectations recorded in data/preset_plans.json.

Those expectations were recorded once the presets, rebuilt as Rules chains, had been compared
plan by plan with the old class over the same contexts (the commit that added this file;
the old class left in the next one). Two differences were deliberate, and are checked here:

- ``latency_first`` ranks by the latency predicted for the request's own expected output (as
  its latency filter already did), not for a fixed 400 tokens;
- ``cheapest_capable`` at difficulty 1.0 keeps the small tier first (the old class wanted
  premium there, the one difficulty at which its "tier by difficulty" thresholds of 1.0 fired).

After an intended change of a preset, record again with
``python tests/policy/test_policy_presets_as_rules.py --record`` and say why in the commit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from costroute._request import build_request
from costroute.catalog import default_deployments, known
from costroute.difficulty import default_estimator
from costroute.policy import (
    TieredPolicy,
    balanced,
    cheapest_capable,
    expected_output_tokens,
    latency_first,
    load_policy,
    predicted_latency_ms,
    quality_first,
)
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

# (label, preset); the labels key the recorded expectations.
CASES: list[tuple[str, Callable[[], Any]]] = [
    ("balanced", balanced),
    ("policies/balanced.py", lambda: load_policy(ROOT / "policies" / "balanced.py")),
    ("balanced(0.2, 0.7)", lambda: balanced(easy_below=0.2, hard_from=0.7)),
    ("balanced reasoning", lambda: balanced(reasoning=True, max_fallbacks=10)),
    ("cheapest-capable", cheapest_capable),
    ("cheapest-capable reasoning", lambda: cheapest_capable(reasoning=True, max_fallbacks=10)),
    ("quality-first", quality_first),
    ("quality-first downgrade_at", lambda: quality_first(downgrade_at=0.9)),
    ("policies/quality_first.py", lambda: load_policy(ROOT / "policies" / "quality_first.py")),
    ("quality-first reasoning", lambda: quality_first(reasoning=True, max_fallbacks=10)),
    ("latency-first", latency_first),
    ("latency-first reasoning", lambda: latency_first(reasoning=True, max_fallbacks=10)),
]
RECORDED = Path(__file__).with_name("data") / "preset_plans.json"

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


GRID_PROMPT = "Explain the trade-offs of B-trees."
Scored = tuple[float, str, tuple[tuple[str, float], ...]]


def scores(live: bool = False) -> dict[str, Scored]:
    """Each prompt's difficulty, category and features: as recorded (so that a change of the
    estimator does not move this test), or ``live`` from the default estimator to record."""
    if not live:
        table = json.loads(RECORDED.read_text())["scores"]
        return {k: (v[0], v[1], tuple((n, x) for n, x in v[2])) for k, v in table.items()}
    est = default_estimator()
    out: dict[str, Scored] = {}
    for pid, text in [*prompts(), ("grid", GRID_PROMPT)]:
        e = est.estimate([{"role": "user", "content": text}])
        out[pid] = (e.score, e.category, e.features)
    return out


def contexts() -> Iterator[tuple[str, Request, Signals]]:
    """(id, request, signals): every labelled prompt and grid point, in every request shape,
    each with one deployment set, budget pressure and latency/breaker state (in rotation)."""
    scored = scores()
    points: list[tuple[str, str, float | None]] = [(i, t, None) for i, t in prompts()]
    points += [(f"grid-{d}", GRID_PROMPT, d) for d in GRID]
    k = 0
    for pid, text, fixed in points:
        score, category, features = scored[pid if fixed is None else "grid"]
        for kwargs, image in SHAPES:
            k += 1
            content: Any = [{"type": "text", "text": text}, IMAGE] if image else text
            request = build_request([{"role": "user", "content": content}], kwargs)
            deps = DEPLOYMENT_SETS[k % len(DEPLOYMENT_SETS)]
            signals = Signals(
                deployments=deps,
                difficulty=score if fixed is None else fixed,
                category=category,
                difficulty_features=features,
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


ALL = list(contexts()) if RECORDED.exists() else []


def outcome(plan: Plan | str) -> str:
    """A plan as one canonical line: its decisions and what its reasons say (or the error)."""
    if isinstance(plan, str):
        return plan
    decisions = [
        [(c.deployment, dict(c.params), str(c.estimated_cost_usd), c.reasons, c.dropped)
         for c in plan.choices],
        plan.rejected, plan.policy, plan.difficulty, plan.category, plan.baseline,
        plan.cascade is not None,
    ]  # fmt: skip
    return json.dumps([decisions, facts(plan)], sort_keys=True, default=str)


def record(make: Callable[[], Any]) -> dict[str, Any]:
    """A digest of every context's outcome, and the grid points' first choices to read."""
    policy = make()
    lines = [outcome(route(policy, request, signals)) for _, request, signals in ALL]
    sample = {
        cid: " > ".join(c.deployment for c in plan.choices) if not isinstance(plan, str) else plan
        for cid, request, signals in ALL
        if cid.startswith("grid-") and cid.endswith(" {}")
        for plan in [route(policy, request, signals)]
    }
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    return {"contexts": len(lines), "digest": digest, "grid": sample}


@pytest.mark.parametrize(("label", "make"), CASES, ids=[c[0] for c in CASES])
def test_the_preset_plans_as_recorded(label: str, make: Callable[[], Any]) -> None:
    want = json.loads(RECORDED.read_text())["presets"][label]
    got = record(make)
    assert got["contexts"] == want["contexts"]
    assert got["grid"] == want["grid"]  # readable first: the grid points' choices
    assert got["digest"] == want["digest"], f"{label}: a plan changed (see the module docstring)"


def test_latency_first_picks_the_fastest_for_the_requests_own_output() -> None:
    policy = latency_first()
    short = 0
    for cid, request, signals in ALL:
        plan = route(policy, request, signals)
        if isinstance(plan, str):
            continue
        out = expected_output_tokens(request)
        short += out < 400
        kept = [d for d in signals.deployments if d.name not in dict(plan.rejected)]
        fastest = min(kept, key=lambda d: predicted_latency_ms(d, signals, out))
        assert plan.primary.deployment == fastest.name, cid
    assert short > 50  # max_tokens=16 requests, where 400 tokens would rank otherwise


def test_cheapest_capable_at_difficulty_one_stays_in_the_small_tier() -> None:
    policy = cheapest_capable()
    at_one = [(r, s) for _, r, s in ALL if s.difficulty >= 1.0]
    assert at_one
    for request, signals in at_one:
        top, below = (
            route(policy, request, signals),
            route(policy, request, dataclasses.replace(signals, difficulty=0.99)),
        )
        assert not isinstance(top, str) and not isinstance(below, str)
        assert top.choices == below.choices


@pytest.mark.parametrize(
    ("kwargs", "preset"),
    [
        ({}, balanced),
        ({"prefer": "quality", "name": "quality-first"}, quality_first),
        ({"prefer": "latency", "name": "latency-first"}, latency_first),
    ],
)
def test_tiered_policy_builds_the_presets(kwargs: dict[str, Any], preset: Any) -> None:
    old_style, new = TieredPolicy(**kwargs), preset()
    assert repr(old_style) == repr(new)
    for _, request, signals in ALL[::40]:
        assert outcome(route(old_style, request, signals)) == outcome(route(new, request, signals))


def test_tiered_policy_refuses_what_the_class_refused() -> None:
    from costroute.errors import ConfigError

    for kwargs, field in (
        ({"prefer": "speed"}, "prefer"),
        ({"easy_below": 0.8, "hard_from": 0.2}, "easy_below/hard_from"),
        (
            {"reasoning_low_below": 0.8, "reasoning_high_from": 0.4},
            "reasoning_low_below/reasoning_high_from",
        ),
        ({"max_fallbacks": -1}, "max_fallbacks"),
    ):
        with pytest.raises(ConfigError) as err:
            TieredPolicy(**kwargs)
        assert err.value.field == field and err.value.fix


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


if __name__ == "__main__" and sys.argv[1:] == ["--record"]:
    RECORDED.parent.mkdir(exist_ok=True)
    RECORDED.write_text(json.dumps({"scores": scores(live=True), "presets": {}}))
    ALL[:] = list(contexts())
    table = {label: record(make) for label, make in CASES}
    RECORDED.write_text(
        json.dumps({"scores": scores(live=True), "presets": table}, indent=1, sort_keys=True) + "\n"
    )
    print(f"recorded {len(table)} presets over {len(ALL)} contexts in {RECORDED}")
