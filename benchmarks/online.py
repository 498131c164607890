"""Online mode on a synthetic stream: how fast ``thompson()`` finds the best deployment, and
what the exploration cap changes.

Three deployments of the catalog answer one kind of request (same category, one difficulty
bucket) with a fixed true success rate each; every call's outcome (1 with that rate, else 0)
is recorded as it arrives. The best deployment is the one with the highest
``success - cost_weight * cost / cost of the priciest``. Printed per cap: the share of the last
500 calls that went to it, the expected successes lost against always calling it (regret, in
utility units), explorations played and capped, and their estimated extra cost. Seeds 0-4;
no network, no data set: ``python benchmarks/online.py``.
"""

from __future__ import annotations

import random
import statistics
import sys
from decimal import Decimal
from typing import Any

from costroute.catalog import known
from costroute.policy import sampling, thompson
from costroute.types import Request, Signals

TRUTH = {"deepseek-v4-flash": 0.55, "gpt-5.4-mini": 0.75, "claude-sonnet-5-5": 0.9}
DEPS = tuple(known(name) for name in TRUTH)
REQ = Request(
    messages=({"role": "user", "content": "Prove that sqrt(2) is irrational."},), params={}
)
SIGNALS = Signals(deployments=DEPS, difficulty=0.5, category="math")
COST_WEIGHT = 0.1
CALLS = 2000


def _utilities() -> dict[str, float]:
    probe = thompson(cost_weight=COST_WEIGHT).route(REQ, SIGNALS)
    costs = {c.deployment: float(c.estimated_cost_usd) for c in probe.choices}
    top = max(costs.values())
    return {d: TRUTH[d] - COST_WEIGHT * costs[d] / top for d in TRUTH}


def run(cap: Decimal | None, seed: int) -> dict[str, Any]:
    policy = thompson(cost_weight=COST_WEIGHT, max_explore_usd=cap)
    utility = _utilities()
    best = max(utility, key=utility.__getitem__)
    world, picks, regret = random.Random(1000 + seed), [], 0.0
    with sampling(random.Random(seed).random):
        for _ in range(CALLS):
            dep = policy.route(REQ, SIGNALS).primary.deployment
            picks.append(dep)
            regret += utility[best] - utility[dep]
            policy.online.record("math", 0.5, dep, float(world.random() < TRUTH[dep]))
    stats = policy.stats
    return {
        "best": best,
        "share": picks[-500:].count(best) / 500,
        "regret": regret,
        "explored": stats.explored,
        "capped": stats.capped,
        "usd": stats.explore_usd_total,
    }


def main() -> None:
    utility = _utilities()
    print(
        f"{CALLS} calls, 3 deployments, true success {TRUTH}, cost weight {COST_WEIGHT}; "
        "utilities " + ", ".join(f"{d} {u:.3f}" for d, u in utility.items())
    )
    print(f"{'cap $':>8} {'best share (last 500)':>22} {'regret':>8} {'explored':>9} "
          f"{'capped':>7} {'explore $':>10}  (mean of seeds 0-4)")  # fmt: skip
    for cap in (None, Decimal("0.05"), Decimal("0.01"), Decimal(0)):
        runs = [run(cap, seed) for seed in range(5)]
        print(
            f"{'none' if cap is None else str(cap):>8}"
            f" {statistics.mean(r['share'] for r in runs):>22.3f}"
            f" {statistics.mean(r['regret'] for r in runs):>8.1f}"
            f" {statistics.mean(r['explored'] for r in runs):>9.1f}"
            f" {statistics.mean(r['capped'] for r in runs):>7.1f}"
            f" {sum(r['usd'] for r in runs) / 5:>10.4f}"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
