"""Train a :class:`LearnedEstimator` on labelled records (needs numpy, imported lazily).

Labels (``label=``):

- ``"hardness"`` (default without a pair): the share of a model pool that fails the request
  (soft label in [0, 1]). It does not depend on one pair of models, so it carries over to other
  pairs and benchmarks; the score then reads as "expected failure rate of a typical model".
- ``"gain"`` (the default for a pair): the pair's signed gain, ``(1 + quality(strong) -
  quality(weak)) / 2``: 1 when the strong model wins, 0.5 on a tie, 0 when the weak one wins.
  The score reads as "expected gain of calling the strong model", the ordering that maximises
  APGR. Items both models fail score like items both pass (nothing to gain there).
- ``"weak_fails"``: ``1 - quality(weak)`` (ranks items both models fail at the top).
- ``"pair"``: 1 when the strong model beats the weak one (RouteLLM's label; a tie and a weak
  win are the same 0).

The model is L2-regularised logistic regression (cross-entropy, so soft labels work) fitted by
Newton's method: hand features standardised, plus optional binary word features.
:func:`cross_validate` picks the label, vocabulary size and regularisation by k-fold
cross-validation on the training records only; :func:`train_selected` trains the pick.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from costroute.difficulty._features import FEATURE_NAMES, compute
from costroute.difficulty._learned import LearnedEstimator
from costroute.difficulty._text import extract
from costroute.errors import ConfigError

if TYPE_CHECKING:
    from costroute.difficulty.data import Record

__all__ = [
    "PAIR_LABELS",
    "CVResult",
    "CVRow",
    "Label",
    "cross_validate",
    "fit_logistic",
    "labels",
    "pool_models",
    "train",
    "train_selected",
]

Label = Literal["hardness", "gain", "weak_fails", "pair"]
PAIR_LABELS: tuple[Label, ...] = ("gain", "weak_fails", "pair")
"""The labels of a strong/weak pair, in the order :func:`cross_validate` tries them."""


def pool_models(records: Sequence[Record]) -> list[str]:
    """Models that have a score on every record (the default pool for ``"hardness"``)."""
    if not records:
        return []
    common = set(records[0].scores)
    for r in records[1:]:
        common &= set(r.scores)
    return sorted(common)


def labels(
    records: Sequence[Record],
    label: Label = "hardness",
    strong: str | None = None,
    weak: str | None = None,
    pool: Sequence[str] | None = None,
) -> list[float]:
    """The training target of each record for ``label`` (see the module docstring)."""
    if label == "hardness":
        models = list(pool) if pool is not None else pool_models(records)
        if not models:
            raise ConfigError(
                "No model has a score on every record, so hardness is undefined.",
                field="pool",
                fix="pass pool=[...] with models scored on every record",
            )
        out = []
        for r in records:
            missing = [m for m in models if m not in r.scores]
            if missing:
                raise ConfigError(
                    f"Record {r.id!r} has no score for pool model {missing[0]!r}.",
                    field="pool",
                    fix="pass a pool of models scored on every record",
                )
            out.append(1.0 - sum(r.scores[m] for m in models) / len(models))
        return out
    if label not in PAIR_LABELS:
        raise ConfigError(
            f"Unknown label {label!r}.",
            field="label",
            fix="use hardness, gain, weak_fails or pair",
        )
    if weak is None or (label != "weak_fails" and strong is None):
        raise ConfigError(
            f"label={label!r} needs the model names.",
            field="strong/weak",
            fix="pass strong= and weak= (keys of each record's scores)",
        )
    from costroute.difficulty.data import scores_of

    w = scores_of(records, weak)
    if label == "weak_fails":
        return [1.0 - x for x in w]
    assert strong is not None
    s = scores_of(records, strong)
    if label == "gain":
        return [(1.0 + a - b) / 2.0 for a, b in zip(s, w, strict=True)]
    return [1.0 if a > b else 0.0 for a, b in zip(s, w, strict=True)]


def fit_logistic(x: Any, y: Any, penalty: Any, iterations: int = 50) -> Any:
    """Newton's method for mean cross-entropy + ``0.5 * sum(penalty * w**2)``.

    ``x`` is ``(n, d)`` with a leading column of ones (give it penalty 0); ``y`` in [0, 1].
    Returns the weight vector (numpy array).
    """
    import numpy as np

    n, d = x.shape
    w = np.zeros(d)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) / n + penalty * w
        hess = (x.T * (p * (1 - p))) @ x / n + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.max(np.abs(step))) < 1e-8:
            break
    return w


def _pick_vocab(word_sets: Sequence[set[str]], size: int, min_df: int) -> list[str]:
    df: Counter[str] = Counter()
    for ws in word_sets:
        df.update(ws)
    n = len(word_sets)
    ranked = [w for w, c in df.most_common() if min_df <= c <= 0.9 * n and len(w) > 1]
    return sorted(ranked[:size])


def _numpy() -> Any:
    try:
        import numpy as np
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ConfigError(
            "Training needs numpy, which is not installed.",
            field="train",
            fix="pip install 'costroute[train]'",
        ) from exc
    return np


def _featurize(records: Sequence[Record]) -> tuple[Any, list[set[str]]]:
    """Hand features (an ``(n, d)`` array) and the word set of each record."""
    np = _numpy()
    feats = [compute(extract(r.messages)) for r in records]
    return np.asarray([f.values for f in feats], dtype=float), [set(f.words) for f in feats]


class _Fit:
    """A fitted model over precomputed features: what :class:`LearnedEstimator` holds."""

    def __init__(
        self,
        x_hand: Any,
        word_sets: Sequence[set[str]],
        y: Any,
        *,
        l2: float,
        vocab_size: int,
        vocab_l2: float,
        min_df: int,
    ) -> None:
        np = _numpy()
        self.mean = x_hand.mean(axis=0)
        std = x_hand.std(axis=0)
        std[std < 1e-9] = 1.0
        self.std = std
        self.vocab = _pick_vocab(word_sets, vocab_size, min_df) if vocab_size > 0 else []
        x = self._design(x_hand, word_sets)
        d_hand = len(FEATURE_NAMES)
        penalty = np.concatenate([[0.0], np.full(d_hand, l2), np.full(len(self.vocab), vocab_l2)])
        self.w = fit_logistic(x, y, penalty)

    def _design(self, x_hand: Any, word_sets: Sequence[set[str]]) -> Any:
        np = _numpy()
        cols = [np.ones((len(word_sets), 1)), (x_hand - self.mean) / self.std]
        if self.vocab:
            index = {w: j for j, w in enumerate(self.vocab)}
            x_vocab = np.zeros((len(word_sets), len(self.vocab)))
            for i, ws in enumerate(word_sets):
                for w in ws:
                    j = index.get(w)
                    if j is not None:
                        x_vocab[i, j] = 1.0
            cols.append(x_vocab)
        return np.hstack(cols)

    def predict(self, x_hand: Any, word_sets: Sequence[set[str]]) -> list[float]:
        """The linear score of each record (monotone in the estimator's score)."""
        return [float(z) for z in self._design(x_hand, word_sets) @ self.w]


def _check_size(records: Sequence[Record]) -> None:
    if len(records) < 10:
        raise ConfigError(
            f"Only {len(records)} records: too few to train.",
            field="records",
            fix="train on at least a few hundred labelled requests",
        )


def train(
    records: Sequence[Record],
    strong: str | None = None,
    weak: str | None = None,
    *,
    label: Label = "hardness",
    pool: Sequence[str] | None = None,
    l2: float = 1e-3,
    vocab_size: int = 0,
    vocab_l2: float = 1e-2,
    min_df: int = 10,
    meta: Mapping[str, Any] | None = None,
    name: str = "learned",
) -> LearnedEstimator:
    """Fit a :class:`LearnedEstimator` on ``records``.

    ``vocab_size`` > 0 adds that many binary word features (the most frequent words seen in at
    least ``min_df`` records), with their own, usually stronger, L2 penalty ``vocab_l2``.
    """
    np = _numpy()
    _check_size(records)
    y = np.asarray(labels(records, label, strong, weak, pool), dtype=float)
    x_hand, word_sets = _featurize(records)
    fit = _Fit(x_hand, word_sets, y, l2=l2, vocab_size=vocab_size, vocab_l2=vocab_l2, min_df=min_df)
    d_hand = len(FEATURE_NAMES)
    info: dict[str, Any] = {
        "name": name,
        "label": label,
        "strong": strong,
        "weak": weak,
        "pool": list(pool) if pool is not None else None,
        "n_records": len(records),
        "l2": l2,
        "vocab_size": len(fit.vocab),
        "vocab_l2": vocab_l2,
        "trained_at": _dt.date.today().isoformat(),
    }
    if label == "hardness" and pool is None:
        info["pool"] = pool_models(records)
    info.update(meta or {})
    w = fit.w
    return LearnedEstimator(
        weights=w[1 : 1 + d_hand].tolist(),
        bias=float(w[0]),
        mean=fit.mean.tolist(),
        std=fit.std.tolist(),
        vocab={word: float(c) for word, c in zip(fit.vocab, w[1 + d_hand :], strict=True)},
        meta=info,
        name=name,
    )


# -- model selection by k-fold cross-validation on the training records ----------------------

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
    from costroute.difficulty.data import require_models
    from costroute.eval.metrics import apgr, apgr_interval, quality_curve

    np = _numpy()
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
    x_hand, word_sets = _featurize(records)
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
                    fit = _Fit(
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
