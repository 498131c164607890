"""Cross-validation of difficulty estimators: k-fold model selection for a pair, and
leave-one-task-out.

k-fold (:func:`cross_validate`, :func:`train_selected`): pick the training label, vocabulary
size and regularisation of a pair's learned estimator on the training records only, by the APGR
of the held-out predictions (what ``costroute router train --strong --weak`` runs).

Leave-one-task-out (:func:`leave_one_task_out`):
For each task (the records' ``task`` field), fit on the other tasks and score the held-out
one. Two figures per strong/weak pair:

- ``per_task``/``mean``: APGR inside each held-out task (does the estimator rank requests of an
  unseen kind of task?), and their mean;
- ``pooled``: APGR over all held-out predictions together (are the levels it gives to
  different unseen tasks comparable? This is what a mixed production workload needs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from costroute.difficulty import LearnedEstimator
from costroute.errors import ConfigError
from costroute.eval._task_cv import leave_one_task_out, pair_key, scores_for
from costroute.eval.metrics import apgr, apgr_interval, quality_curve
from costroute.train.data import Record, require_models
from costroute.train.fit import PAIR_LABELS, Label, LinearFit, featurize, labels, train

__all__ = [
    "DEFAULT_REGS",
    "DEFAULT_VOCAB_SIZES",
    "CVResult",
    "CVRow",
    "cross_validate",
    "leave_one_task_out",
    "pair_key",
    "scores_for",
    "train_selected",
]


DEFAULT_VOCAB_SIZES = (0, 200, 1000)
"""Vocabulary sizes :func:`cross_validate` tries unless told otherwise."""
DEFAULT_REGS = (0.3, 1.0, 3.0)
"""Regularisation multipliers tried (of ``l2`` and ``vocab_l2``; only with a vocabulary: the
26 hand features barely move under any of them)."""


@dataclass(frozen=True, slots=True)
class CVRow:
    """One candidate's cross-validated figures: ``apgr`` over all held-out predictions pooled,
    ``fold_apgr`` inside each held-out fold (None where a fold's strong model is not better)."""

    label: Label
    vocab_size: int
    reg: float
    apgr: float
    fold_apgr: tuple[float | None, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (figures rounded to 4 places)."""
        return {
            "label": self.label,
            "vocab_size": self.vocab_size,
            "reg": self.reg,
            "apgr": round(self.apgr, 4),
            "fold_apgr": [None if a is None else round(a, 4) for a in self.fold_apgr],
        }


@dataclass(frozen=True, slots=True)
class CVResult:
    """Every candidate's :class:`CVRow` in the order tried, and the pick: the highest pooled
    held-out APGR (the first tried wins a tie). ``apgr_ci`` is the pick's 95% bootstrap
    interval over the held-out predictions (``resamples`` resamples, seeded by ``seed``)."""

    rows: tuple[CVRow, ...]
    best: CVRow
    folds: int
    seed: int
    strong: str
    weak: str
    apgr_ci: tuple[float, float] | None
    resamples: int

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (what ``router train`` prints and stores in the weights' meta)."""
        return {
            "strong": self.strong,
            "weak": self.weak,
            "folds": self.folds,
            "seed": self.seed,
            "chosen": {k: v for k, v in self.best.to_dict().items() if k != "fold_apgr"},
            "apgr_ci": None if self.apgr_ci is None else [round(x, 4) for x in self.apgr_ci],
            "resamples": self.resamples,
            "table": [r.to_dict() for r in self.rows],
        }

    def table(self) -> list[str]:
        """The table as text lines, the pick marked with ``*``."""
        lines = [
            f"{self.folds}-fold CV on the training data (seed {self.seed}), APGR of "
            f"{self.strong} over {self.weak} on held-out predictions:",
            f"  {'label':12}{'vocab':>7}{'reg':>6}{'pooled':>9}  per fold",
        ]
        for r in self.rows:
            mark = "*" if r is self.best else " "
            folds = " ".join("  -  " if a is None else f"{a:.3f}" for a in r.fold_apgr)
            lines.append(f"{mark} {r.label:12}{r.vocab_size:>7}{r.reg:>6g}{r.apgr:>9.4f}  {folds}")
        if self.apgr_ci is not None:
            lo, hi = self.apgr_ci
            lines.append(
                f"chosen: {self.best.label}, vocabulary {self.best.vocab_size}, reg "
                f"{self.best.reg:g}: CV APGR {self.best.apgr:.3f} [{lo:.3f}, {hi:.3f}] (95% "
                f"bootstrap, {self.resamples} resamples)"
            )
        return lines


def _fold_of(n: int, folds: int, seed: int) -> list[int]:
    """The fold of each of ``n`` records: a seeded shuffle dealt round-robin."""
    import random

    order = list(range(n))
    random.Random(seed).shuffle(order)
    fold = [0] * n
    for k, i in enumerate(order):
        fold[i] = k % folds
    return fold


def cross_validate(
    records: Sequence[Record],
    strong: str,
    weak: str,
    *,
    labels_to_try: Sequence[Label] = PAIR_LABELS,
    vocab_sizes: Sequence[int] = DEFAULT_VOCAB_SIZES,
    regs: Sequence[float] = DEFAULT_REGS,
    folds: int = 5,
    seed: int = 0,
    resamples: int = 1000,
    l2: float = 1e-3,
    vocab_l2: float = 1e-2,
    min_df: int = 10,
) -> CVResult:
    """k-fold cross-validation of every (label, vocabulary size, regularisation) on ``records``
    (give it the TRAINING records only), scored by the APGR of ``strong`` over ``weak``.

    Each candidate is fitted on k-1 folds (vocabulary and standardisation from those folds
    only) and scores the held-out fold; its figure is the APGR of all held-out scores pooled.
    ``reg`` multiplies ``l2`` and ``vocab_l2``; with no vocabulary only ``reg`` 1 is tried.
    Deterministic for a given ``seed`` (fold assignment and bootstrap).
    """
    if folds < 2 or len(records) < 2 * folds or len(records) - len(records) // folds < 10:
        raise ConfigError(
            f"Cannot run {folds}-fold cross-validation on {len(records)} records.",
            field="folds",
            fix="use at least 2 folds and enough records that each training part has 10 or more",
        )
    bad = [x for x in labels_to_try if x not in PAIR_LABELS]
    if bad or not labels_to_try:
        raise ConfigError(
            f"Cannot cross-validate labels {list(labels_to_try)!r}.",
            field="labels",
            fix=f"choose among {', '.join(PAIR_LABELS)}",
        )
    if not vocab_sizes or any(v < 0 for v in vocab_sizes) or not regs or any(r <= 0 for r in regs):
        raise ConfigError(
            "Vocabulary sizes must be >= 0 and regularisation multipliers > 0 (and neither empty).",
            field="vocab_sizes/regs",
            fix="e.g. vocab_sizes=(0, 200, 1000), regs=(0.3, 1, 3)",
        )
    require_models(records, [strong, weak])
    sq = [r.scores[strong] for r in records]
    wq = [r.scores[weak] for r in records]
    x_hand, word_sets = featurize(records)  # a ConfigError naming the extra without numpy
    import numpy as np

    fold = _fold_of(len(records), folds, seed)
    parts = [
        (
            np.asarray([f != k for f in fold]),
            [i for i, f in enumerate(fold) if f == k],
        )
        for k in range(folds)
    ]
    ys = {lab: np.asarray(labels(records, lab, strong, weak), dtype=float) for lab in labels_to_try}
    rows: list[CVRow] = []
    held_of: dict[int, list[float]] = {}
    for lab in labels_to_try:
        for v in sorted(dict.fromkeys(vocab_sizes)):
            for reg in sorted(dict.fromkeys(regs)) if v else [1.0]:
                held = [0.0] * len(records)
                per_fold: list[float | None] = []
                for mask, test in parts:
                    train_sets = [ws for ws, m in zip(word_sets, mask, strict=True) if m]
                    fit = LinearFit(
                        x_hand[mask],
                        train_sets,
                        ys[lab][mask],
                        l2=l2 * reg,
                        vocab_size=v,
                        vocab_l2=vocab_l2 * reg,
                        min_df=min_df,
                    )
                    pred = fit.predict(x_hand[test], [word_sets[i] for i in test])
                    for i, z in zip(test, pred, strict=True):
                        held[i] = z
                    ts, tw = [sq[i] for i in test], [wq[i] for i in test]
                    try:
                        per_fold.append(apgr(quality_curve(pred, ts, tw)))
                    except ValueError:
                        per_fold.append(None)
                row = CVRow(lab, v, reg, apgr(quality_curve(held, sq, wq)), tuple(per_fold))
                held_of[id(row)] = held
                rows.append(row)
    best = rows[0]
    for r in rows[1:]:
        if r.apgr > best.apgr:
            best = r
    ci = (
        apgr_interval(held_of[id(best)], sq, wq, resamples=resamples, seed=seed)
        if resamples
        else None
    )
    return CVResult(tuple(rows), best, folds, seed, strong, weak, ci, resamples)


def train_selected(
    records: Sequence[Record],
    strong: str,
    weak: str,
    *,
    meta: Mapping[str, Any] | None = None,
    name: str = "learned",
    l2: float = 1e-3,
    vocab_l2: float = 1e-2,
    min_df: int = 10,
    **cv: Any,
) -> tuple[LearnedEstimator, CVResult]:
    """:func:`cross_validate` on ``records`` (keyword arguments ``cv`` go to it), then
    :func:`train` the pick on all of them; the CV result is stored in ``meta["cv"]``."""
    result = cross_validate(records, strong, weak, l2=l2, vocab_l2=vocab_l2, min_df=min_df, **cv)
    b = result.best
    est = train(
        records,
        strong,
        weak,
        label=b.label,
        l2=l2 * b.reg,
        vocab_size=b.vocab_size,
        vocab_l2=vocab_l2 * b.reg,
        min_df=min_df,
        meta={**(meta or {}), "cv": result.to_dict()},
        name=name,
    )
    return est, result
