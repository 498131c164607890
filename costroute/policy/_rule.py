"""The base of the composable rules (:mod:`costroute.policy.rules`): a rule edits a
:class:`~costroute.policy._context.Context`; ``a | b`` chains rules left to right."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from costroute.catalog import Deployment
from costroute.errors import ConfigError
from costroute.policy._context import Context

__all__ = ["TIER_NAMES", "Chain", "Rule"]

TIER_NAMES = {1: "small", 2: "strong", 3: "premium"}


class Rule:
    """Base of every rule: ``rule(ctx)`` edits the context; ``a | b`` chains two rules."""

    names: tuple[str, ...] = ()
    """Deployment names this rule refers to (checked against the router's when bound)."""
    where: str = "<unknown>"
    """``file:line`` where the rule was built."""

    def __call__(self, ctx: Context) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def validate(self, deployments: Sequence[str]) -> None:
        """Raise ConfigError if this rule cannot work with a router of these deployments.

        Called once when the policy is bound to a router (before any call); the default accepts
        any (``names`` are checked by :class:`Rules` itself).
        """

    def __or__(self, other: Rule) -> Chain:
        return Chain(*_flat(self), *_flat(other))

    def __repr__(self) -> str:
        return f"<rule {type(self).__name__}>"


def _flat(rule: Rule) -> tuple[Rule, ...]:
    if not isinstance(rule, Rule):
        raise ConfigError(
            f"{rule!r} is not a rule.",
            field="rules",
            fix="chain costroute.policy.rules objects with |, e.g. prefer_cheap() | within_latency()",
        )
    return rule.rules if isinstance(rule, Chain) else (rule,)


class Chain(Rule):
    """Rules applied left to right."""

    def __init__(self, *rules: Rule) -> None:
        self.rules = tuple(r for rule in rules for r in _flat(rule))
        self.names = tuple(n for r in self.rules for n in r.names)

    def __call__(self, ctx: Context) -> None:
        for rule in self.rules:
            rule(ctx)

    def __repr__(self) -> str:
        return " | ".join(repr(r) for r in self.rules)


class _Sort(Rule):
    def __init__(self, label: str, key: Callable[[Context, Deployment], float]) -> None:
        self.label = label
        self.key = key

    def __call__(self, ctx: Context) -> None:
        ctx.candidates.sort(key=lambda d: self.key(ctx, d))

    def __repr__(self) -> str:
        return f"<rule {self.label}>"
