"""Pair labels from recorded outcomes (issue 15.4): a pair router's training set, the fit that
fills in the side an outcome did not observe, and held-out APGR over it. The rules are spelled
out in docs/learning.md ("From outcomes to pair labels"); :mod:`costroute.eval.from_ledger`
trains and calibrates with them."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from costroute.difficulty import FEATURE_NAMES, LearnedEstimator
from costroute.errors import ConfigError
from costroute.eval import metrics
from costroute.ledger import RatedCall

__all__ = [
    "JUDGE",
    "PairExample",
    "PairSet",
    "fit_examples",
    "gain_targets",
    "pair_examples",
    "scores_of",
    "standardised",
]

JUDGE = "judge"
"""The outcome source of sampled labelling: the routed answer graded against the reference's
(1 = as good as the reference or better)."""


@dataclass(frozen=True, slots=True)
class PairExample:
    """One routed call turned into a pair label (see docs/learning.md for the rules).

    ``rating`` is the mean of the call's non-judge outcomes of its own answer, ``judge`` its
    judge outcome; ``strong``/``weak`` the two models' qualities on it (observed, or imputed
    by a mean: ``strong_seen``/``weak_seen`` say which); ``gain = (1 + strong - weak) / 2``,
    the training label. ``embedding`` is the prompt's sentence embedding when the ledger kept
    it (``Router(keep_embeddings=True)``), else None.
    """

    request_id: str
    at: dt.datetime
    routed: str
    features: Mapping[str, float]
    difficulty: float
    rating: float | None
    judge: float | None
    strong: float
    weak: float
    gain: float
    strong_seen: bool
    weak_seen: bool
    embedding: tuple[float, ...] | None = field(default=None, repr=False)

    @property
    def imputed(self) -> bool:
        """Whether one side is a mean, not an observation."""
        return not (self.strong_seen and self.weak_seen)


@dataclass(frozen=True, slots=True)
class PairSet:
    """The pair examples of a ledger window, and what was used or left out.

    ``labels`` counts the outcomes used by source; ``skipped`` the calls left out by reason
    (``no_features``, ``not_ok``, ``other_deployment``, ``judge_only_on_strong``,
    ``no_pair_outcome``); ``strong_mean``/``weak_mean`` are the means used to impute a missing
    side.
    """

    strong: str
    weak: str
    examples: tuple[PairExample, ...]
    labels: Mapping[str, int]
    skipped: Mapping[str, int]
    strong_mean: float
    weak_mean: float


def _is(row: RatedCall, name: str) -> bool:
    return name in (row.deployment, row.model)


def mean_or(xs: Sequence[float], default: float = 0.5) -> float:
    return sum(xs) / len(xs) if xs else default


class _Seen(NamedTuple):
    first: RatedCall
    routed: str
    rating: float | None
    judge: float | None
    strong: float | None
    weak: float | None
    used: list[str]


def _seen(calls: Sequence[RatedCall], strong: str, weak: str) -> _Seen | str:
    """What one call's outcomes observe of each side; the reason it is skipped otherwise."""
    first = calls[0]
    routed = "strong" if _is(first, strong) else "weak" if _is(first, weak) else None
    if first.status != "ok":
        return "not_ok"
    if not first.features:
        return "no_features"
    if routed is None:
        return "other_deployment"
    own = [r for r in calls if "@" not in r.source]
    ratings = [r.score for r in own if r.source != JUDGE]
    judged = [r.score for r in own if r.source == JUDGE]
    other = weak if routed == "strong" else strong
    others = [r for r in calls if "@" in r.source and r.graded == other]
    rating = mean_or(ratings) if ratings else None
    judge = judged[0] if judged and routed == "weak" else None
    mine = rating if rating is not None else judge
    theirs = mean_or([r.score for r in others]) if others else None
    judge_used = judge is not None and (rating is None or theirs is None)
    if theirs is None and judge is not None and mine is not None:
        theirs = min(1.0, mine + 1.0 - judge)  # the judge: weak graded against strong
    if mine is None and theirs is None:
        return "judge_only_on_strong" if judged else "no_pair_outcome"
    used = [r.source for r in own if r.source != JUDGE] + [JUDGE] * judge_used
    used += [r.source for r in others]
    s, w = (mine, theirs) if routed == "strong" else (theirs, mine)
    return _Seen(first, routed, rating, judge, s, w, used)


def pair_examples(rows: Sequence[RatedCall], strong: str, weak: str) -> PairSet:
    """Pair labels from outcome rows (``ledger.outcomes(...)``), one per routed call.

    ``strong``/``weak`` match a call's deployment or model name. A call's own side's quality
    is its rating (the mean of its non-judge outcomes), else its judge score; the other side's
    is the mean of the outcomes grading the other deployment's answer (``source@deployment``,
    matched by deployment name), else, for a call routed to ``weak`` with a judge score ``j``,
    ``min(1, weak + 1 - j)``. A side still unknown is the set's mean of that side.
    """
    if strong == weak:
        raise ConfigError(
            f"strong and weak are the same {strong!r}.",
            field="strong/weak",
            fix="give two different deployments (or models)",
        )
    by_call: dict[str, list[RatedCall]] = {}
    for r in rows:
        by_call.setdefault(r.request_id, []).append(r)
    skipped: Counter[str] = Counter()
    labels: Counter[str] = Counter()
    seen: list[_Seen] = []
    for calls in by_call.values():
        found = _seen(calls, strong, weak)
        if isinstance(found, str):
            skipped[found] += 1
        else:
            seen.append(found)
    s_mean = mean_or([c.strong for c in seen if c.strong is not None])
    w_mean = mean_or([c.weak for c in seen if c.weak is not None])
    examples = []
    for c in seen:
        labels.update(c.used)
        s = s_mean if c.strong is None else c.strong
        w = w_mean if c.weak is None else c.weak
        examples.append(
            PairExample(
                request_id=c.first.request_id,
                at=c.first.at,
                routed=c.routed,
                features=dict(c.first.features or {}),
                difficulty=c.first.difficulty,
                rating=c.rating,
                judge=c.judge,
                strong=s,
                weak=w,
                gain=(1.0 + s - w) / 2.0,
                strong_seen=c.strong is not None,
                weak_seen=c.weak is not None,
                embedding=c.first.embedding,
            )
        )
    examples.sort(key=lambda e: (e.at, e.request_id))
    return PairSet(strong, weak, tuple(examples), dict(labels), dict(skipped), s_mean, w_mean)


def design_of(examples: Sequence[PairExample]) -> Any:
    """The examples' hand features, one row each in :data:`FEATURE_NAMES` order (numpy)."""
    import numpy as np

    return np.asarray([[e.features.get(n, 0.0) for n in FEATURE_NAMES] for e in examples])


def fit_examples(
    examples: Sequence[PairExample], *, l2: float = 1.0, meta: Mapping[str, Any] | None = None
) -> LearnedEstimator:
    """The logistic regression of ``gain`` on the standardised hand features (what
    ``train(records, strong, weak, label="gain", vocab_size=0, l2=l2)`` fits from texts with
    both sides known). A side a call did not observe (its mean in :func:`pair_examples`) is
    first predicted by a logistic regression of that side's quality fitted on the calls that
    observed it (given at least 10), with the same ``l2``. The default is
    :data:`costroute.eval._ledger_cv.DEFAULT_L2`; :func:`costroute.eval.from_ledger.train_from_ledger`
    chooses it by cross-validation on the calls."""
    from costroute.train.fit import fit_logistic

    design, mean, std, penalty = standardised(examples, l2)
    coef = fit_logistic(design, _gains(examples, design, penalty), penalty)
    return LearnedEstimator(
        coef[1:].tolist(), float(coef[0]), mean.tolist(), std.tolist(), meta=dict(meta or {})
    )


def standardised(examples: Sequence[PairExample], l2: float) -> tuple[Any, Any, Any, Any]:
    """The design (a column of ones, then the standardised hand features), the features' means
    and stds, and the L2 penalty of each column; at least 10 examples."""
    import numpy as np

    if len(examples) < 10:
        raise ConfigError(
            f"Only {len(examples)} labelled calls of the pair: too few to train.",
            field="ledger",
            fix="collect more outcomes (Router.feedback or sampled labelling), or widen --since",
        )
    x = design_of(examples)
    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std < 1e-9] = 1.0
    design = np.hstack([np.ones((len(examples), 1)), (x - mean) / std])
    penalty = np.concatenate([[0.0], np.full(len(FEATURE_NAMES), l2)])
    return design, mean, std, penalty


def gain_targets(examples: Sequence[PairExample], *, l2: float = 1.0) -> Any:
    """The ``gain`` label of each example as :func:`fit_examples` fits it (an unobserved side
    predicted from the hand features); a numpy array."""
    design, _, _, penalty = standardised(examples, l2)
    return _gains(examples, design, penalty)


def _gains(examples: Sequence[PairExample], design: Any, penalty: Any) -> Any:
    import numpy as np

    from costroute.train.fit import fit_logistic

    s = np.asarray([e.strong for e in examples])
    w = np.asarray([e.weak for e in examples])
    for side, values in (("strong", s), ("weak", w)):
        # a side nobody observed on a call is predicted from the calls where it was observed
        known = np.asarray([not _imputed(e, side) for e in examples])
        if known.sum() >= 10 and not known.all():
            coef = fit_logistic(design[known], values[known], penalty)
            values[~known] = 1.0 / (1.0 + np.exp(-(design[~known] @ coef)))
    return (1.0 + s - w) / 2.0


def _imputed(e: PairExample, side: str) -> bool:
    """Whether ``side``'s quality on ``e`` is a mean, not an observation."""
    return not (e.strong_seen if side == "strong" else e.weak_seen)


def scores_of(est: LearnedEstimator, examples: Sequence[PairExample]) -> list[float]:
    """The estimator's score of each example, from its stored features (no words)."""
    import numpy as np

    x = (design_of(examples) - np.asarray(est.mean)) / np.asarray(est.std)
    p = 1.0 / (1.0 + np.exp(-(est.bias + x @ np.asarray(est.weights))))
    if est.weak_weights is not None:  # the two-model form: the expected gain
        p = (
            1.0 + p - 1.0 / (1.0 + np.exp(-(est.weak_bias + x @ np.asarray(est.weak_weights))))
        ) / 2
    return [float(v) for v in p]


def held_out_apgr(scores: Sequence[float], examples: Sequence[PairExample]) -> float | None:
    """APGR of ``scores`` on the examples' qualities; None when the strong model is not better
    on them (PGR undefined)."""
    try:
        curve = metrics.quality_curve(
            scores, [e.strong for e in examples], [e.weak for e in examples]
        )
        return metrics.apgr(curve)
    except ValueError:  # the strong model is not better on these examples
        return None
