"""Evaluate a routing policy over N models on labelled data: accuracy, cost, frontier.

Each record carries a quality per model (``scores``) and, ideally, a cost per model
(``costs``, USD; else prices x token estimates). A policy is run as the router runs it
(``policy.route(request, signals)`` with the estimator's difficulty) over deployments named
like the models; its first choice answers. Beside it: every single model, the oracle (the
cheapest model that gets the item right, else the cheapest) and a threshold sweep whose
Pareto-optimal points form the policy's cost/quality frontier.

This module is the face of the policy evaluation: preparing the records and scoring a router's
choices live in :mod:`costroute.eval._prepared`, picking a swept point for a target in
:mod:`costroute.eval._calibrate_sweep`.

>>> from costroute.eval import policy_eval                                  # doctest: +SKIP
>>> prepared = policy_eval.prepare(records, deployments, estimator)         # doctest: +SKIP
>>> result = policy_eval.evaluate_policy(prepared, policy)                  # doctest: +SKIP
>>> result.policy.accuracy, result.policy.cost_share                        # doctest: +SKIP
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from costroute.eval._calibrate_sweep import calibrate_sweep
from costroute.eval._prepared import (
    Point,
    Prepared,
    Progress,
    evaluate_choices,
    item_cost,
    prepare,
    route_all,
)
from costroute.eval._prices import deployments_for, prices_for, prices_from_csv
from costroute.policy import Policy, check_params, write_params
from costroute.types import Plan

__all__ = [
    "Point",
    "PolicyEvalResult",
    "Prepared",
    "calibrate_sweep",
    "check_params",
    "deployments_for",
    "evaluate_choices",
    "evaluate_policy",
    "pareto",
    "prepare",
    "prices_for",
    "prices_from_csv",
    "sweep",
    "write_params",
]


@dataclass(frozen=True, slots=True)
class PolicyEvalResult:
    """A policy beside every single model and the oracle; ``reference`` is the best single."""

    n: int
    reference: str
    policy: Point
    singles: Mapping[str, Point]
    oracle: Point
    sweep: tuple[Point, ...] = ()
    frontier: tuple[Point, ...] = ()
    cascade_bound: Point | None = None
    """For a cascade: ``policy`` counts first answers only (a check that never fires); this
    escalates exactly the answers the labels say are wrong (a perfect check). Real checks
    (empty answer, refusal, invalid JSON, a callable) land between the two."""
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return asdict(self)


def _firsts(plans: Sequence[Plan]) -> list[str]:
    return [plan.primary.deployment for plan in plans]


def _baselines(p: Prepared) -> tuple[str, dict[str, Point], Point, float]:
    n = len(p.records)
    raw = {m: evaluate_choices(p, [m] * n, m, 1.0) for m in p.models}
    reference = max(p.models, key=lambda m: (raw[m].accuracy, -raw[m].cost_usd))
    ref_cost = raw[reference].cost_usd
    singles = {
        m: replace(pt, cost_share=pt.cost_usd / ref_cost if ref_cost > 0 else 0.0)
        for m, pt in raw.items()
    }
    oracle = []
    for i, r in enumerate(p.records):
        by_cost = sorted(p.models, key=lambda m: item_cost(p, i, m))
        best = max(r.scores[m] for m in p.models)
        oracle.append(next(m for m in by_cost if r.scores[m] >= best))
    return reference, singles, evaluate_choices(p, oracle, "oracle", ref_cost), ref_cost


def sweep(
    p: Prepared,
    make: Callable[[Any], Policy],
    values: Iterable[Any],
    ref_cost: float,
    progress: Progress | None = None,
) -> list[Point]:
    """Evaluate ``make(value)`` for each value (e.g. a threshold or cost weight)."""
    vals = list(values)
    out = []
    for k, v in enumerate(vals):
        pt = evaluate_choices(p, _firsts(route_all(p, make(v))), f"{v}", ref_cost)
        out.append(replace(pt, value=v))
        if progress is not None:
            progress(k + 1, len(vals))
    return out


def pareto(points: Iterable[Point]) -> list[Point]:
    """Points no other point beats on both cost (lower) and accuracy (higher), by cost."""
    best: list[Point] = []
    for pt in sorted(points, key=lambda x: (x.cost_usd, -x.accuracy)):
        if not best or pt.accuracy > best[-1].accuracy:
            best.append(pt)
    return best


def evaluate_policy(
    p: Prepared,
    policy: Policy,
    *,
    make: Callable[[Any], Policy] | None = None,
    values: Iterable[Any] = (),
    progress: Progress | None = None,
) -> PolicyEvalResult:
    """``policy`` on the prepared records, beside singles and oracle; with ``make`` and
    ``values``, also the sweep and its frontier."""
    reference, singles, oracle, ref_cost = _baselines(p)
    plans = route_all(p, policy)
    point = evaluate_choices(p, _firsts(plans), policy.name, ref_cost)
    swept = sweep(p, make, values, ref_cost, progress) if make is not None else []
    bound = cascade_bound(p, plans, policy.name, ref_cost)
    notes = () if bound is None else (CASCADE_NOTE,)
    return PolicyEvalResult(
        len(p.records),
        reference,
        point,
        singles,
        oracle,
        tuple(swept),
        tuple(pareto(swept)),
        bound,
        notes,
    )


CASCADE_NOTE = (
    "cascade: labelled data has no answers to check, so the policy row counts first answers "
    "only (a check that never fires) and the cascade bound escalates exactly the wrong ones (a "
    "perfect check); a real check lands between the two"
)


def cascade_bound(p: Prepared, plans: Sequence[Plan], name: str, ref_cost: float) -> Point | None:
    """The cascade with a perfect check: a first answer scored below 1 escalates to the plan's
    escalation target, and both are paid. None when none of ``plans`` cascades."""
    acc = cost = 0.0
    picks: Counter[str] = Counter()
    cascades = False
    for i, plan in enumerate(plans):
        first = plan.primary.deployment
        cost += item_cost(p, i, first)
        score = p.records[i].scores[first]
        intent = plan.cascade
        if intent is not None and intent.escalate_to:
            cascades = True
            if score < 1.0:
                second = intent.escalate_to[0].deployment
                cost += item_cost(p, i, second)
                score = p.records[i].scores[second]
                picks[f"{first}>{second}"] += 1
                acc += score
                continue
        picks[first] += 1
        acc += score
    if not cascades:
        return None
    share = cost / ref_cost if ref_cost > 0 else 0.0
    label = f"{name} (perfect check)"
    return Point(label, acc / len(p.records), cost, share, dict(picks))
