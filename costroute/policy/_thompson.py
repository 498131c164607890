"""Online mode: Thompson sampling over per-deployment success posteriors (issue 15.5).

:class:`prefer_sampled_quality` is :class:`~costroute.policy._table.prefer_predicted_quality`
with a sampled success rate in place of the table's prediction: each candidate's success is
drawn from its Beta posterior (an :class:`~costroute.policy.OnlineQuality` cell) and the best
``sample - cost_weight * cost / cost of the priciest candidate`` goes first. The greedy pick
(the same objective on the posterior means) is what explain(), a shadowed candidate and
offline evaluation see; a pick other than it is an exploration, whose estimated extra cost
counts against ``max_explore_usd`` per ``window``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from costroute.catalog import Deployment
from costroute.errors import ConfigError
from costroute.policy import rules
from costroute.policy._context import Context
from costroute.policy._live import current_sampling
from costroute.policy._online import OnlineQuality, OnlineStats
from costroute.policy._rules_policy import Rules
from costroute.policy._table import QualityTable, knows_none
from costroute.policy._where import caller_location

__all__ = ["ThompsonPolicy", "prefer_sampled_quality", "thompson"]

Window = Literal["day", "month"] | None
_IN = {"day": "today", "month": "this month", None: "in all"}


def _cap(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
            raise TypeError
        cap = Decimal(str(value))
        if (
            not cap.is_finite()
            or cap < 0
            or (isinstance(value, float) and not math.isfinite(value))
        ):
            raise ValueError
    except (TypeError, ValueError, InvalidOperation) as exc:
        raise ConfigError(
            f"max_explore_usd={value!r} is not an amount of dollars >= 0.",
            field="max_explore_usd",
            fix="e.g. max_explore_usd=5 (at most $5 of extra cost on exploration per window), 0 "
            "for greedy only, None for no cap",
        ) from exc
    return cap


class prefer_sampled_quality(rules.Rule):
    """Order by a sampled ``success - cost_weight * cost / cost of the priciest candidate``.

    Under the router's sampling (a call it will make) each candidate's success is drawn from
    its posterior; otherwise (``explain()``, shadows, evaluation) the posterior mean is used.
    The pick goes first, the others follow in greedy order (fallbacks). An exploration (a
    sampled pick other than the greedy one) costing more than the greedy pick is played only
    while the window's exploration spend stays within ``max_explore_usd``; every call's
    reasons say which it was.
    """

    def __init__(
        self,
        online: OnlineQuality,
        cost_weight: float = 0.1,
        *,
        max_explore_usd: float | Decimal | str | None = None,
        window: Window = "month",
    ) -> None:
        if not isinstance(online, OnlineQuality):
            raise ConfigError(
                f"prefer_sampled_quality({online!r}): not an OnlineQuality.",
                field="online",
                fix="pass costroute.policy.OnlineQuality(prior=...)",
            )
        if (
            isinstance(cost_weight, bool)
            or not isinstance(cost_weight, int | float)
            or not (0 <= cost_weight < math.inf)
        ):
            raise ConfigError(
                f"prefer_sampled_quality(cost_weight={cost_weight!r}): must be a number >= 0.",
                field="cost_weight",
                fix="0 ignores cost; 0.1 pays the priciest model's cost for +0.1 success",
            )
        if window not in _IN:
            raise ConfigError(
                f"window={window!r} is not an exploration window.",
                field="window",
                fix='use "day", "month" or None (one cap for the life of the process)',
            )
        self._online = online
        self.cost_weight, self.window = float(cost_weight), window
        self.max_explore_usd = _cap(max_explore_usd)
        # What decides, for the router version's digest (never the learned state).
        self.prior, self.prior_weight, self.buckets = (
            online.prior,
            online.prior_weight,
            online.buckets,
        )
        self.models, self.sources = dict(online.models), online.sources
        self.names, self.where = tuple(online.models), caller_location()

    @property
    def online(self) -> OnlineQuality:
        """The posteriors this rule samples from (and the router feeds)."""
        return self._online

    def validate(self, deployments: Sequence[str]) -> None:
        """ConfigError if the prior table knows none of the router's deployments."""
        prior = self._online.prior
        if prior is None:
            return
        error = knows_none(
            prior,
            self.models,
            deployments,
            what="the prior table",
            consequence="Every cell would start uniform.",
            call="OnlineQuality(prior, models={})",
        )
        if error is not None:
            raise error

    def __call__(self, ctx: Context) -> None:
        if not ctx.candidates:
            return
        sig = ctx.signals
        seen = self._online.beliefs(sig.category, sig.difficulty, [d.name for d in ctx.candidates])
        costs = {d.name: ctx.cost(d) for d in ctx.candidates}
        top = max(float(c) for c in costs.values()) or 1.0
        penalty = {n: self.cost_weight * float(c) / top for n, c in costs.items()}
        mean = {n: a / (a + b) for n, (a, b, _) in seen.items()}

        def order(score: Mapping[str, float]) -> Any:
            return lambda d: (penalty[d.name] - score[d.name], float(costs[d.name]))

        ctx.candidates.sort(key=order(mean))
        greedy = ctx.candidates[0]
        live = current_sampling()
        if live is None:
            ctx.reasons.append(f"thompson: greedy {self._said(greedy, seen, mean)}; a call samples")
            return
        drawn = {n: live.beta(a, b) for n, (a, b, _) in seen.items()}
        pick = min(ctx.candidates, key=order(drawn))
        extra = None if pick is greedy else max(Decimal(0), costs[pick.name] - costs[greedy.name])
        explored, spent = self._online._decided(
            extra, self.max_explore_usd, self.window, live.now()
        )
        cap = "" if self.max_explore_usd is None else f" of ${self.max_explore_usd}"
        spend = f"exploration ${spent:.6f}{cap} {_IN[self.window]}"
        said = f"{self._said(pick, seen, mean)}, sampled {drawn[pick.name]:.2f}"
        if explored:
            ctx.candidates = [pick, *(d for d in ctx.candidates if d is not pick)]
            ctx.reasons.append(
                f"thompson: explore {said} over greedy {self._said(greedy, seen, mean)}: "
                f"+${extra:.6f} est., {spend}"
            )
        elif extra is not None:
            ctx.reasons.append(
                f"thompson: exploring {said} (+${extra:.6f} est.) would pass the cap "
                f"({spend}): greedy {self._said(greedy, seen, mean)}"
            )
        else:
            ctx.reasons.append(f"thompson: {said} (greedy), cost weight {self.cost_weight:g}")

    @staticmethod
    def _said(dep: Deployment, seen: Mapping[str, tuple[float, float, int]], mean: Any) -> str:
        return f"{dep.name} (mean {mean[dep.name]:.2f} of {seen[dep.name][2]} outcomes)"

    def __repr__(self) -> str:
        return f"<rule prefer_sampled_quality cost_weight={self.cost_weight:g}>"


class ThompsonPolicy(Rules):
    """The :func:`thompson` policy: a :class:`Rules` whose ``online`` posteriors learn from
    the outcomes its router records (``router.feedback``, sampled labelling)."""

    _online: OnlineQuality

    @property
    def online(self) -> OnlineQuality:
        """The posteriors (``.stats``, ``.save()``, ``.observations()``)."""
        return self._online

    @property
    def stats(self) -> OnlineStats:
        """``online.stats``: outcomes counted, calls, explorations and their spend."""
        return self._online.stats


def thompson(
    prior: QualityTable | str | None = None,
    cost_weight: float = 0.1,
    *,
    online: OnlineQuality | None = None,
    models: Mapping[str, str] | None = None,
    prior_weight: float = 10.0,
    max_explore_usd: float | Decimal | str | None = None,
    window: Window = "month",
    name: str = "thompson",
    baseline: str | None = None,
    estimator: Any = None,
) -> ThompsonPolicy:
    """The online version of :func:`quality_table`: Thompson sampling over per-deployment
    success posteriors seeded from ``prior`` (worth ``prior_weight`` outcomes a cell; uniform
    without one), updated as the router records outcomes. ``online`` passes posteriors of your
    own (``OnlineQuality.from_ledger(...)`` or ``.load(...)``) instead of ``prior``,
    ``models`` and ``prior_weight``. ``max_explore_usd`` caps the estimated extra cost of
    exploration per ``window`` ("day", "month", None: the process's life). See
    docs/learning.md, "Online mode"."""
    if online is None:
        online = OnlineQuality(prior, prior_weight=prior_weight, models=models)
    elif prior is not None or models is not None or prior_weight != 10.0:
        raise ConfigError(
            "thompson(online=...) with prior, models or prior_weight: the posteriors have theirs.",
            field="online",
            fix="pass prior/models/prior_weight to OnlineQuality(...), or leave online out",
        )
    rule = prefer_sampled_quality(
        online, cost_weight, max_explore_usd=max_explore_usd, window=window
    )
    chain = rules.within_latency() | rules.prefer_cheap() | rule
    policy = ThompsonPolicy(chain, name=name, baseline=baseline, estimator=estimator)
    policy._online = online
    return policy
