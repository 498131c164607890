"""The first routing policy: difficulty picks a quality tier, price picks within it.

A request whose difficulty is below ``easy_below`` (0.35) goes to the cheapest capable tier-1
deployment; one at or above ``hard_from`` (0.6) to the cheapest capable premium (tier-3) deployment;
the rest to tier 2 (``prefer="quality"`` wants premium whatever the difficulty;
``prefer="latency"`` ignores tiers and takes the fastest predicted). Deployments that cannot serve
the request (tools, images, JSON mode, context length, max_cost_usd, an open breaker) are never
chosen, and the plan says why. A latency target drops deployments predicted to miss it (if none
meets it, the fastest is kept). Budget pressure (non-zero once a budget window has reached its soft
limit) at or above ``downgrade_at`` lowers the wanted tier by one. The other capable deployments
follow as fallbacks: the same tier first, then higher tiers, then lower ones, cheapest first
within each.

With ``reasoning=True`` each choice also gets its reasoning effort from difficulty (see
:mod:`costroute.policy._reasoning`): ``"low"`` below ``reasoning_low_below``, ``"high"`` from
``reasoning_high_from`` (both default to the tier thresholds ``easy_below`` and ``hard_from``),
and among DeepSeek deployments the reasoner goes first for hard requests, exactly as the rule
:class:`~costroute.policy.rules.set_reasoning` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from costroute.catalog import Deployment
from costroute.errors import ConfigError
from costroute.policy._capability import (
    DEFAULT_OUTPUT_TOKENS,
    expected_cost,
    split_capable,
    with_cost_cap,
)
from costroute.policy._latency import predicted_latency_ms, split_by_latency
from costroute.policy._reasoning import deepseek_first, reasoning_params
from costroute.policy._rule import TIER_NAMES
from costroute.policy._rules_policy import features_reason
from costroute.types import Choice, Plan, Request, Signals

__all__ = ["TieredPolicy"]


@dataclass(frozen=True, slots=True)
class TieredPolicy:
    """Route by difficulty tier, then by price; see the module docstring."""

    name: str = "balanced"
    easy_below: float = 0.35
    hard_from: float = 0.6
    downgrade_at: float = 0.0
    max_fallbacks: int = 2
    prefer: str = "cost"  # "cost" | "quality" | "latency"
    baseline: str | None = None
    reasoning: bool = False
    reasoning_low_below: float | None = None
    """With ``reasoning=True``: effort ``"low"`` below this difficulty (None: ``easy_below``)."""
    reasoning_high_from: float | None = None
    """With ``reasoning=True``: effort ``"high"`` from this difficulty (None: ``hard_from``)."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.easy_below <= self.hard_from <= 1.0:
            raise ConfigError(
                f"Policy {self.name!r}: thresholds easy_below={self.easy_below} and "
                f"hard_from={self.hard_from} must satisfy 0 <= easy_below <= hard_from <= 1.",
                field="easy_below/hard_from",
                fix="e.g. easy_below=0.35, hard_from=0.7",
            )
        if self.prefer not in ("cost", "quality", "latency"):
            raise ConfigError(
                f"Policy {self.name!r}: prefer={self.prefer!r}.",
                field="prefer",
                fix="use 'cost', 'quality' or 'latency'",
            )
        if self.max_fallbacks < 0:
            raise ConfigError(
                f"Policy {self.name!r}: max_fallbacks={self.max_fallbacks}.",
                field="max_fallbacks",
                fix="use 0 or more",
            )
        low, high = self.reasoning_thresholds
        if not 0.0 <= low <= high <= 1.0:
            raise ConfigError(
                f"Policy {self.name!r}: reasoning thresholds reasoning_low_below={low} and "
                f"reasoning_high_from={high} must satisfy 0 <= low <= high <= 1.",
                field="reasoning_low_below/reasoning_high_from",
                fix="e.g. reasoning_low_below=0.35, reasoning_high_from=0.7",
            )

    @property
    def reasoning_thresholds(self) -> tuple[float, float]:
        """``(low_below, high_from)`` of the reasoning effort (``reasoning=True``)."""
        low = self.easy_below if self.reasoning_low_below is None else self.reasoning_low_below
        high = self.hard_from if self.reasoning_high_from is None else self.reasoning_high_from
        return low, high

    def _wanted_tier(self, signals: Signals, reasons: list[str]) -> int:
        d = signals.difficulty
        if self.prefer == "latency":  # tiers play no part: neither difficulty nor budget pressure
            reasons.append(f"latency-first: the fastest predicted of any tier (difficulty {d:.2f})")
            reasons.extend(features_reason(signals))
            return 0
        if self.prefer == "quality":
            tier = 3
            reasons.append("quality-first: premium tier")
        elif d >= self.hard_from:
            tier = 3
            reasons.append(f"difficulty {d:.2f} >= {self.hard_from} -> premium tier")
        elif d < self.easy_below:
            tier = 1
            reasons.append(f"difficulty {d:.2f} < {self.easy_below} -> small tier")
        else:
            tier = 2
            reasons.append(
                f"difficulty {d:.2f} in [{self.easy_below}, {self.hard_from}) -> strong tier"
            )
        reasons.extend(features_reason(signals))
        pressure = signals.budget_pressure
        if pressure > 0 and pressure >= self.downgrade_at and tier > 1:
            tier -= 1
            reasons.append(
                f"budget pressure {pressure:.0%} (a soft limit is reached)"
                f" -> down to {TIER_NAMES[tier]} tier"
            )
        return tier

    def route(self, request: Request, signals: Signals) -> Plan:
        reasons: list[str] = []
        capable, rejected = split_capable(request, signals)
        tier = self._wanted_tier(signals, reasons)
        usable = self._within_latency(request, signals, capable, reasons, rejected)
        costs = {d.name: expected_cost(request, d) for d in usable}
        ranked = sorted(usable, key=lambda d: self._rank(d, tier, costs[d.name], signals))
        by_rank, seated = ranked[0], None
        if self.reasoning:  # the same DeepSeek re-seating as the set_reasoning rule
            ranked, seated = deepseek_first(
                ranked, signals.difficulty, self.reasoning_thresholds[1]
            )
        chosen = ranked[: 1 + self.max_fallbacks]
        first = chosen[0]
        if self.prefer != "latency" and not any(d.tier == tier for d in usable):
            gone = " within the latency target" if any(d.tier == tier for d in capable) else ""
            reasons.append(
                f"no capable {TIER_NAMES[tier]} deployment{gone}; using tier {first.tier}"
            )
        if seated:
            reasons.append(seated)
        reasons.append(
            self._why_first(first, costs[first.name], signals, moved=first is not by_rank)
        )
        reasons.extend(f"skipped {name}: {why}" for name, why in rejected)
        return Plan(
            choices=tuple(
                self._choice(request, d, i, costs[d.name], signals.difficulty, reasons)
                for i, d in enumerate(chosen)
            ),
            policy=self.name,
            difficulty=signals.difficulty,
            category=signals.category,
            reasons=tuple(reasons),
            baseline=self.baseline,
            rejected=tuple(rejected),
        )

    def _within_latency(
        self,
        request: Request,
        signals: Signals,
        capable: list[Deployment],
        reasons: list[str],
        rejected: list[tuple[str, str]],
    ) -> list[Deployment]:
        target = request.latency_target_ms
        if target is None:
            return capable
        kept, dropped, note = split_by_latency(capable, request, signals, target)
        if note:
            reasons.append(note)
        rejected.extend(dropped)
        return kept

    def _rank(
        self, dep: Deployment, tier: int, cost: Decimal, signals: Signals
    ) -> tuple[float, ...]:
        # Same tier first, then higher tiers (better quality) in order, then lower ones.
        distance = dep.tier - tier if dep.tier >= tier else 10 + (tier - dep.tier)
        if self.prefer == "latency":
            return (predicted_latency_ms(dep, signals, DEFAULT_OUTPUT_TOKENS),)
        return (distance, float(cost))

    def _why_first(self, first: Deployment, cost: Decimal, signals: Signals, *, moved: bool) -> str:
        if moved:  # the DeepSeek re-seating put it first, not the ranking
            return f"first: {first.name} (tier {first.tier}, est ${cost:.6f})"
        if self.prefer == "latency":
            ms = predicted_latency_ms(first, signals, DEFAULT_OUTPUT_TOKENS)
            return f"fastest predicted: {first.name} (~{ms:.0f} ms, est ${cost:.6f})"
        return f"cheapest capable in tier {first.tier}: {first.name} (est ${cost:.6f})"

    def _choice(
        self,
        request: Request,
        dep: Deployment,
        index: int,
        cost: Decimal,
        difficulty: float,
        reasons: list[str],
    ) -> Choice:
        extra: dict[str, Any] = {}
        if self.reasoning:
            low, high = self.reasoning_thresholds
            extra, effort = reasoning_params(
                request, dep, difficulty, low_below=low, high_from=high
            )
            if effort and index == 0:
                reasons.append(effort)
        params, note = with_cost_cap(request, dep, extra)
        if note and index == 0:
            reasons.append(note)
        return Choice(
            deployment=dep.name,
            params=params,
            reasons=("primary",) if index == 0 else (f"fallback {index}",),
            estimated_cost_usd=cost,
        )
