"""``costroute demo --learn``: the learning loop on the local simulator, from zero labels to a
retrained, calibrated router promoted by safe rollout (docs/learning-guide.md).

1. A pair router (gpt-5.4 over deepseek-v4-flash, the shipped difficulty estimator at a fixed
   threshold) with a ledger (SQLite in memory) and sampled labelling routes requests of mixed
   hardness (:mod:`costroute.cli._learn_workload`). The judge is ``Checker(sim.check)``: the
   simulator knows which of its answers are right, as an application's tests know which of
   its programs pass, and a checker grades both models' answers of a sampled call (the
   ``challenger`` answers the calls the reference took), which is the label retraining
   learns most from.
2. ``train_from_ledger`` retrains the estimator on those outcomes, calibrated to the share of
   gpt-5.4 calls the default router made (the same cost, better spent).
3. ``router.rollout`` shadows the retrained router on more traffic, evaluates it on the labels
   that arrive, and promotes it only if it beats the default.
4. Both routers are measured on fresh requests with the simulator's ground truth
   (:mod:`costroute.cli._learn_measure`).

Offline and deterministic for a seed (the figures, not the times): about 15-20 s once the
provider layer is loaded.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from costroute.cli._demo import PRICES_LINE, priced_at, sim_deployments
from costroute.cli._learn_measure import Figures, measure, table
from costroute.cli._learn_workload import MISJUDGED, requests
from costroute.eval.from_ledger import LedgerTrainReport, train_from_ledger
from costroute.policy import pair
from costroute.router import Checker, Labeling, RolloutReport, Router
from costroute.sim import Simulator

__all__ = ["LearnResult", "run_learn"]

STRONG, WEAK = "gpt-5.4", "deepseek-v4-flash"
THRESHOLD = 0.5
"""The default router: gpt-5.4 when the shipped estimator's difficulty score is >= 0.5."""


@dataclass(frozen=True, slots=True)
class LearnResult:
    """What the run found (for tests and for readers of the code)."""

    labels: dict[str, int]
    labeling_calls: int
    labeling_usd: Decimal
    saved_usd: Decimal
    net_saved_usd: Decimal
    strong_share: float
    train: LedgerTrainReport
    rollout: RolloutReport
    promoted: bool
    fresh: dict[str, Figures]


def _usd(amount: Decimal) -> str:
    return f"-${-amount:.4f}" if amount < 0 else f"${amount:.4f}"


def _route(router: Router, texts: list[str], seen: set[str]) -> list[str]:
    """Send each request; the deployments that answered."""
    seen.update(texts)
    return [
        router.chat(messages=[{"role": "user", "content": t}]).costroute.deployment for t in texts
    ]


def _unseen(count: int, rng: random.Random, seen: set[str]) -> list[tuple[str, str]]:
    """``count`` requests (kind, text) the router never received."""
    drawn: list[tuple[str, str]] = []
    while len(drawn) < count:
        new = [(k, t) for k, t in requests(count - len(drawn), rng) if t not in seen]
        seen.update(t for _, t in new)
        drawn += new
    return drawn


def _moved(routers: dict[str, Router], drawn: list[tuple[str, str]]) -> str:
    """The share of each misjudged kind each router sends to the strong deployment."""
    parts = []
    for kind in sorted(MISJUDGED):
        texts = [t for k, t in drawn if k == kind]
        shares = [
            sum(
                r.explain([{"role": "user", "content": t}]).primary.deployment == STRONG
                for t in texts
            )
            / max(1, len(texts))
            for r in routers.values()
        ]
        parts.append(f"{kind} {' -> '.join(f'{x:.0%}' for x in shares)}")
    return "; ".join(parts)


def run_learn(
    out: Callable[[str], None] = print,
    *,
    seed: int | None = 0,
    calls: int = 400,
    more: int = 400,
    batch: int = 200,
    fresh: int = 200,
    fraction: float = 1.0,
    max_quality_drop: float = 0.01,
    latency_scale: float = 0.0,
) -> LearnResult:
    """Run the loop, print each step, return its figures. ``calls`` requests before
    retraining; then the retrained router is shadowed ``batch`` requests at a time, evaluated
    after each batch, until a verdict or ``more`` requests; ``fresh`` requests measure."""
    from costroute.providers import litellm

    seed = 0 if seed is None else seed
    litellm()  # the provider layer, loaded before the clock starts
    started = time.perf_counter()
    rng = random.Random(seed)
    with Simulator(latency_scale=latency_scale, seed=seed) as sim:
        deps = [d for d in sim_deployments(sim) if d.name in (STRONG, WEAK)]
        labeling = Labeling(
            fraction=fraction,
            judge=Checker(sim.check),
            challenger=WEAK,
            max_usd=5,
            max_pending=max(calls, batch),  # never drop a sample: the run stays deterministic
        )
        default = pair(STRONG, WEAK, threshold=THRESHOLD)
        router = Router(
            deps,
            policy=default,
            ledger="sqlite:///:memory:",
            labeling=labeling,
            rng=random.Random(seed).random,
            now=priced_at,
        )
        labeler = router.labeling
        assert labeler is not None  # Router(labeling=...) just above
        out(
            f"costroute demo --learn: the learning loop on a local simulator (no keys, no"
            f" network; seed {seed})"
        )
        out(
            f"router: pair({STRONG!r}, {WEAK!r}, threshold={THRESHOLD}) with the shipped"
            " difficulty estimator; ledger: SQLite in memory"
        )
        out(PRICES_LINE)
        out(
            f"labelling: Labeling(fraction={fraction}, judge=Checker(sim.check),"
            f" challenger={WEAK!r}, max_usd=5): both answers of a sampled call graded"
        )
        out(
            "rollout: promote only on evaluate()'s 'better' at 95%: higher quality, or cheaper"
            f" and at most {max_quality_drop:g} lower (max_quality_drop={max_quality_drop:g})"
        )
        seen: set[str] = set()

        # 1. zero labels: route, and let sampled labelling collect outcomes
        routed = _route(router, [t for _, t in requests(calls, rng)], seen)
        labeler.wait()
        share = routed.count(STRONG) / len(routed)
        outcomes = router.usage.outcomes()
        labels = dict(sorted(Counter(r.source for r in outcomes).items()))
        own = [r.score for r in outcomes if r.source == "check"]
        report = router.usage.report()
        stats = labeler.stats
        out(f"\n1. zero labels: {calls} requests of mixed hardness through the default router")
        out(
            f"   routed: {WEAK} x{routed.count(WEAK)}, {STRONG} x{routed.count(STRONG)}"
            f" ({share:.1%} to {STRONG})"
        )
        out(
            f"   sampled labelling: {stats.sampled} sampled, {stats.labeled} labelled,"
            f" {stats.dropped} dropped, {stats.refused} refused, {stats.failed} failed"
        )
        out(f"   labels by source: {', '.join(f'{k} {v}' for k, v in labels.items())}")
        out(
            f"   money: routed calls ${report.spend_usd:.4f} against ${report.baseline_usd:.4f}"
            f" on {STRONG} (saved ${report.saved_usd:.4f}); labelling apart:"
            f" {report.labeling_calls} calls, ${report.labeling_usd:.4f}; saved net of"
            f" labelling {_usd(report.net_saved_usd)}"
        )
        out(
            f"   the routed answers were right on {sum(own) / len(own):.1%} of the"
            f" {len(own)} labelled calls"
        )

        # 2. retrain from the ledger, calibrated to the same share of strong calls
        target = round(share, 2)
        est, trained = train_from_ledger(
            router.usage, strong=STRONG, weak=WEAK, target_cost_share=target
        )
        out(
            f"\n2. retrain: train_from_ledger(router.usage, strong={STRONG!r}, weak={WEAK!r},"
            f" target_cost_share={target})"
        )
        for line in trained.lines():
            out(f"   {line}")

        # 3. safe rollout: shadow, evaluate as labels arrive, promote only if better
        retrained = pair(STRONG, WEAK, estimator=est)
        candidate = router.rollout.propose(retrained, name="retrained")
        out(
            f"\n3. rollout: propose(pair(..., estimator=<retrained>), name='retrained') ->"
            f" {candidate}, shadowed while {router.rollout.current} decides; evaluate() after"
            f" each {batch} requests, up to {more}"
        )
        shadowed = 0
        while True:
            _route(router, [t for _, t in requests(batch, rng)], seen)
            shadowed += batch
            labeler.wait()
            verdict = router.rollout.evaluate(min_labels=50, max_quality_drop=max_quality_drop)
            low, high = verdict.quality_ci
            otherwise = verdict.labels - verdict.agreed
            out(
                f"   after {shadowed}: {verdict.labels} labelled calls ({otherwise} chosen"
                f" otherwise); right {verdict.current_quality:.1%} now vs"
                f" {verdict.candidate_quality:.1%} retrained, difference [{low:+.3f}, {high:+.3f}];"
                f" cost a call ${verdict.current_cost_usd:.5f} vs ${verdict.candidate_cost_usd:.5f}"
                f" -> {verdict.verdict}"
            )
            if verdict.verdict not in ("inconclusive", "insufficient") or shadowed >= more:
                break
        out(f"   verdict: {verdict.verdict} ({verdict.reason})")
        promoted = verdict.beats
        if promoted:
            out(
                f"   promote() -> {router.rollout.promote()} decides from now on; rollback() undoes it"
            )
        else:
            router.rollout.withdraw()
            out(f"   not promoted: {router.rollout.current} goes on deciding (withdraw())")

        # 4. before and after, on fresh requests, with the simulator's ground truth
        drawn = _unseen(fresh, random.Random(f"fresh-{seed}"), seen)
        texts = [t for _, t in drawn]
        routers = {
            f"default (threshold {THRESHOLD})": Router(
                deps, policy=default, ledger=False, now=priced_at
            ),
            f"retrained ({target:.0%} target)": Router(
                deps, policy=retrained, ledger=False, now=priced_at
            ),
        }
        figures = measure(sim, deps, routers, texts, STRONG, WEAK, now=priced_at)
        out(
            f"\n4. {fresh} fresh requests (never sent before), each answered by both"
            f" deployments; right = the simulator's ground truth; now deciding:"
            f" {router.rollout.current}"
        )
        for line in table(figures, STRONG):
            out(line)
        out(f"   to {STRONG}, default -> retrained, on the kinds the shipped estimator misjudges:")
        out(f"   {_moved(routers, drawn)}")
        took = time.perf_counter() - started
        out(f"\n{len(sim.requests)} requests to the simulator in {took:.1f} s")
    return LearnResult(
        labels=labels,
        labeling_calls=report.labeling_calls,
        labeling_usd=report.labeling_usd,
        saved_usd=report.saved_usd,
        net_saved_usd=report.net_saved_usd,
        strong_share=share,
        train=trained,
        rollout=verdict,
        promoted=promoted,
        fresh=figures,
    )
