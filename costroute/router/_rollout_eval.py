"""Shadow evaluation: the current router version against a candidate, on held-out labels.

The labels are outcomes (``Router.feedback``) of calls the current version decided while the
candidate was shadowed (its first choice recorded beside each call). For each labelled call:

* the current version's quality is the call's score (the mean over sources when several rated
  it) and its cost the call's recorded cost;
* where the candidate chose the deployment that answered, the same figures count for it;
* where it chose another deployment, its cost is estimated by that deployment's mean cost over
  the labelled calls it answered in the same difficulty bucket (the call's recorded difficulty,
  in quarters of [0, 1]), or over all of them when that bucket has none; its quality is the
  grade of that deployment's answer to this very request when one was recorded (a Checker's
  ``source@deployment``: ``shadow_score``), else estimated like the cost, by the mean score. A
  call whose candidate deployment answered no labelled call is ``unjudged``: left out of both
  sides.

The confidence interval of (candidate quality - current quality) is a percentile bootstrap:
the calls are resampled with replacement ``resamples`` times (a seeded ``random.Random``), the
estimate tables rebuilt from each resample.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from costroute.router._version import RouterVersion

__all__ = ["LabelledCall", "RolloutReport", "Verdict", "compare", "labelled_calls"]

Verdict = Literal["better", "worse", "inconclusive", "insufficient"]
BUCKETS = 4
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class LabelledCall:
    """One shadowed call with its score: what the comparison reads."""

    deployment: str  # answered (decided by the current version)
    shadow_deployment: str | None  # the candidate's first choice (None: it could not plan)
    difficulty: float
    score: float
    cost_usd: Decimal
    shadow_score: float | None = None  # the candidate's deployment's answer, graded (observed)


@dataclass(frozen=True, slots=True)
class RolloutReport:
    """What ``router.rollout.evaluate()`` found. Qualities are mean scores in [0, 1], costs mean
    USD per call, both over the ``labels`` judged calls; ``quality_ci`` is the bootstrap interval
    of candidate minus current quality at ``confidence``. ``verdict`` is ``"better"`` only when
    ``labels >= min_labels`` and the interval's low end is at least ``-max_quality_drop`` and
    either above 0 or the candidate is cheaper; ``reason`` says which."""

    current: RouterVersion
    candidate: RouterVersion
    labels: int
    agreed: int
    unjudged: int
    current_quality: float
    candidate_quality: float
    current_cost_usd: Decimal
    candidate_cost_usd: Decimal
    quality_ci: tuple[float, float]
    confidence: float
    verdict: Verdict
    reason: str

    @property
    def beats(self) -> bool:
        """True when the candidate beats the current version (``verdict == "better"``)."""
        return self.verdict == "better"

    def __repr__(self) -> str:
        low, high = self.quality_ci
        return (
            f"<RolloutReport {self.verdict} {self.candidate} vs {self.current} labels={self.labels}"
            f" quality {self.candidate_quality:.3f} vs {self.current_quality:.3f}"
            f" [{low:+.3f}, {high:+.3f}] cost ${self.candidate_cost_usd:.6f}"
            f" vs ${self.current_cost_usd:.6f}>"
        )


def labelled_calls(rows: list[Any], current: str, candidate: str) -> list[LabelledCall]:
    """One labelled call per shadowed request: its own scores averaged over sources, and the
    mean grade of the candidate's deployment's answer when one was recorded
    (``source@deployment``, e.g. a Checker's grade of the reference's answer)."""
    scores: dict[str, list[float]] = {}
    others: dict[str, list[float]] = {}
    firsts: dict[str, Any] = {}
    for row in rows:
        if row.router_version != current or row.shadow_version != candidate:
            continue
        if "@" not in row.source:
            scores.setdefault(row.request_id, []).append(row.score)
            firsts.setdefault(row.request_id, row)
        elif row.graded == row.shadow_deployment and row.graded != row.deployment:
            others.setdefault(row.request_id, []).append(row.score)
    return [
        LabelledCall(
            deployment=row.deployment,
            shadow_deployment=row.shadow_deployment,
            difficulty=row.difficulty,
            score=sum(scores[rid]) / len(scores[rid]),
            cost_usd=Decimal(row.cost_usd),
            shadow_score=sum(others[rid]) / len(others[rid]) if rid in others else None,
        )
        for rid, row in firsts.items()
    ]


def _bucket(difficulty: float) -> int:
    return min(BUCKETS - 1, max(0, int(difficulty * BUCKETS)))


_Table = dict[tuple[str, int | None], tuple[float, Decimal]]


def _table(calls: Sequence[LabelledCall]) -> _Table:
    """(deployment, bucket) and (deployment, None) -> (mean score, mean cost)."""
    sums: dict[tuple[str, int | None], tuple[int, float, Decimal]] = {}
    for c in calls:
        for key in ((c.deployment, _bucket(c.difficulty)), (c.deployment, None)):
            n, s, cost = sums.get(key, (0, 0.0, ZERO))
            sums[key] = (n + 1, s + c.score, cost + c.cost_usd)
    return {k: (s / n, cost / n) for k, (n, s, cost) in sums.items()}


def _sides(
    calls: Sequence[LabelledCall],
) -> tuple[list[float], list[float], list[Decimal], list[Decimal], int, int]:
    """Per judged call: current and candidate quality and cost; and agreed, unjudged counts."""
    table = _table(calls)
    cur_q: list[float] = []
    cand_q: list[float] = []
    cur_c: list[Decimal] = []
    cand_c: list[Decimal] = []
    agreed = unjudged = 0
    for c in calls:
        if c.shadow_deployment == c.deployment:
            agreed += 1
            estimate: tuple[float, Decimal] | None = (c.score, c.cost_usd)
        elif c.shadow_deployment is None:
            estimate = None
        else:
            estimate = table.get((c.shadow_deployment, _bucket(c.difficulty))) or table.get(
                (c.shadow_deployment, None)
            )
            if estimate is not None and c.shadow_score is not None:
                estimate = (c.shadow_score, estimate[1])
        if estimate is None:
            unjudged += 1
            continue
        cur_q.append(c.score)
        cur_c.append(c.cost_usd)
        cand_q.append(estimate[0])
        cand_c.append(estimate[1])
    return cur_q, cand_q, cur_c, cand_c, agreed, unjudged


def _resampled_diffs(calls: Sequence[LabelledCall], resamples: int, seed: int) -> list[float]:
    """(candidate - current) mean quality of each bootstrap resample, sorted; the same figures
    as :func:`_sides` on the resample, in floats only (the costs are not resampled)."""
    answered = [(c.deployment, _bucket(c.difficulty)) for c in calls]
    wanted = [
        None
        if c.shadow_deployment is None or c.shadow_deployment == c.deployment
        else (c.shadow_deployment, _bucket(c.difficulty))
        for c in calls
    ]
    agreed = [c.shadow_deployment == c.deployment for c in calls]
    scores = [c.score for c in calls]
    observed = [c.shadow_score for c in calls]
    rng = random.Random(seed)
    everyone = range(len(calls))
    diffs: list[float] = []
    for _ in range(resamples):
        picked = rng.choices(everyone, k=len(calls))
        sums: dict[Any, list[float]] = {}
        for i in picked:
            for key in (answered[i], answered[i][0]):
                found = sums.get(key)
                if found is None:
                    sums[key] = [scores[i], 1.0]
                else:
                    found[0] += scores[i]
                    found[1] += 1.0
        total = judged = 0.0
        for i in picked:
            if agreed[i]:
                judged += 1.0
                continue
            want = wanted[i]
            if want is None:
                continue
            found = sums.get(want) or sums.get(want[0])
            if found is None:
                continue
            seen = observed[i]
            total += (found[0] / found[1] if seen is None else seen) - scores[i]
            judged += 1.0
        if judged:
            diffs.append(total / judged)
    return sorted(diffs)


def _percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (linear interpolation between closest ranks) of sorted ``values``."""
    pos = q * (len(values) - 1)
    low = int(pos)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (pos - low)


def compare(
    calls: Sequence[LabelledCall],
    current: RouterVersion,
    candidate: RouterVersion,
    *,
    min_labels: int,
    confidence: float,
    resamples: int,
    seed: int,
    max_quality_drop: float,
) -> RolloutReport:
    """The report of ``candidate`` against ``current`` on ``calls`` (see the module's text)."""
    cur_q, cand_q, cur_c, cand_c, agreed, unjudged = _sides(calls)
    n = len(cur_q)
    cur_quality = sum(cur_q) / n if n else 0.0
    cand_quality = sum(cand_q) / n if n else 0.0
    cur_cost = sum(cur_c, ZERO) / n if n else ZERO
    cand_cost = sum(cand_c, ZERO) / n if n else ZERO
    ci = (0.0, 0.0)
    if n:
        diffs = _resampled_diffs(calls, resamples, seed)
        if diffs:
            tail = (1.0 - confidence) / 2
            ci = (_percentile(diffs, tail), _percentile(diffs, 1.0 - tail))
    verdict, reason = _verdict(n, min_labels, ci, cand_cost < cur_cost, max_quality_drop)
    return RolloutReport(
        current=current,
        candidate=candidate,
        labels=n,
        agreed=agreed,
        unjudged=unjudged,
        current_quality=cur_quality,
        candidate_quality=cand_quality,
        current_cost_usd=cur_cost,
        candidate_cost_usd=cand_cost,
        quality_ci=ci,
        confidence=confidence,
        verdict=verdict,
        reason=reason,
    )


def _verdict(
    n: int, min_labels: int, ci: tuple[float, float], cheaper: bool, max_drop: float
) -> tuple[Verdict, str]:
    low, high = ci
    if n < min_labels:
        return "insufficient", f"{n} judged labels, fewer than min_labels={min_labels}"
    if high < -max_drop:
        return "worse", (
            f"quality lower: the interval [{low:+.4f}, {high:+.4f}] is below -{max_drop:g}"
        )
    if low > 0:
        return "better", f"quality higher: the interval [{low:+.4f}, {high:+.4f}] is above 0"
    if low >= -max_drop and cheaper:
        return "better", (
            f"cheaper, and quality not lower by more than {max_drop:g}"
            f" (interval [{low:+.4f}, {high:+.4f}])"
        )
    if low >= -max_drop:
        return "inconclusive", (
            f"quality no different (interval [{low:+.4f}, {high:+.4f}]) and not cheaper"
        )
    return "inconclusive", (
        f"the interval [{low:+.4f}, {high:+.4f}] reaches below -{max_drop:g}: more labels needed"
    )
