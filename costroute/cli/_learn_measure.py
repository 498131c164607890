"""``costroute demo --learn``, step 4: routers compared on fresh requests with the simulator's
ground truth.

Each fresh request is answered once by each deployment (a pinned call through a router that
keeps no ledger and labels nothing): its real cost, and whether the answer is right
(``sim.check``). A router's figures are then those of the deployment it picks for the request
(``router.explain``, the plan ``chat`` follows, with no network call), so every router is
measured on the same answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from costroute.catalog import Deployment
from costroute.policy import pair
from costroute.router import Router
from costroute.sim import Simulator

__all__ = ["Figures", "measure", "table"]


@dataclass(frozen=True, slots=True)
class Figures:
    """One router on the fresh requests: the share of right answers, of calls sent to the
    strong deployment, and the total cost in USD."""

    right: float
    strong: float
    cost_usd: Decimal


def measure(
    sim: Simulator,
    deployments: Sequence[Deployment],
    routers: Mapping[str, Router],
    texts: Sequence[str],
    strong: str,
    weak: str,
    *,
    now: Callable[[], dt.datetime],
) -> dict[str, Figures]:
    """``always <weak>``, each of ``routers`` (by name), then ``always <strong>``, every call
    priced at ``now()``."""
    policy = pair(strong, weak, threshold=2.0)
    meter = Router(list(deployments), policy=policy, ledger=False, now=now)
    answers: list[dict[str, tuple[bool, Decimal]]] = []
    for text in texts:
        messages = [{"role": "user", "content": text}]
        row = {}
        for name in (weak, strong):
            resp = meter.chat(messages=messages, model=name)
            right = sim.check(messages, resp.choices[0].message.content or "") == 1.0
            row[name] = (right, resp.costroute.cost_usd)
        answers.append(row)
    picks: dict[str, list[str]] = {f"always {weak}": [weak] * len(texts)}
    for name, router in routers.items():
        picks[name] = [
            router.explain([{"role": "user", "content": t}]).primary.deployment for t in texts
        ]
    picks[f"always {strong}"] = [strong] * len(texts)
    out = {}
    for name, chosen in picks.items():
        got = [row[dep] for row, dep in zip(answers, chosen, strict=True)]
        out[name] = Figures(
            right=sum(r for r, _ in got) / len(got),
            strong=chosen.count(strong) / len(chosen),
            cost_usd=sum((c for _, c in got), Decimal(0)),
        )
    return out


def table(figures: Mapping[str, Figures], strong: str) -> list[str]:
    """The lines that print ``figures``: right answers, strong share, cost, cost share."""
    full = figures[f"always {strong}"].cost_usd
    lines = [f"   {'router':<28} {'right':>6} {'to ' + strong:>12} {'cost':>10} {'of always':>10}"]
    for name, f in figures.items():
        share = f.cost_usd / full if full else Decimal(0)
        cost = f"${f.cost_usd:.4f}"
        lines.append(f"   {name:<28} {f.right:>6.1%} {f.strong:>12.1%} {cost:>10} {share:>10.1%}")
    return lines
