"""Router quality metrics, as defined by RouteLLM (Ong et al., 2024, arXiv:2406.18665).

A router gives each request a score; a threshold sends the highest-scored requests to the
strong model and the rest to the weak one. Sweeping the threshold traces a curve of quality
(mean score of the answers) against the share of calls sent to the strong model.

- PGR (performance gap recovered) at a point: ``(q - q_weak) / (q_strong - q_weak)``.
- APGR: the area under PGR against the strong-call share, over [0, 1]. A random router gets
  0.5 in expectation; PGR may exceed 1 when the weak model wins on some items, so an oracle
  can score above 1.
- CPT(x): the smallest strong-call share at which PGR reaches ``x`` (0.5 for CPT(50%)).
- cost saved at 95%: ``1 - cost / cost(all strong)`` at the cheapest point whose quality
  reaches 95% of the strong model's quality (costs per item if given, else call share).
- :func:`apgr_interval`: a percentile bootstrap confidence interval of APGR (items resampled
  with replacement, seeded, so the same call gives the same interval).
- :func:`apgr_difference_interval`: the same for the APGR margin of one router over another,
  both scored on each resample (paired), which is what "is A better than B" needs.

Requests with equal scores are split at random by a real router, so the curve is the
expectation over that split: linear inside each group of ties. This makes every figure exact
(no sampling) and gives the random router (all scores equal) its analytic value. Pure Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Curve",
    "apgr",
    "apgr_difference_interval",
    "apgr_interval",
    "cost_saved_at",
    "cpt",
    "oracle_scores",
    "quality_curve",
]


@dataclass(frozen=True, slots=True)
class Curve:
    """Vertices of the (expected) routing curve, from all-weak to all-strong.

    ``share[i]`` is the strong-call share, ``quality[i]`` the mean quality, ``cost[i]`` the
    total cost (the strong-call count when no per-item costs are given) and ``threshold[i]``
    the lowest score routed to the strong model at that vertex (``inf`` at the first one).
    """

    share: tuple[float, ...]
    quality: tuple[float, ...]
    cost: tuple[float, ...]
    threshold: tuple[float, ...]
    strong_quality: float
    weak_quality: float

    @property
    def gap(self) -> float:
        """``q_strong - q_weak``."""
        return self.strong_quality - self.weak_quality

    def pgr(self) -> tuple[float, ...]:
        """PGR at each vertex. ValueError if the strong model is not better than the weak one."""
        gap = self.gap
        if gap <= 0:
            raise ValueError(
                f"PGR is undefined: the strong model's quality ({self.strong_quality:.4f}) is not"
                f" above the weak model's ({self.weak_quality:.4f})"
            )
        return tuple((q - self.weak_quality) / gap for q in self.quality)


def quality_curve(
    scores: Sequence[float],
    strong: Sequence[float],
    weak: Sequence[float],
    costs: Sequence[tuple[float, float]] | None = None,
) -> Curve:
    """The routing curve of ``scores`` given each item's strong/weak quality (and costs)."""
    n = len(scores)
    if n == 0 or len(strong) != n or len(weak) != n or (costs is not None and len(costs) != n):
        raise ValueError("scores, strong, weak (and costs) must be non-empty and of equal length")
    cost_pairs = list(costs) if costs is not None else [(1.0, 0.0)] * n
    order = sorted(range(n), key=lambda i: -scores[i])
    q = float(sum(weak))
    c = float(sum(cw for _, cw in cost_pairs))
    share, quality, cost, threshold = [0.0], [q / n], [c], [float("inf")]
    i = 0
    while i < n:
        j = i
        s = scores[order[i]]
        while j < n and scores[order[j]] == s:
            k = order[j]
            q += strong[k] - weak[k]
            c += cost_pairs[k][0] - cost_pairs[k][1]
            j += 1
        share.append(j / n)
        quality.append(q / n)
        cost.append(c)
        threshold.append(float(s))
        i = j
    return Curve(
        tuple(share),
        tuple(quality),
        tuple(cost),
        tuple(threshold),
        strong_quality=sum(strong) / n,
        weak_quality=sum(weak) / n,
    )


def apgr(curve: Curve) -> float:
    """Area under PGR against strong-call share (trapezoids: exact for the expected curve)."""
    p = curve.pgr()
    x = curve.share
    return sum((x[i + 1] - x[i]) * (p[i] + p[i + 1]) / 2 for i in range(len(x) - 1))


def cpt(curve: Curve, target_pgr: float) -> float:
    """Smallest strong-call share at which PGR reaches ``target_pgr`` (e.g. 0.5 for CPT(50%)).

    Returns 1.0 if the curve never reaches it (possible only for targets above 1).
    """
    p = curve.pgr()
    x = curve.share
    if p[0] >= target_pgr:
        return 0.0
    for i in range(len(x) - 1):
        if p[i + 1] >= target_pgr:
            return x[i] + (x[i + 1] - x[i]) * (target_pgr - p[i]) / (p[i + 1] - p[i])
    return 1.0


def cost_saved_at(curve: Curve, quality_fraction: float = 0.95) -> float:
    """Share of the all-strong cost saved at the cheapest point reaching the target quality.

    The target is ``quality_fraction * q_strong``. With no per-item costs the cost is the
    strong-call share, so this is ``1 - share``. Points inside a segment count (a threshold
    inside a group of ties routes part of it, in expectation).
    """
    target = quality_fraction * curve.strong_quality
    q, c = curve.quality, curve.cost
    full = c[-1]
    if full <= 0:
        return 0.0
    best = float("inf")
    for i in range(len(q)):
        if q[i] >= target:
            best = min(best, c[i])
        if i + 1 < len(q) and (q[i] < target) != (q[i + 1] < target):
            t = (target - q[i]) / (q[i + 1] - q[i])
            best = min(best, c[i] + t * (c[i + 1] - c[i]))
    if best == float("inf"):
        return 0.0
    return 1.0 - best / full


def oracle_scores(strong: Sequence[float], weak: Sequence[float]) -> list[float]:
    """Scores of the oracle router: the strong model's gain on each item (it knows the answers)."""
    return [s - w for s, w in zip(strong, weak, strict=True)]


def _weighted_apgr(
    groups: Sequence[Sequence[int]],
    strong: Sequence[float],
    weak: Sequence[float],
    counts: Sequence[int],
) -> float | None:
    """APGR of the resample that holds item ``i`` ``counts[i]`` times (None if its gap <= 0).

    ``groups`` are the items' indices grouped by equal score, highest score first.
    """
    total = sum(counts)
    q_weak = sum(c * w for c, w in zip(counts, weak, strict=True)) / total
    q_strong = sum(c * s for c, s in zip(counts, strong, strict=True)) / total
    gap = q_strong - q_weak
    if gap <= 0:
        return None
    area = 0.0
    q = q_weak
    for g in groups:
        k = 0
        dq = 0.0
        for i in g:
            c = counts[i]
            if c:
                k += c
                dq += c * (strong[i] - weak[i])
        if k:
            dx = k / total
            q_next = q + dq / total
            area += dx * (q + q_next) / 2
            q = q_next
    return (area - q_weak) / gap


def apgr_interval(
    scores: Sequence[float],
    strong: Sequence[float],
    weak: Sequence[float],
    *,
    resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the APGR of ``scores``: ``resamples`` resamples of the
    items with replacement (``random.Random(seed)``, so the interval is reproducible), each
    scored exactly as :func:`apgr` scores the full set (ties split in expectation).

    Resamples in which the strong model is not better than the weak one (PGR undefined) are
    left out. ValueError if the inputs are empty or of unequal length, ``resamples < 1``,
    ``level`` is not in (0, 1), or no resample has a positive gap.
    """
    return _interval([scores], strong, weak, resamples, seed, level)


def apgr_difference_interval(
    scores: Sequence[float],
    other: Sequence[float],
    strong: Sequence[float],
    weak: Sequence[float],
    *,
    resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``APGR(scores) - APGR(other)``: each resample of the
    items scores both routers, so the interval is of the paired margin (narrower than two
    separate intervals when the routers agree on most items). Same resampling, seed and errors
    as :func:`apgr_interval`; ``other`` must have the same length as ``scores``.
    """
    return _interval([scores, other], strong, weak, resamples, seed, level)


def _groups(scores: Sequence[float]) -> list[list[int]]:
    """Item indices grouped by equal score, highest score first."""
    groups: list[list[int]] = []
    for i in sorted(range(len(scores)), key=lambda i: -scores[i]):
        if groups and scores[groups[-1][0]] == scores[i]:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def _interval(
    routers: Sequence[Sequence[float]],
    strong: Sequence[float],
    weak: Sequence[float],
    resamples: int,
    seed: int,
    level: float,
) -> tuple[float, float]:
    """Bootstrap interval of the first router's APGR, minus the second's when there are two."""
    import random

    n = len(routers[0])
    if n == 0 or len(strong) != n or len(weak) != n or any(len(r) != n for r in routers):
        raise ValueError("scores, strong and weak must be non-empty and of equal length")
    if resamples < 1 or not 0.0 < level < 1.0:
        raise ValueError("resamples must be >= 1 and level in (0, 1)")
    grouped = [_groups(r) for r in routers]
    rng = random.Random(seed)
    items = range(n)
    values: list[float] = []
    for _ in range(resamples):
        counts = [0] * n
        for i in rng.choices(items, k=n):
            counts[i] += 1
        v = _weighted_apgr(grouped[0], strong, weak, counts)
        if v is None:
            continue
        for groups in grouped[1:]:
            u = _weighted_apgr(groups, strong, weak, counts)
            assert u is not None  # the gap depends on the counts only
            v -= u
        values.append(v)
    if not values:
        raise ValueError("no resample has the strong model above the weak one")
    values.sort()
    tail = (1.0 - level) / 2
    return _quantile(values, tail), _quantile(values, 1.0 - tail)


def _quantile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolation quantile of already sorted values."""
    pos = q * (len(sorted_values) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (pos - lo) * (sorted_values[hi] - sorted_values[lo])
