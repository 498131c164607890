"""Evaluate a routing policy over N models on labelled data: accuracy, cost, frontier.

Each record carries a quality per model (``scores``) and, ideally, a cost per model
(``costs``, USD; else prices x token estimates). A policy is run as the router runs it
(``policy.route(request, signals)`` with the estimator's difficulty) over deployments named
like the models; its first choice answers. Beside it: every single model, the oracle (the
cheapest model that gets the item right, else the cheapest) and a threshold sweep whose
Pareto-optimal points form the policy's cost/quality frontier.

>>> from costroute.eval import policy_eval                                  # doctest: +SKIP
>>> prepared = policy_eval.prepare(records, deployments, estimator)         # doctest: +SKIP
>>> result = policy_eval.evaluate_policy(prepared, policy)                  # doctest: +SKIP
>>> result.policy.accuracy, result.policy.cost_share                        # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from costroute._request import build_request
from costroute.catalog import Deployment, Prices
from costroute.difficulty import Estimator
from costroute.errors import ConfigError
from costroute.eval._evaluate import check_targets
from costroute.eval._prices import (
    OUTPUT_TOKENS,
    deployments_for,
    mean_cost_prices,
    prices_for,
    prices_from_csv,
)
from costroute.policy import Policy, check_params, write_params
from costroute.train.data import Record, require_models
from costroute.types import Plan, Request, Signals

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

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Point:
    """One router on the data: mean quality, total cost, cost as a share of the reference."""

    label: str
    accuracy: float
    cost_usd: float
    cost_share: float
    picks: Mapping[str, int] = field(default_factory=dict)
    value: Any = None


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


@dataclass(frozen=True, slots=True)
class Prepared:
    """Records with the request and signals a router would build for each (computed once)."""

    records: tuple[Record, ...]
    requests: tuple[Request, ...]
    signals: tuple[Signals, ...]
    models: tuple[str, ...]
    prices: Mapping[str, Prices]


def prepare(
    records: Sequence[Record],
    models: Sequence[str],
    estimator: Estimator,
    prices: Mapping[str, Prices] | None = None,
    deployments: Sequence[Deployment] | None = None,
    progress: Progress | None = None,
) -> Prepared:
    """Score every record once (difficulty, category, token estimate) for fast evaluation."""
    if not records:
        raise ConfigError("No records to evaluate.", field="data", fix="pass labelled records")
    require_models(records, models, field="models")
    prices = dict(prices or mean_cost_prices(records, models))
    deps = tuple(deployments or deployments_for(models, prices))
    requests, signals = [], []
    for i, r in enumerate(records):
        req = build_request(list(r.messages), {})  # as the router builds it (token estimate, needs)
        est = estimator.estimate(r.messages)
        requests.append(req)
        signals.append(
            Signals(deps, est.score, est.category, est.features, req.input_tokens_estimate)
        )
        if progress is not None:
            progress(i + 1, len(records))
    return Prepared(tuple(records), tuple(requests), tuple(signals), tuple(models), prices)


def item_cost(p: Prepared, i: int, model: str) -> float:
    """USD of record ``i`` on ``model``: the record's cost, else prices x token estimates."""
    c = p.records[i].costs.get(model)
    if c is not None:
        return c
    pr = p.prices[model]
    tokens_in = p.requests[i].input_tokens_estimate
    return float(tokens_in * pr.input + OUTPUT_TOKENS * pr.output) / 1e6


def evaluate_choices(p: Prepared, choices: Sequence[str], label: str, ref_cost: float) -> Point:
    """Accuracy and cost when record ``i`` is answered by ``choices[i]``."""
    acc = sum(r.scores[m] for r, m in zip(p.records, choices, strict=True)) / len(choices)
    cost = sum(item_cost(p, i, m) for i, m in enumerate(choices))
    share = cost / ref_cost if ref_cost > 0 else 0.0
    return Point(label, acc, cost, share, dict(Counter(choices)))


def route_all(p: Prepared, policy: Policy) -> list[Plan]:
    """The plan of ``policy`` for every record."""
    return [policy.route(r, s) for r, s in zip(p.requests, p.signals, strict=True)]


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


def calibrate_sweep(
    points: Sequence[Point],
    reference_accuracy: float,
    *,
    target_quality: float | None = None,
    target_cost_share: float | None = None,
    knob: str = "value",
    reference: str = "the reference",
) -> Point:
    """Pick one swept point for exactly one target (on TRAINING data).

    ``target_quality``: the cheapest point whose accuracy reaches that fraction of the
    reference's. ``target_cost_share``: the most accurate point whose cost share is at most
    that. Targets are fractions in [0, 1] (:func:`costroute.eval.check_targets`). When no point
    meets the target, a :class:`~costroute.errors.ConfigError` names the closest one (the most
    accurate, or the cheapest) and the target it would meet; ``knob`` and ``reference`` name
    the swept parameter and the reference model in that message.
    """
    check_targets(target_quality, target_cost_share)
    if not points:
        raise ConfigError(
            "Calibration needs swept points, got none.",
            field="SWEEP",
            fix='give the policy file a SWEEP, e.g. SWEEP = {"cost_weight": [0.0, 0.5, 1.0]}',
        )
    if target_quality is not None:
        ok = [x for x in points if x.accuracy >= target_quality * reference_accuracy - 1e-12]
        if ok:
            return min(ok, key=lambda x: (x.cost_usd, -x.accuracy))
        best = max(points, key=lambda x: (x.accuracy, -x.cost_usd))
        frac = best.accuracy / reference_accuracy if reference_accuracy > 0 else 0.0
        raise ConfigError(
            f"No {knob} in the sweep reaches {target_quality:.1%} of {reference}'s accuracy "
            f"({target_quality * reference_accuracy:.4f}): the most accurate, {knob}="
            f"{_shown(best)}, gets {best.accuracy:.4f} ({frac:.1%} of it) at "
            f"{best.cost_share:.1%} of its cost.",
            field="target_quality",
            fix=f"lower the target to at most {math.floor(frac * 1000) / 1000:g}, or add "
            f"{knob} values that reach it to SWEEP",
        )
    assert target_cost_share is not None
    ok = [x for x in points if x.cost_share <= target_cost_share + 1e-12]
    if ok:
        return max(ok, key=lambda x: (x.accuracy, -x.cost_usd))
    cheap = min(points, key=lambda x: (x.cost_usd, -x.accuracy))
    least = math.ceil(cheap.cost_share * 1000) / 1000
    raise ConfigError(
        f"No {knob} in the sweep costs at most {target_cost_share:.1%} of {reference}'s cost: "
        f"the cheapest, {knob}={_shown(cheap)}, costs {cheap.cost_share:.1%} of it (accuracy "
        f"{cheap.accuracy:.4f}).",
        field="target_cost_share",
        fix=(
            f"raise the target to at least {least:g}, or add cheaper {knob} values to SWEEP"
            if least <= 1.0
            else f"add cheaper {knob} values to SWEEP (every swept value costs more than "
            f"{reference})"
        ),
    )


def _shown(p: Point) -> str:
    return repr(p.value) if p.value is not None else p.label
