"""Composable routing rules, in the spirit of tenacity's strategies.

A rule is a small object with ``__call__(ctx)`` that filters, reorders or annotates the
candidate deployments of a :class:`~costroute.policy._context.Context`. Rules chain with ``|``
(applied left to right; each ordering rule is a stable sort, so a later rule takes priority and
earlier ones break its ties). :class:`Rules` turns a chain into a policy::

    policy = Rules(
        prefer_cheap() | escalate_when(difficulty_above(0.7), to_tier=3) | within_latency(),
        name="mine",
    )

Capability filtering (:func:`require_capabilities`) always runs first, so no chain can pick a
deployment that cannot serve the request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from costroute._lazy import lazy_names
from costroute.errors import ConfigError, NoDeploymentAvailable
from costroute.policy._capability import expected_output_tokens, split_capable
from costroute.policy._conditions import (
    Condition,
    budget_above,
    category_is,
    difficulty_above,
    difficulty_below,
    needs,
    when,
)
from costroute.policy._context import Context
from costroute.policy._latency import predicted_latency_ms, split_by_latency
from costroute.policy._rule import TIER_NAMES, Chain, Rule, _Sort
from costroute.policy._where import caller_location

if TYPE_CHECKING:
    from costroute.policy._escalation import cascade_to, set_reasoning

__all__ = [
    "Chain",
    "Condition",
    "Context",
    "Rule",
    "budget_above",
    "cascade_to",
    "category_is",
    "difficulty_above",
    "difficulty_below",
    "downgrade_when",
    "escalate_when",
    "exclude",
    "needs",
    "only",
    "prefer",
    "prefer_cheap",
    "prefer_fast",
    "prefer_quality",
    "prefer_tier",
    "require_capabilities",
    "set_reasoning",
    "tier_by_difficulty",
    "when",
    "within_latency",
]

# The escalation rules, and the acceptance checks cascade_to uses, load on first use.
__getattr__ = lazy_names(
    __name__,
    {
        "cascade_to": "costroute.policy._escalation",
        "set_reasoning": "costroute.policy._escalation",
    },
)


def prefer_cheap() -> Rule:
    """Order by expected cost, cheapest first."""
    return _Sort("prefer_cheap", lambda ctx, d: float(ctx.cost(d)))


class prefer_fast(Rule):
    """Order by predicted latency (measured when the router has stats, else the prior) of the
    request's expected output; the reasons name the fastest."""

    def __call__(self, ctx: Context) -> None:
        out = expected_output_tokens(ctx.request)
        ms = {d.name: predicted_latency_ms(d, ctx.signals, out) for d in ctx.candidates}
        ctx.candidates.sort(key=lambda d: ms[d.name])
        if ctx.candidates:
            first = ctx.candidates[0].name
            ctx.reasons.append(f"fastest predicted: {first} (~{ms[first]:.0f} ms)")


def prefer_quality() -> Rule:
    """Order by tier, premium first."""
    return _Sort("prefer_quality", lambda _ctx, d: -d.tier)


class require_capabilities(Rule):
    """Drop deployments that cannot serve the request (tools, vision, JSON, context, cost cap)
    or whose circuit breaker is open; raise NoDeploymentAvailable, with every reason, if none can.
    """

    def __call__(self, ctx: Context) -> None:
        capable, rejected = split_capable(ctx.request, ctx.signals)
        keep = {d.name for d in capable}
        why = dict(rejected)
        for dep in list(ctx.candidates):
            if dep.name not in keep:
                ctx.drop(dep, why[dep.name])
        if not ctx.candidates:
            raise NoDeploymentAvailable(
                "No deployment can serve this request", [f"{n}: {w}" for n, w in ctx.rejected]
            )


class within_latency(Rule):
    """Drop deployments predicted to miss the latency target (the request's, or ``target_ms``);
    if none meets it, keep the fastest and say so."""

    def __init__(self, target_ms: float | None = None) -> None:
        self.target_ms = target_ms

    def __call__(self, ctx: Context) -> None:
        target = self.target_ms if self.target_ms is not None else ctx.request.latency_target_ms
        if target is None or not ctx.candidates:
            return
        kept, dropped, note = split_by_latency(ctx.candidates, ctx.request, ctx.signals, target)
        if note:
            ctx.reasons.append(note)
        why = dict(dropped)
        for d in list(ctx.candidates):
            if d not in kept:
                ctx.drop(d, why[d.name])


def _tier_first(ctx: Context, tier: int) -> None:
    """``tier`` wanted: its deployments first, then higher tiers, then lower ones."""
    ctx.tier = tier
    ctx.candidates.sort(key=lambda x: x.tier - tier if x.tier >= tier else 10 + tier - x.tier)


class prefer_tier(Rule):
    """Want ``tier`` (1 small, 2 strong, 3 premium): its deployments first, then higher tiers,
    then lower ones."""

    def __init__(self, tier: int) -> None:
        if tier not in TIER_NAMES:
            raise ConfigError(
                f"prefer_tier({tier!r}): tiers are 1, 2 and 3.", field="tier", fix="use 1, 2 or 3"
            )
        self.tier = tier

    def __call__(self, ctx: Context) -> None:
        ctx.reasons.append(f"{TIER_NAMES[self.tier]} tier first")
        _tier_first(ctx, self.tier)


class tier_by_difficulty(Rule):
    """Difficulty picks a tier (small < ``easy_below`` <= strong < ``hard_from`` <= premium);
    that tier first, then higher tiers, then lower ones."""

    def __init__(self, easy_below: float = 0.35, hard_from: float = 0.6) -> None:
        if not 0.0 <= easy_below <= hard_from <= 1.0:
            raise ConfigError(
                f"tier_by_difficulty(easy_below={easy_below}, hard_from={hard_from}): need "
                "0 <= easy_below <= hard_from <= 1.",
                field="easy_below/hard_from",
                fix="e.g. tier_by_difficulty(0.35, 0.7)",
            )
        self.easy_below, self.hard_from = easy_below, hard_from

    def __call__(self, ctx: Context) -> None:
        d = ctx.signals.difficulty
        if d >= self.hard_from:
            tier, why = 3, f">= {self.hard_from}"
        elif d < self.easy_below:
            tier, why = 1, f"< {self.easy_below}"
        else:
            tier, why = 2, f"in [{self.easy_below}, {self.hard_from})"
        ctx.reasons.append(f"difficulty {d:.2f} {why} -> {TIER_NAMES[tier]} tier")
        _tier_first(ctx, tier)


class escalate_when(Rule):
    """When ``condition`` holds, move deployments of tier >= ``to_tier`` (or the named ones,
    ``to=``) to the front, keeping their order."""

    def __init__(
        self, condition: Condition, *, to_tier: int | None = None, to: Sequence[str] = ()
    ) -> None:
        if (to_tier is None) == (not to):
            raise ConfigError(
                "escalate_when() needs exactly one target: to_tier=N or to=[names].",
                field="escalate_when",
                fix="e.g. escalate_when(difficulty_above(0.7), to_tier=3)",
            )
        if to_tier is not None and to_tier not in (1, 2, 3):
            raise ConfigError(
                f"escalate_when(to_tier={to_tier}): tiers are 1, 2 and 3.",
                field="to_tier",
                fix="use 1, 2 or 3",
            )
        self.condition, self.to_tier = condition, to_tier
        self.names = (to,) if isinstance(to, str) else tuple(to)
        self.where = caller_location()

    def __call__(self, ctx: Context) -> None:
        if not self.condition(ctx.request, ctx.signals):
            return
        if self.to_tier is not None:
            hit = [d for d in ctx.candidates if d.tier >= self.to_tier]
            target = f"tier >= {self.to_tier}"
        else:
            hit = [d for d in ctx.candidates if d.name in self.names]
            target = ", ".join(self.names)
        if not hit:
            ctx.reasons.append(f"{self.condition.label}, but no capable {target} deployment")
            return
        ctx.candidates = hit + [d for d in ctx.candidates if d not in hit]
        ctx.reasons.append(f"{self.condition.label} -> escalate to {target}")


class downgrade_when(Rule):
    """When ``condition`` holds (e.g. ``budget_above(0.8)``), want one tier lower: below the
    tier a tier rule asked for (``tier_by_difficulty``, ``prefer_tier``), else below the current
    first choice; that tier's deployments move to the front."""

    def __init__(self, condition: Condition) -> None:
        self.condition = condition

    def __call__(self, ctx: Context) -> None:
        if not ctx.candidates or not self.condition(ctx.request, ctx.signals):
            return
        lower = (ctx.tier if ctx.tier is not None else ctx.candidates[0].tier) - 1
        hit = [d for d in ctx.candidates if d.tier == lower]
        if ctx.tier is not None and lower >= 1:
            ctx.tier = lower  # wanted even if none is left: the plan then says so
        elif not hit:
            return
        ctx.candidates = hit + [d for d in ctx.candidates if d not in hit]
        ctx.reasons.append(f"{self.condition.label} -> down to {TIER_NAMES[lower]} tier")


class only(Rule):
    """Keep only the named deployments."""

    def __init__(self, *names: str) -> None:
        self.names, self.where = tuple(names), caller_location()

    def __call__(self, ctx: Context) -> None:
        for d in list(ctx.candidates):
            if d.name not in self.names:
                ctx.drop(d, "not allowed by only(...)")


class exclude(Rule):
    """Drop the named deployments."""

    def __init__(self, *names: str) -> None:
        self.names, self.where = tuple(names), caller_location()

    def __call__(self, ctx: Context) -> None:
        for d in list(ctx.candidates):
            if d.name in self.names:
                ctx.drop(d, "excluded by the policy")


class prefer(Rule):
    """Move the named deployments to the front, in the given order."""

    def __init__(self, *names: str) -> None:
        self.names, self.where = tuple(names), caller_location()

    def __call__(self, ctx: Context) -> None:
        rank = {n: i for i, n in enumerate(self.names)}
        ctx.candidates.sort(key=lambda d: rank.get(d.name, len(rank)))
