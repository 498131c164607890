"""Evaluate a router's scores on labelled records, and calibrate its threshold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from costroute.errors import ConfigError
from costroute.eval import metrics
from costroute.train.data import Record, scores_of

__all__ = [
    "Calibration",
    "EvalResult",
    "RouterFigures",
    "calibrate",
    "check_targets",
    "evaluate",
    "routing_curves",
]


@dataclass(frozen=True, slots=True)
class RouterFigures:
    """The RouteLLM figures of one router (see :mod:`costroute.eval.metrics`)."""

    apgr: float
    cpt50: float
    cpt80: float
    cost_saved_at_95: float

    @classmethod
    def of(cls, curve: metrics.Curve) -> RouterFigures:
        """Figures of a routing curve."""
        return cls(
            apgr=metrics.apgr(curve),
            cpt50=metrics.cpt(curve, 0.5),
            cpt80=metrics.cpt(curve, 0.8),
            cost_saved_at_95=metrics.cost_saved_at(curve, 0.95),
        )


@dataclass(frozen=True, slots=True)
class EvalResult:
    """A router evaluated on ``n`` records for one strong/weak pair, beside random and oracle.

    ``apgr``, ``cpt50``, ``cpt80`` and ``cost_saved_at_95`` are the router's; ``random`` holds
    the expected figures of a random router, ``oracle`` those of a router that knows the labels.
    ``cost_basis`` is ``"usd"`` when per-item costs were used, else ``"calls"``.
    ``apgr_ci`` is the router's APGR bootstrap interval (``evaluate(..., resamples=N)``), else
    None.
    """

    n: int
    strong: str
    weak: str
    strong_quality: float
    weak_quality: float
    apgr: float
    cpt50: float
    cpt80: float
    cost_saved_at_95: float
    random: RouterFigures
    oracle: RouterFigures
    cost_basis: str = "calls"
    apgr_ci: tuple[float, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return asdict(self)


def _qualities(
    records: Sequence[Record], scores: Sequence[float], strong: str, weak: str
) -> tuple[list[float], list[float]]:
    if len(records) != len(scores):
        raise ConfigError(
            f"{len(scores)} router scores for {len(records)} records.",
            field="scores",
            fix="give one score per record, in the records' order",
        )
    if not records:
        raise ConfigError("No records to evaluate.", field="records", fix="pass labelled records")
    return scores_of(records, strong), scores_of(records, weak)


def evaluate(
    records: Sequence[Record],
    scores: Sequence[float],
    strong: str,
    weak: str,
    costs: Sequence[tuple[float, float]] | None = None,
    *,
    resamples: int = 0,
    seed: int = 0,
) -> EvalResult:
    """RouteLLM figures of ``scores`` (higher = send to ``strong``) on ``records``.

    ``costs`` are per-record ``(strong, weak)`` costs; without them the cost figures use the
    share of calls sent to the strong model. See :func:`costroute.eval.data.costs_of`.
    ``resamples`` > 0 adds ``apgr_ci``, the 95% percentile bootstrap interval of the APGR over
    that many resamples of the records (seeded by ``seed``: the same call, the same interval).
    """
    if isinstance(resamples, bool) or not isinstance(resamples, int) or resamples < 0:
        raise ConfigError(
            f"resamples={resamples!r} is not a whole number >= 0.",
            field="resamples",
            fix="pass 0 (no interval) or a number of bootstrap resamples, e.g. 1000",
        )
    sq, wq = _qualities(records, scores, strong, weak)
    try:
        curve = metrics.quality_curve(scores, sq, wq, costs)
        figures = RouterFigures.of(curve)
        random = RouterFigures.of(metrics.quality_curve([0.0] * len(sq), sq, wq, costs))
        oracle = RouterFigures.of(
            metrics.quality_curve(metrics.oracle_scores(sq, wq), sq, wq, costs)
        )
        ci = (
            metrics.apgr_interval(scores, sq, wq, resamples=resamples, seed=seed)
            if resamples
            else None
        )
    except ValueError as exc:
        raise ConfigError(
            f"Cannot evaluate {strong!r} over {weak!r}: {str(exc).rstrip('.')}.",
            field="strong/weak",
            fix="pick a strong model that scores higher than the weak one on these records",
        ) from exc
    return EvalResult(
        n=len(sq),
        strong=strong,
        weak=weak,
        strong_quality=curve.strong_quality,
        weak_quality=curve.weak_quality,
        apgr=figures.apgr,
        cpt50=figures.cpt50,
        cpt80=figures.cpt80,
        cost_saved_at_95=figures.cost_saved_at_95,
        random=random,
        oracle=oracle,
        cost_basis="calls" if costs is None else "usd",
        apgr_ci=ci,
    )


def check_targets(
    target_quality: float | None, target_cost_share: float | None, *, required: bool = True
) -> None:
    """ConfigError unless exactly one calibration target is given (or none, when not
    ``required``) and it is a fraction in [0, 1]. The one check behind every calibration:
    :func:`calibrate`, :func:`costroute.eval.policy_eval.calibrate_sweep` and the CLI."""
    if target_quality is not None and target_cost_share is not None:
        raise ConfigError(
            "Calibration takes exactly one target, got both a quality and a cost-share target.",
            field="target_quality/target_cost_share",
            fix="give --target-quality (e.g. 0.95) or --target-cost-share (e.g. 0.2), not both",
        )
    if target_quality is None and target_cost_share is None:
        if not required:
            return
        raise ConfigError(
            "Calibration needs exactly one target, got none.",
            field="target_quality/target_cost_share",
            fix="give --target-quality (e.g. 0.95) or --target-cost-share (e.g. 0.2)",
        )
    quality = target_quality is not None
    target = target_quality if quality else target_cost_share
    assert target is not None
    if not 0.0 <= target <= 1.0:  # also refuses NaN
        raise ConfigError(
            f"Calibration target {target} is outside [0, 1].",
            field="target_quality" if quality else "target_cost_share",
            fix=(
                "give the fraction of the strong (or reference) model's quality to keep, e.g. 0.95"
                if quality
                else "give the fraction of strong calls (or of the reference's cost) to allow, e.g. 0.2"
            ),
        )


def routing_curves(
    records: Sequence[Record], scores: Sequence[float], strong: str, weak: str
) -> dict[str, metrics.Curve]:
    """The routing curves (quality against strong-call share) of the router (``scores``), of
    a random router and of the oracle, for plotting (see :func:`costroute.eval.plot.plot_pair`).
    """
    sq, wq = _qualities(records, scores, strong, weak)
    return {
        "router": metrics.quality_curve(scores, sq, wq),
        "random": metrics.quality_curve([0.0] * len(sq), sq, wq),
        "oracle": metrics.quality_curve(metrics.oracle_scores(sq, wq), sq, wq),
    }


@dataclass(frozen=True, slots=True)
class Calibration:
    """A threshold chosen on training data: call the strong model when ``score >= threshold``.

    ``strong_share`` and ``quality_fraction`` (of the strong model's quality) are what that
    threshold achieved on the data it was chosen on; expect some drift on new traffic.
    """

    threshold: float
    strong_share: float
    quality_fraction: float


def calibrate(
    records: Sequence[Record],
    scores: Sequence[float],
    strong: str,
    weak: str,
    *,
    target_quality: float | None = None,
    target_cost_share: float | None = None,
) -> Calibration:
    """Pick a threshold on (training) data for exactly one target.

    ``target_quality``: the fewest strong calls whose quality reaches that fraction of the
    strong model's quality (ties in score are kept together, so the share may be higher).
    ``target_cost_share``: the most strong calls not above that share of all calls.
    """
    check_targets(target_quality, target_cost_share)
    sq, wq = _qualities(records, scores, strong, weak)
    curve = metrics.quality_curve(scores, sq, wq)
    qs = curve.strong_quality
    pick = len(curve.share) - 1
    for i in range(len(curve.share)):
        if target_quality is not None:
            if curve.quality[i] >= target_quality * qs - 1e-12:
                pick = i
                break
        elif target_cost_share is not None and curve.share[i] <= target_cost_share + 1e-12:
            pick = i
    threshold = curve.threshold[pick]
    if threshold == float("inf"):
        threshold = 1.0 + 1e-9 if max(scores) <= 1.0 else float(max(scores)) * 2 + 1.0
    return Calibration(
        threshold=threshold,
        strong_share=curve.share[pick],
        quality_fraction=curve.quality[pick] / qs if qs > 0 else 1.0,
    )
