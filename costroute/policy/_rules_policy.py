"""``Rules``: a chain of rules as a policy."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from costroute import difficulty
from costroute.catalog import Deployment
from costroute.difficulty import Estimator
from costroute.errors import ConfigError, NoDeploymentAvailable
from costroute.policy._capability import with_cost_cap
from costroute.policy._context import Context
from costroute.policy._rule import TIER_NAMES
from costroute.policy._where import caller_location
from costroute.policy.rules import Chain, Rule, prefer_cheap, require_capabilities
from costroute.types import Cascade, Choice, Plan, Request, Signals

__all__ = ["Rules", "check_names", "signal_reasons"]


def features_reason(signals: Signals) -> list[str]:
    """The difficulty features that decided the score, as one reason (none without features)."""
    if not signals.difficulty_features:
        return []
    top = ", ".join(f"{n} {v:+.2f}" for n, v in signals.difficulty_features)
    return [f"difficulty features: {top}"]


def signal_reasons(signals: Signals) -> list[str]:
    """Reasons that say which signals the plan saw: difficulty and its features, budget."""
    out = [f"difficulty {signals.difficulty:.2f} ({signals.category})", *features_reason(signals)]
    if signals.budget_pressure > 0:
        out.append(f"budget pressure {signals.budget_pressure:.0%}")
    return out


def check_names(names: Iterable[tuple[str, str]], deployments: Iterable[str], policy: str) -> None:
    """ConfigError naming the file and line of the first reference to an unknown deployment."""
    known = set(deployments)
    for name, where in names:
        if name not in known:
            raise ConfigError(
                f"Policy {policy!r} refers to deployment {name!r}, which this router does not "
                f"have ({where}).",
                field=where,
                fix=f"use one of {', '.join(sorted(known))}",
            )


class Rules:
    """A policy made of rules: capability filter, then ``rule`` (a chain), then the plan.

    The first ``1 + max_fallbacks`` candidates become the plan's choices. Each choice gets the
    parameters rules set for it, and a ``max_tokens`` cap when ``max_cost_usd`` needs one.
    ``estimator`` (anything :func:`costroute.difficulty.load_estimator` takes) is the estimator
    the rules were tuned with; a router without an ``estimator=`` of its own scores with it.
    """

    def __init__(
        self,
        rule: Rule | None = None,
        *,
        name: str = "rules",
        max_fallbacks: int = 2,
        baseline: str | None = None,
        estimator: Any = None,
    ) -> None:
        if max_fallbacks < 0:
            raise ConfigError(
                f"Policy {name!r}: max_fallbacks={max_fallbacks}.",
                field="max_fallbacks",
                fix="use 0 or more",
            )
        self.rule: Rule = Chain(
            require_capabilities(), rule if rule is not None else prefer_cheap()
        )
        self.name = name
        self.max_fallbacks = max_fallbacks
        self.baseline = baseline
        self.estimator: Estimator | None = (
            None if estimator is None else difficulty.load_estimator(estimator)
        )
        self.where = caller_location()

    def validate(self, deployments: Iterable[str]) -> None:
        """ConfigError, naming file and line, if a rule names a deployment not in ``deployments``
        or cannot work with them (e.g. a quality table that knows none of them).

        (The router checks ``baseline`` itself: it may also be a pinned model.)
        """
        names = list(deployments)
        refs = [(n, r.where) for r in _rules_of(self.rule) for n in r.names]
        check_names(refs, names, self.name)
        for rule in _rules_of(self.rule):
            rule.validate(names)

    def route(self, request: Request, signals: Signals) -> Plan:
        """Apply the rules and build the plan; pure."""
        ctx = Context(request, signals, list(signals.deployments), signal_reasons(signals))
        self.rule(ctx)
        if not ctx.candidates:
            raise NoDeploymentAvailable(
                "No deployment left after the policy's rules",
                [f"{n}: {w}" for n, w in ctx.rejected],
            )
        pool: tuple[Deployment, ...] = ()
        check = None
        if ctx.cascade is not None:
            check, pool = ctx.cascade
        chosen = [d for d in ctx.candidates if d not in pool][: 1 + self.max_fallbacks]
        first = chosen[0]
        if ctx.tier is not None and all(d.tier != ctx.tier for d in ctx.candidates):
            ctx.reasons.append(
                f"no usable {TIER_NAMES[ctx.tier]} deployment; using tier {first.tier}"
            )
        ctx.reasons.append(f"first: {first.name} (tier {first.tier}, est ${ctx.cost(first):.6f})")
        ctx.reasons.extend(f"skipped {n}: {w}" for n, w in ctx.rejected)
        choices = tuple(
            _choice(request, d, ctx, "primary" if i == 0 else f"fallback {i}")
            for i, d in enumerate(chosen)
        )
        fields: dict[str, Any] = {
            "choices": choices,
            "policy": self.name,
            "difficulty": signals.difficulty,
            "category": signals.category,
            "reasons": tuple(ctx.reasons),
            "baseline": self.baseline,
            "rejected": tuple(ctx.rejected),
        }
        if check is None:
            return Plan(**fields)
        escalate = tuple(
            _choice(request, d, ctx, "escalation" if i == 0 else f"escalation fallback {i}")
            for i, d in enumerate(pool[: 1 + self.max_fallbacks])
        )
        return Plan(**fields, cascade=Cascade(check, escalate))

    def __repr__(self) -> str:
        return f"<Rules {self.name!r}: {self.rule!r}>"


def _rules_of(rule: Rule) -> tuple[Rule, ...]:
    return rule.rules if isinstance(rule, Chain) else (rule,)


def _choice(request: Request, dep: Deployment, ctx: Context, why: str) -> Choice:
    params, note = with_cost_cap(request, dep, ctx.params.get(dep.name, {}))
    if note and why == "primary":
        ctx.reasons.append(note)
    return Choice(
        deployment=dep.name, params=params, reasons=(why,), estimated_cost_usd=ctx.cost(dep)
    )
