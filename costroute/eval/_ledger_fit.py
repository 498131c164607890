"""What both ledger fits do alike (:func:`~costroute.eval.from_ledger.train_from_ledger` and
:func:`~costroute.eval.from_ledger.train_embedding_from_ledger`): check their arguments, measure
a fit on the newest calls before and after, and calibrate the final scores to a target."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from costroute.errors import ConfigError
from costroute.eval._evaluate import calibrate, check_targets
from costroute.eval._pair_labels import PairExample, held_out_apgr
from costroute.eval._two_model import Learner, check_learner

__all__ = ["calibrated_on", "check_fit", "held_out"]


def check_fit(holdout: Any, target_quality: Any, target_cost_share: Any, learner: Any) -> Learner:
    """ConfigError naming the field for a bad ``holdout``, target or ``learner`` (before the
    ledger is read); the learner."""
    if isinstance(holdout, bool) or not isinstance(holdout, int | float) or not 0 <= holdout < 1:
        raise ConfigError(
            f"holdout={holdout!r} is not a fraction in [0, 1).",
            field="holdout",
            fix="e.g. 0.2 (the newest fifth of the calls measures the retrained estimator)",
        )
    check_targets(target_quality, target_cost_share, required=False)
    return check_learner(learner)


def held_out(
    examples: Sequence[PairExample],
    holdout: float,
    scores: Callable[[list[PairExample], list[PairExample]], Sequence[float]],
) -> tuple[int, float | None, float | None]:
    """The newest ``holdout`` of the calls (oldest first): how many, the APGR there of the
    recorded routing scores (before), and of ``scores(older, newest)``, a fit on the older calls
    scoring the newest (after; None with fewer than 10 older calls)."""
    n_held = int(len(examples) * holdout)
    older, newest = (
        list(examples[: len(examples) - n_held]),
        list(examples[len(examples) - n_held :]),
    )
    if not newest:
        return 0, None, None
    before = held_out_apgr([e.difficulty for e in newest], newest)
    after = held_out_apgr(scores(older, newest), newest) if len(older) >= 10 else None
    return len(newest), before, after


def calibrated_on(
    examples: Sequence[PairExample],
    scores: Sequence[float],
    strong: str,
    weak: str,
    target_quality: float | None,
    target_cost_share: float | None,
) -> dict[str, Any] | None:
    """The threshold that meets the target on ``examples`` scored ``scores`` (their qualities
    as the labels give them), with its strong share and quality fraction; None without a
    target."""
    if target_quality is None and target_cost_share is None:
        return None
    from costroute.train.data import Record

    records = [Record(e.request_id, (), {strong: e.strong, weak: e.weak}) for e in examples]
    cal = calibrate(
        records,
        scores,
        strong,
        weak,
        target_quality=target_quality,
        target_cost_share=target_cost_share,
    )
    return {
        "threshold": cal.threshold,
        "strong_share": cal.strong_share,
        "quality_fraction": cal.quality_fraction,
    }
