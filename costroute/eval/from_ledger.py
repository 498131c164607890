"""Retraining from the ledger (issue 15.4): training labels from recorded outcomes.

The ledger keeps, for each routed call, the hand feature vector (no prompt, no words), the
deployment that answered, the difficulty score that routed it, and the outcomes recorded for it
(``Router.feedback``: a user's rating, a test result; ``source="judge"``: sampled labelling's
comparison of the routed answer with the reference's). This module turns them into

- a pair router's training set (:func:`pair_examples`) and estimator
  (:func:`train_from_ledger`, calibrated to a cost or quality target like ``router eval`` does
  for the JSON lines path), with a report of the labels used by source and the held-out quality
  of the recorded routing scores before and of the new estimator after;
- the same with an embedding head over the prompts' stored embeddings
  (:func:`train_embedding_from_ledger`, for calls routed with ``keep_embeddings=True``);
- an N-model quality table (:func:`quality_table_from_ledger`): per-deployment success rates by
  category and difficulty bucket, what :func:`costroute.policy.quality_table` routes with.

How outcomes become labels is spelled out in docs/learning.md ("Retraining from the ledger").
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from costroute.difficulty import EmbeddingEstimator, LearnedEstimator
from costroute.errors import ConfigError
from costroute.eval._embed_ledger import HEAD_L2, train_embedding_from_ledger
from costroute.eval._ledger_cv import DEFAULT_L2, LEDGER_L2S, L2Choice, select_l2
from costroute.eval._ledger_fit import calibrated_on, check_fit, held_out
from costroute.eval._pair_labels import (
    JUDGE,
    PairExample,
    PairSet,
    pair_examples,
    scores_of,
)
from costroute.eval._quality_ledger import quality_table_from_ledger, window_of
from costroute.eval._two_model import LEARNERS, Learner, fit_learner
from costroute.ledger import Ledger

__all__ = [
    "DEFAULT_L2",
    "HEAD_L2",
    "JUDGE",
    "LEARNERS",
    "LEDGER_L2S",
    "L2Choice",
    "Learner",
    "LedgerTrainReport",
    "PairExample",
    "PairSet",
    "atrain_embedding_from_ledger",
    "atrain_from_ledger",
    "pair_examples",
    "quality_table_from_ledger",
    "select_l2",
    "train_embedding_from_ledger",
    "train_from_ledger",
]


@dataclass(frozen=True, slots=True)
class LedgerTrainReport:
    """What :func:`train_from_ledger` used and measured.

    ``labels`` counts the outcomes used by source, ``skipped`` the calls left out by reason;
    ``examples``/``imputed`` the calls trained on and how many had one side imputed.
    ``heldout_before`` is the APGR, on the newest ``held_out`` calls, of the difficulty scores
    that routed them (the router of the time); ``heldout_after`` that of an estimator trained
    on the older calls only (the shipped one is then refitted on all of them). Both are on the
    labels' qualities, one side imputed where unknown; None when the held-out part has no
    strong advantage to measure. ``calibration`` holds the threshold chosen on all calls.
    ``l2`` is the penalty of the estimator trained; ``cv`` how it was chosen
    (:meth:`L2Choice.to_dict`; None when it was given); ``learner`` the fit used.
    """

    strong: str
    weak: str
    since: str | None
    until: str | None
    examples: int
    imputed: int
    labels: Mapping[str, int]
    skipped: Mapping[str, int]
    held_out: int
    heldout_before: float | None
    heldout_after: float | None
    calibration: Mapping[str, Any] | None = field(default=None)
    l2: float = DEFAULT_L2
    cv: Mapping[str, Any] | None = field(default=None)
    learner: Learner = "two"

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        out = asdict(self)
        out["labels"] = dict(self.labels)
        out["skipped"] = dict(self.skipped)
        out["cv"] = None if self.cv is None else dict(self.cv)
        return out

    def lines(self) -> list[str]:
        """A short human-readable account."""
        used = ", ".join(f"{k} {v}" for k, v in sorted(self.labels.items())) or "none"
        left = ", ".join(f"{k} {v}" for k, v in sorted(self.skipped.items())) or "none"

        def shown(x: float | None) -> str:
            return "n/a" if x is None else f"{x:.4f}"

        out = [
            f"ledger {self.strong} over {self.weak}: {self.examples} calls ({self.imputed} with"
            f" one side imputed); labels used by source: {used}; calls left out: {left}",
            f"held-out APGR on the newest {self.held_out} calls: before (recorded routing"
            f" scores) {shown(self.heldout_before)}, after (retrained) {shown(self.heldout_after)}",
        ]
        out.append(f"learner {self.learner}")
        if self.cv is None:
            out.append(f"L2 {self.l2:g}")
        elif not self.cv["measured"]:
            out.append(f"L2 {self.l2:g} (the fallback: too few calls to cross-validate)")
        else:
            figs = ", ".join(f"{c:g} {shown(a)}" for c, a in self.cv["cv_apgr"])
            out.append(f"L2 {self.l2:g} chosen by {self.cv['folds']}-fold CV APGR ({figs})")
        if self.calibration:
            c = self.calibration
            out.append(
                f"calibrated: strong when score >= {c['threshold']:.4f} ({c['strong_share']:.1%}"
                f" of calls, {c['quality_fraction']:.1%} of strong quality on the ledger's calls)"
            )
        return out


def train_from_ledger(
    ledger: Ledger | str,
    *,
    strong: str,
    weak: str,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    holdout: float = 0.2,
    l2: float | Literal["auto"] | None = "auto",
    l2s: Sequence[float] = LEDGER_L2S,
    folds: int = 5,
    target_quality: float | None = None,
    target_cost_share: float | None = None,
    learner: Learner = "two",
) -> tuple[LearnedEstimator, LedgerTrainReport]:
    """Train (and optionally calibrate) a pair router on the outcomes recorded in ``[since,
    until)`` of ``ledger`` (a :class:`~costroute.ledger.Ledger` or a URL for
    :func:`~costroute.ledger.open_ledger`).

    ``learner="two"`` (the default) fits P(strong right) and P(weak right) apart on the hand
    features, each on the calls where that side was observed, and scores a request by
    ``(1 + difference) / 2``, the pair's expected gain (:mod:`costroute.eval._two_model`);
    ``learner="gain"`` fits one regression of the ``gain`` label (see :func:`pair_examples`;
    the default before, below "two" on ZeroEval TRAIN by cross-validation at every size).
    Either uses the L2 penalty ``l2``: ``None`` chooses it among ``l2s`` by
    ``folds``-fold cross-validation on the calls (:func:`select_l2`; the "after" figure's
    estimator chooses its own on the older calls only); ``"auto"`` (the default) does so when
    at least half the calls observe both models (sampled labelling with a checker, or
    ``feedback(..., deployment=...)``), else uses :data:`DEFAULT_L2` (one side of most calls
    predicted: too noisy to choose on). With a target its threshold is calibrated on all the calls
    (:func:`costroute.eval.calibrate` on the labels' qualities) and stored in it, as
    ``router eval --target-...`` does, so :func:`costroute.policy.pair` reads it.
    """
    learner = check_fit(holdout, target_quality, target_cost_share, learner)
    number = isinstance(l2, int | float) and not isinstance(l2, bool)
    if not (l2 is None or l2 == "auto" or (number and l2 > 0)):
        raise ConfigError(
            f"l2={l2!r} is not a positive number, 'auto' or None.",
            field="l2",
            fix=f"e.g. {DEFAULT_L2}, None to choose it by cross-validation on the calls, or"
            " 'auto' (cross-validation when most calls observe both sides)",
        )
    pairs = pair_examples(window_of(ledger, since, until), strong, weak)
    ex = list(pairs.examples)

    def choose(calls: list[PairExample]) -> tuple[float, L2Choice | None]:
        if l2 == "auto" and 2 * sum(not e.imputed for e in calls) < len(calls):
            return DEFAULT_L2, None
        if l2 is not None and l2 != "auto":
            return float(l2), None
        choice = select_l2(calls, l2s=l2s, folds=folds, learner=learner)
        return choice.l2, choice

    def trial(older: list[PairExample], newest: list[PairExample]) -> list[float]:
        fitted = fit_learner(older, learner=learner, l2=choose(older)[0])  # its own L2 choice
        return scores_of(fitted, newest)

    n_held, before, after = held_out(ex, holdout, trial)
    chosen_l2, choice = choose(ex)
    meta = {
        "label": "gain",
        "learner": learner,
        "strong": strong,
        "weak": weak,
        "training_data": "ledger",
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "n_records": len(ex),
        "labels": dict(pairs.labels),
        "l2": chosen_l2,
        "l2_cv": None if choice is None else choice.to_dict(),
        "trained_at": dt.date.today().isoformat(),
    }
    est = fit_learner(ex, learner=learner, l2=chosen_l2, meta=meta)
    cal_info = calibrated_on(
        ex, scores_of(est, ex), strong, weak, target_quality, target_cost_share
    )
    if cal_info is not None:
        est = est.calibrated(
            cal_info["threshold"],
            strong=strong,
            weak=weak,
            target_quality=target_quality,
            target_cost_share=target_cost_share,
            data="ledger",
        )
    report = LedgerTrainReport(
        strong=strong,
        weak=weak,
        since=since.isoformat() if since else None,
        until=until.isoformat() if until else None,
        examples=len(ex),
        imputed=sum(e.imputed for e in ex),
        labels=dict(pairs.labels),
        skipped=dict(pairs.skipped),
        held_out=n_held,
        heldout_before=before,
        heldout_after=after,
        calibration=cal_info,
        l2=chosen_l2,
        cv=None if choice is None else choice.to_dict(),
        learner=learner,
    )
    return est, report


async def atrain_from_ledger(
    ledger: Ledger | str, **kwargs: Any
) -> tuple[LearnedEstimator, LedgerTrainReport]:
    """:func:`train_from_ledger` in a worker thread (same arguments)."""
    return await asyncio.to_thread(lambda: train_from_ledger(ledger, **kwargs))


async def atrain_embedding_from_ledger(
    ledger: Ledger | str, **kwargs: Any
) -> tuple[EmbeddingEstimator, LedgerTrainReport]:
    """:func:`train_embedding_from_ledger` in a worker thread (same arguments)."""
    return await asyncio.to_thread(lambda: train_embedding_from_ledger(ledger, **kwargs))
