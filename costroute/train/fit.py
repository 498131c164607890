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
:func:`costroute.eval.cv.cross_validate` picks the label, vocabulary size and regularisation by
k-fold cross-validation on the training records only; :func:`costroute.eval.cv.train_selected`
trains the pick.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from costroute.difficulty import FEATURE_NAMES, LearnedEstimator, prompt_features
from costroute.errors import ConfigError

if TYPE_CHECKING:
    from costroute.train.data import Record

__all__ = [
    "PAIR_LABELS",
    "Label",
    "LinearFit",
    "featurize",
    "fit_logistic",
    "labels",
    "pool_models",
    "train",
]

Label = Literal["hardness", "gain", "weak_fails", "pair"]
PAIR_LABELS: tuple[Label, ...] = ("gain", "weak_fails", "pair")
"""The labels of a strong/weak pair, in the order cross-validation tries them."""


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
    from costroute.train.data import scores_of

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


def featurize(records: Sequence[Record]) -> tuple[Any, list[set[str]]]:
    """Hand features (an ``(n, d)`` numpy array) and the word set of each record: computed
    once, then shared by every :class:`LinearFit` (cross-validation fits many)."""
    np = _numpy()
    feats = [prompt_features(r.messages) for r in records]
    return np.asarray([f.values for f in feats], dtype=float), [set(f.words) for f in feats]


class LinearFit:
    """Logistic regression fitted on precomputed :func:`featurize` output (standardisation and
    vocabulary from these rows only): what :func:`train` wraps in a :class:`LearnedEstimator`,
    and what :func:`costroute.eval.cv.cross_validate` fits on each fold."""

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
    x_hand, word_sets = featurize(records)
    fit = LinearFit(
        x_hand, word_sets, y, l2=l2, vocab_size=vocab_size, vocab_l2=vocab_l2, min_df=min_df
    )
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
