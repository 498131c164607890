"""The rules that set a plan's call parameters and its escalation: :class:`set_reasoning`
(a reasoning effort by difficulty) and :class:`cascade_to` (answer cheap, check, escalate).
Part of :mod:`costroute.policy.rules`, which exports them."""

from __future__ import annotations

import inspect
from collections.abc import Iterable

from costroute.errors import ConfigError
from costroute.policy._context import Context
from costroute.policy._reasoning import HIGH_FROM, LOW_BELOW, deepseek_first, reasoning_params
from costroute.policy._rule import Rule
from costroute.policy._where import caller_location
from costroute.policy.acceptance import AcceptanceCheck, default_check

__all__ = ["cascade_to", "set_reasoning"]


class set_reasoning(Rule):
    """Set each candidate's reasoning effort from difficulty (see
    :mod:`costroute.policy._reasoning`); among DeepSeek deployments, put the reasoner first for
    hard requests and the chat model first otherwise."""

    def __init__(
        self,
        low_below: float = LOW_BELOW,
        high_from: float = HIGH_FROM,
        thinking_budget: int = 8000,
    ) -> None:
        if not 0.0 <= low_below <= high_from <= 1.0 or thinking_budget < 1024:
            raise ConfigError(
                f"set_reasoning(low_below={low_below}, high_from={high_from}, "
                f"thinking_budget={thinking_budget}) is impossible.",
                field="set_reasoning",
                fix="0 <= low_below <= high_from <= 1 and thinking_budget >= 1024",
            )
        self.low_below, self.high_from, self.budget = low_below, high_from, thinking_budget

    def __call__(self, ctx: Context) -> None:
        d = ctx.signals.difficulty
        ctx.candidates, seated = deepseek_first(ctx.candidates, d, self.high_from)
        if seated:
            ctx.reasons.append(seated)
        for dep in ctx.candidates:
            params, why = reasoning_params(
                ctx.request,
                dep,
                d,
                low_below=self.low_below,
                high_from=self.high_from,
                thinking_budget=self.budget,
            )
            if params:
                ctx.set_params(dep, params)
            if why and dep is ctx.candidates[0]:
                ctx.reasons.append(why)


def _check_acceptance(check: object) -> None:
    """ConfigError unless ``check`` can be called as ``check(request, message)``."""
    fix = (
        "pass a function (request, message) -> reason or None, e.g. "
        "costroute.policy.acceptance.default_check or acceptance.custom(fn)"
    )
    if not callable(check):
        raise ConfigError(
            f"The cascade's acceptance check is {check!r} ({type(check).__name__}), "
            "not a function.",
            field="check",
            fix=fix,
        )
    try:
        signature = inspect.signature(check)
    except (TypeError, ValueError):  # some builtins have none: accept them
        return
    try:
        signature.bind(None, {})
    except TypeError:
        name = getattr(check, "__name__", repr(check))
        raise ConfigError(
            f"The cascade's acceptance check {name}{signature} cannot be called as "
            "check(request, message).",
            field="check",
            fix=fix,
        ) from None


class cascade_to(Rule):
    """Answer with the first candidate; if ``check`` rejects its answer, escalate to the
    deployments of tier >= ``tier`` (or the named ones). Not for streams (the answer would already
    be on its way to the user)."""

    def __init__(
        self, check: AcceptanceCheck = default_check, *, tier: int = 3, to: Iterable[str] = ()
    ) -> None:
        _check_acceptance(check)
        if tier not in (1, 2, 3):
            raise ConfigError(
                f"Cascade escalation tier {tier!r} (cascade(to_tier=...), cascade_to(tier=...)): "
                "tiers are 1, 2 and 3.",
                field="tier",
                fix="use 1, 2 or 3, or name the deployments with to=[...]",
            )
        self.check, self.tier = check, tier
        self.names = (to,) if isinstance(to, str) else tuple(to)
        self.where = caller_location()

    def __call__(self, ctx: Context) -> None:
        if not ctx.candidates:
            return
        if ctx.request.stream:
            ctx.reasons.append("cascade off: streamed answers cannot be checked first")
            return
        first = ctx.candidates[0]
        pool = [
            d
            for d in ctx.candidates[1:]
            if (d.name in self.names if self.names else d.tier >= self.tier)
        ]
        if not pool:
            ctx.reasons.append("cascade off: no capable deployment to escalate to")
            return
        ctx.cascade = (self.check, tuple(pool))
        ctx.reasons.append(f"cascade: {first.name} first, {pool[0].name} if the answer fails")
