"""Retraining from the ledger's stored embeddings (issue 15.2): an embedding head, no prompt.

A router built with ``Router(estimator="embedding", keep_embeddings=True)`` keeps, for each
routed call, the prompt's all-MiniLM-L6-v2 embedding (384 half floats) beside its hand
features. :func:`train_embedding_from_ledger` fits, on the calls of a window that kept one,

1. the features-only pair estimator :func:`~costroute.eval.from_ledger.train_from_ledger` fits
   with the same ``learner`` (``"two"`` by default; ``"gain"`` as before), then
2. an :class:`~costroute.difficulty.EmbeddingEstimator` head over it
   (:func:`costroute.train.embed.fit_head`): the same ``gain`` labels regressed on the first
   estimator's logit and the embedding, with gate centroids of the ledger's own traffic; its
   probability is the score (no map onto the first estimator's scale).

The result scores a new request as the first estimator does, corrected by the head where the
request resembles the traffic it was trained on. It saves (``est.save(path)``) as one JSON file
holding both, which ``load_estimator(path)`` reads back. Calls without an embedding are left
out (``skipped["no_embedding"]``); the features-only path is unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from costroute.difficulty import Difficulty, EmbeddingEstimator, LearnedEstimator
from costroute.errors import ConfigError
from costroute.eval._ledger_cv import DEFAULT_L2
from costroute.eval._ledger_fit import calibrated_on, check_fit, held_out
from costroute.eval._pair_labels import (
    PairExample,
    gain_targets,
    pair_examples,
    scores_of,
)
from costroute.eval._quality_ledger import window_of
from costroute.eval._two_model import Learner, fit_learner

if TYPE_CHECKING:
    from costroute.eval.from_ledger import LedgerTrainReport
    from costroute.ledger import Ledger

__all__ = [
    "HEAD_L2",
    "embedded_scores",
    "fit_embedded_examples",
    "train_embedding_from_ledger",
]

Encoder = Callable[[list[str]], Sequence[Sequence[float]]]
"""Texts -> one unit-norm embedding per text (``EmbeddingEstimator(encoder=...)``)."""

HEAD_L2 = 1.0
"""The head's L2 penalty on the embedding weights (mean cross-entropy). Chosen on ZeroEval TRAIN
only (``benchmarks/ledger_embedding.py --replay``, 5-fold CV, ledgers of all the training part
and of 300 calls): 0.1, 0.3 and 1.0 were within 0.001 of each other in mean APGR (1e-3 and 1e-2
were worse on 300 calls), and the tie goes to the stronger penalty, as in ``select_l2``."""


def fit_embedded_examples(
    examples: Sequence[PairExample],
    *,
    l2: float = DEFAULT_L2,
    head_l2: float = HEAD_L2,
    encoder: Encoder | None = None,
    meta: dict[str, Any] | None = None,
    learner: Learner = "two",
) -> EmbeddingEstimator:
    """The features estimator (:func:`~costroute.eval._two_model.fit_learner`, ``learner``,
    ``l2``) and a head over it fitted on the
    examples' stored embeddings (``head_l2``); every example must have one. ``encoder`` is the
    returned estimator's (None: all-MiniLM-L6-v2 from the ``embed`` extra, on first use)."""
    import numpy as np

    from costroute.train.embed import fit_head

    if any(e.embedding is None for e in examples):
        raise ConfigError(
            "An example has no stored embedding.",
            field="examples",
            fix="train on calls recorded with Router(keep_embeddings=True)",
        )
    base = fit_learner(examples, learner=learner, l2=l2)
    x = np.asarray([e.embedding for e in examples], dtype=float)
    head = fit_head(
        x,
        scores_of(base, examples),
        gain_targets(examples, l2=l2),
        l2=head_l2,
        centroids=min(32, max(1, len(examples) // 10)),
        meta={
            "label": "gain",
            "training_data": "ledger",
            "base_l2": l2,
            "base_learner": learner,
            **(meta or {}),
        },
    )
    # The head's probability is the score (identity map): the threshold is calibrated on these
    # scores, not on a base scale to keep (the shipped head keeps the heuristic's thresholds).
    head["knots_p"] = head["knots_score"] = [0.0, 1.0]
    return EmbeddingEstimator(head, encoder=encoder, base=base)


def embedded_scores(est: EmbeddingEstimator, examples: Sequence[PairExample]) -> list[float]:
    """The estimator's score of each example from its stored features and embedding (no text);
    the estimator's base must be the :class:`LearnedEstimator` it was trained with."""
    if not isinstance(est.base, LearnedEstimator):
        raise ConfigError(
            "The embedding estimator's base is not a learned estimator.",
            field="est",
            fix="score an estimator from train_embedding_from_ledger()",
        )
    base = scores_of(est.base, examples)
    return [
        est.corrected(Difficulty(b), e.embedding or ()).score
        for b, e in zip(base, examples, strict=True)
    ]


def train_embedding_from_ledger(
    ledger: Ledger | str,
    *,
    strong: str,
    weak: str,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    holdout: float = 0.2,
    l2: float = DEFAULT_L2,
    head_l2: float = HEAD_L2,
    target_quality: float | None = None,
    target_cost_share: float | None = None,
    encoder: Encoder | None = None,
    learner: Learner = "two",
) -> tuple[EmbeddingEstimator, LedgerTrainReport]:
    """:func:`~costroute.eval.from_ledger.train_from_ledger` over the calls that kept an
    embedding, with an embedding head (see the module docstring). ``heldout_after`` is the
    APGR on the newest ``holdout`` of those calls of the pair trained on the older ones; with
    a target the threshold is calibrated on all of them and stored in ``meta["calibration"]``
    (:func:`costroute.policy.pair` reads it)."""
    from costroute.eval.from_ledger import LedgerTrainReport

    learner = check_fit(holdout, target_quality, target_cost_share, learner)
    pairs = pair_examples(window_of(ledger, since, until), strong, weak)
    ex = [e for e in pairs.examples if e.embedding is not None]
    skipped = dict(pairs.skipped)
    if len(ex) < len(pairs.examples):
        skipped["no_embedding"] = len(pairs.examples) - len(ex)
    if len(ex) < 10:
        raise ConfigError(
            f"Only {len(ex)} labelled calls of the pair kept an embedding: too few to train.",
            field="ledger",
            fix="route with Router(estimator='embedding', keep_embeddings=True) and collect"
            " outcomes, or train on the features alone (train_from_ledger)",
        )

    def trial(older: list[PairExample], newest: list[PairExample]) -> list[float]:
        fitted = fit_embedded_examples(
            older, l2=l2, head_l2=head_l2, encoder=encoder, learner=learner
        )
        return embedded_scores(fitted, newest)

    n_held, before, after = held_out(ex, holdout, trial)
    window = {"since": since.isoformat() if since else None}
    window["until"] = until.isoformat() if until else None
    meta = {"strong": strong, "weak": weak, **window, "labels": dict(pairs.labels)}
    est = fit_embedded_examples(
        ex, l2=l2, head_l2=head_l2, encoder=encoder, meta=meta, learner=learner
    )
    cal_info = calibrated_on(
        ex, embedded_scores(est, ex), strong, weak, target_quality, target_cost_share
    )
    if cal_info is not None:
        est.meta["calibration"] = {
            "strong": strong,
            "weak": weak,
            "target_quality": target_quality,
            "target_cost_share": target_cost_share,
            "data": "ledger",
            "threshold": float(cal_info["threshold"]),
        }
    report = LedgerTrainReport(
        strong=strong,
        weak=weak,
        since=window["since"],
        until=window["until"],
        examples=len(ex),
        imputed=sum(e.imputed for e in ex),
        labels=dict(pairs.labels),
        skipped=skipped,
        held_out=n_held,
        heldout_before=before,
        heldout_after=after,
        calibration=cal_info,
        l2=l2,
        learner=learner,
    )
    return est, report
