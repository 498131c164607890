"""Labelled records prepared once for a policy evaluation (the request and signals a router
would build for each), and the figures of a router that answers each record with one model.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from costroute._request import build_request
from costroute.catalog import Deployment, Prices
from costroute.difficulty import Estimator
from costroute.errors import ConfigError
from costroute.eval._prices import OUTPUT_TOKENS, deployments_for, mean_cost_prices
from costroute.policy import Policy
from costroute.train.data import Record, require_models
from costroute.types import Plan, Request, Signals

__all__ = ["Point", "Prepared", "Progress", "evaluate_choices", "item_cost", "prepare", "route_all"]

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
