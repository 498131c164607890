"""Retraining from the ledger (issue 15.4): training labels from recorded outcomes.

The ledger keeps, for each routed call, the hand feature vector (no prompt, no words), the
deployment that answered, the difficulty score that routed it, and the outcomes recorded for it
(``Router.feedback``: a user's rating, a test result; ``source="judge"``: sampled labelling's
comparison of the routed answer with the reference's). This module turns them into

- a pair router's training set (:func:`pair_examples`) and estimator
  (:func:`train_from_ledger`, calibrated to a cost or quality target like ``router eval`` does
  for the JSON lines path), with a report of the labels used by source and the held-out quality
  of the recorded routing scores before and of the new estimator after;
- an N-model quality table (:func:`quality_table_from_ledger`): per-deployment success rates by
  category and difficulty bucket, what :func:`costroute.policy.quality_table` routes with.

How outcomes become labels is spelled out in docs/learning.md ("Retraining from the ledger").
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from costroute.difficulty import FEATURE_NAMES, LearnedEstimator
from costroute.errors import ConfigError
from costroute.eval import metrics
from costroute.eval._evaluate import calibrate, check_targets
from costroute.ledger import Ledger, RatedCall, open_ledger
from costroute.policy import QualityTable

__all__ = [
    "JUDGE",
    "LedgerTrainReport",
    "PairExample",
    "PairSet",
    "atrain_from_ledger",
    "pair_examples",
    "quality_table_from_ledger",
    "train_from_ledger",
]

JUDGE = "judge"
"""The outcome source of sampled labelling: the routed answer graded against the reference's
(1 = as good as the reference or better)."""


@dataclass(frozen=True, slots=True)
class PairExample:
    """One routed call turned into a pair label (see docs/learning.md for the rules).

    ``rating`` is the mean of the call's non-judge outcomes, ``judge`` its judge outcome;
    ``strong``/``weak`` the two models' qualities on it (known or imputed by a mean);
    ``gain = (1 + strong - weak) / 2``, the training label.
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
    imputed: bool


@dataclass(frozen=True, slots=True)
class PairSet:
    """The pair examples of a ledger window, and what was used or left out.

    ``labels`` counts the outcomes used by source; ``skipped`` the calls left out by reason
    (``no_features``, ``not_ok``, ``other_deployment``, ``judge_only_on_strong``);
    ``strong_mean``/``weak_mean`` are the means used to impute a missing side.
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


def _mean(xs: Sequence[float], default: float = 0.5) -> float:
    return sum(xs) / len(xs) if xs else default


def pair_examples(rows: Sequence[RatedCall], strong: str, weak: str) -> PairSet:
    """Pair labels from outcome rows (``ledger.outcomes(...)``), one per routed call.

    ``strong``/``weak`` match a call's deployment or model name. A call routed to ``weak``:
    its weak quality is its rating (else its judge score); with a judge score ``j`` the strong
    quality is ``min(1, weak + 1 - j)``, without one the mean strong quality of the set. A call
    routed to ``strong``: its rating is the strong quality, the weak one is the set's mean.
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
    raw: list[tuple[RatedCall, str, float | None, float | None, list[str]]] = []
    for calls in by_call.values():
        first = calls[0]
        if first.status != "ok":
            skipped["not_ok"] += 1
            continue
        if not first.features:
            skipped["no_features"] += 1
            continue
        routed = "strong" if _is(first, strong) else "weak" if _is(first, weak) else None
        if routed is None:
            skipped["other_deployment"] += 1
            continue
        ratings = [r.score for r in calls if r.source != JUDGE]
        judged = [r.score for r in calls if r.source == JUDGE]
        rating = _mean(ratings) if ratings else None
        judge = judged[0] if judged and routed == "weak" else None
        if rating is None and judge is None:
            skipped["judge_only_on_strong"] += 1
            continue
        used = [r.source for r in calls if r.source != JUDGE or judge is not None]
        raw.append((first, routed, rating, judge, used))
    known_strong: list[float] = []
    known_weak: list[float] = []
    for _, routed, rating, judge, _used in raw:
        if routed == "strong":
            assert rating is not None
            known_strong.append(rating)
            continue
        w = rating if rating is not None else judge
        assert w is not None
        known_weak.append(w)
        if judge is not None:
            known_strong.append(min(1.0, w + 1.0 - judge))
    s_mean, w_mean = _mean(known_strong), _mean(known_weak)
    examples = []
    for first, routed, rating, judge, used in raw:
        labels.update(used)
        if routed == "strong":
            assert rating is not None
            s, w, imputed = rating, w_mean, True
        else:
            w = rating if rating is not None else judge
            assert w is not None
            imputed = judge is None
            s = s_mean if judge is None else min(1.0, w + 1.0 - judge)
        examples.append(
            PairExample(
                request_id=first.request_id,
                at=first.at,
                routed=routed,
                features=dict(first.features or {}),
                difficulty=first.difficulty,
                rating=rating,
                judge=judge,
                strong=s,
                weak=w,
                gain=(1.0 + s - w) / 2.0,
                imputed=imputed,
            )
        )
    examples.sort(key=lambda e: (e.at, e.request_id))
    return PairSet(strong, weak, tuple(examples), dict(labels), dict(skipped), s_mean, w_mean)


def _design(examples: Sequence[PairExample]) -> Any:
    import numpy as np

    return np.asarray([[e.features.get(n, 0.0) for n in FEATURE_NAMES] for e in examples])


def fit_examples(
    examples: Sequence[PairExample], *, l2: float = 1e-2, meta: Mapping[str, Any] | None = None
) -> LearnedEstimator:
    """The logistic regression of ``gain`` on the standardised hand features (what
    ``train(records, strong, weak, label="gain", vocab_size=0, l2=l2)`` fits from texts with
    both sides known). A side a call did not observe (its mean in :func:`pair_examples`) is
    first predicted by a logistic regression of that side's quality fitted on the calls that
    observed it (given at least 10). ``l2`` 1e-2 was chosen on ZeroEval TRAIN (a replay of
    three quarters of it, validated on the rest; see docs/learning.md)."""
    import numpy as np

    from costroute.train.fit import fit_logistic

    if len(examples) < 10:
        raise ConfigError(
            f"Only {len(examples)} labelled calls of the pair: too few to train.",
            field="ledger",
            fix="collect more outcomes (Router.feedback or sampled labelling), or widen --since",
        )
    x = _design(examples)
    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std < 1e-9] = 1.0
    d = len(FEATURE_NAMES)
    design = np.hstack([np.ones((len(examples), 1)), (x - mean) / std])
    penalty = np.concatenate([[0.0], np.full(d, l2)])
    s = np.asarray([e.strong for e in examples])
    w = np.asarray([e.weak for e in examples])
    for side, values in (("strong", s), ("weak", w)):
        # a side nobody observed on a call is predicted from the calls where it was observed
        known = np.asarray([not _imputed(e, side) for e in examples])
        if known.sum() >= 10 and not known.all():
            coef = fit_logistic(design[known], values[known], penalty)
            values[~known] = 1.0 / (1.0 + np.exp(-(design[~known] @ coef)))
    coef = fit_logistic(design, (1.0 + s - w) / 2.0, penalty)
    return LearnedEstimator(
        coef[1:].tolist(), float(coef[0]), mean.tolist(), std.tolist(), meta=dict(meta or {})
    )


def _imputed(e: PairExample, side: str) -> bool:
    """Whether ``side``'s quality on ``e`` is a mean, not an observation."""
    if side == "weak":
        return e.routed == "strong"
    return e.routed == "weak" and e.judge is None


def scores_of(est: LearnedEstimator, examples: Sequence[PairExample]) -> list[float]:
    """The estimator's score of each example, from its stored features (no words)."""
    import numpy as np

    z = est.bias + ((_design(examples) - np.asarray(est.mean)) / np.asarray(est.std)) @ np.asarray(
        est.weights
    )
    return [float(v) for v in 1.0 / (1.0 + np.exp(-z))]


def _apgr(scores: Sequence[float], examples: Sequence[PairExample]) -> float | None:
    try:
        curve = metrics.quality_curve(
            scores, [e.strong for e in examples], [e.weak for e in examples]
        )
    except ValueError:  # the strong model is not better on these examples
        return None
    return metrics.apgr(curve)


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

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        out = asdict(self)
        out["labels"] = dict(self.labels)
        out["skipped"] = dict(self.skipped)
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
        if self.calibration:
            c = self.calibration
            out.append(
                f"calibrated: strong when score >= {c['threshold']:.4f} ({c['strong_share']:.1%}"
                f" of calls, {c['quality_fraction']:.1%} of strong quality on the ledger's calls)"
            )
        return out


def _window(ledger: Ledger | str, since: dt.datetime | None, until: dt.datetime | None) -> Any:
    own = isinstance(ledger, str)
    led = open_ledger(ledger) if isinstance(ledger, str) else ledger
    try:
        return led.outcomes(since=since, until=until)
    finally:
        if own:
            led.close()


def train_from_ledger(
    ledger: Ledger | str,
    *,
    strong: str,
    weak: str,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    holdout: float = 0.2,
    l2: float = 1e-2,
    target_quality: float | None = None,
    target_cost_share: float | None = None,
) -> tuple[LearnedEstimator, LedgerTrainReport]:
    """Train (and optionally calibrate) a pair router on the outcomes recorded in ``[since,
    until)`` of ``ledger`` (a :class:`~costroute.ledger.Ledger` or a URL for
    :func:`~costroute.ledger.open_ledger`).

    The estimator is fitted on the hand features with the ``gain`` label (see
    :func:`pair_examples`); with a target its threshold is calibrated on all the calls
    (:func:`costroute.eval.calibrate` on the labels' qualities) and stored in it, as
    ``router eval --target-...`` does, so :func:`costroute.policy.pair` reads it.
    """
    if isinstance(holdout, bool) or not isinstance(holdout, int | float) or not 0 <= holdout < 1:
        raise ConfigError(
            f"holdout={holdout!r} is not a fraction in [0, 1).",
            field="holdout",
            fix="e.g. 0.2 (the newest fifth of the calls measures the retrained estimator)",
        )
    check_targets(target_quality, target_cost_share, required=False)
    pairs = pair_examples(_window(ledger, since, until), strong, weak)
    ex = list(pairs.examples)
    n_held = int(len(ex) * holdout)
    older, newest = ex[: len(ex) - n_held], ex[len(ex) - n_held :]
    before = after = None
    if newest:
        before = _apgr([e.difficulty for e in newest], newest)
        if len(older) >= 10:  # else no "after": too few older calls to fit on
            after = _apgr(scores_of(fit_examples(older, l2=l2), newest), newest)
    meta = {
        "label": "gain",
        "strong": strong,
        "weak": weak,
        "training_data": "ledger",
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "n_records": len(ex),
        "labels": dict(pairs.labels),
        "trained_at": dt.date.today().isoformat(),
    }
    est = fit_examples(ex, l2=l2, meta=meta)
    cal_info = None
    if target_quality is not None or target_cost_share is not None:
        from costroute.train.data import Record

        records = [Record(e.request_id, (), {strong: e.strong, weak: e.weak}) for e in ex]
        cal = calibrate(
            records,
            scores_of(est, ex),
            strong,
            weak,
            target_quality=target_quality,
            target_cost_share=target_cost_share,
        )
        est = est.calibrated(
            cal.threshold,
            strong=strong,
            weak=weak,
            target_quality=target_quality,
            target_cost_share=target_cost_share,
            data="ledger",
        )
        cal_info = {
            "threshold": cal.threshold,
            "strong_share": cal.strong_share,
            "quality_fraction": cal.quality_fraction,
        }
    report = LedgerTrainReport(
        strong=strong,
        weak=weak,
        since=since.isoformat() if since else None,
        until=until.isoformat() if until else None,
        examples=len(ex),
        imputed=sum(e.imputed for e in ex),
        labels=dict(pairs.labels),
        skipped=dict(pairs.skipped),
        held_out=len(newest),
        heldout_before=before,
        heldout_after=after,
        calibration=cal_info,
    )
    return est, report


async def atrain_from_ledger(
    ledger: Ledger | str, **kwargs: Any
) -> tuple[LearnedEstimator, LedgerTrainReport]:
    """:func:`train_from_ledger` in a worker thread (same arguments)."""
    return await asyncio.to_thread(lambda: train_from_ledger(ledger, **kwargs))


def quality_table_from_ledger(
    ledger: Ledger | str,
    *,
    models: Mapping[str, str] | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    buckets: int = 4,
    prior: float = 5.0,
    min_items: int = 30,
) -> QualityTable:
    """A :class:`~costroute.policy.QualityTable` from per-deployment outcomes.

    Each answered call with a rating (the mean of its non-judge outcomes) is one item
    ``(recorded difficulty, category, {deployment: rating})``; judge scores are left out (they
    grade against a reference, not absolutely). ``models`` maps deployment names to the
    table's model names (default: the deployment names). The recorded difficulty is the
    routing estimator's score, so route with the same estimator.
    """
    by_call: dict[str, list[RatedCall]] = {}
    for r in _window(ledger, since, until):
        if r.source != JUDGE and r.status == "ok":
            by_call.setdefault(r.request_id, []).append(r)
    items = []
    for calls in by_call.values():
        first = calls[0]
        name = (models or {}).get(first.deployment, first.deployment)
        items.append((first.difficulty, first.category, {name: _mean([c.score for c in calls])}))
    if not items:
        raise ConfigError(
            "No rated calls in the ledger window.",
            field="ledger",
            fix="record outcomes with Router.feedback, or widen since/until",
        )
    return QualityTable.fit(
        items,
        buckets=buckets,
        prior=prior,
        min_items=min_items,
        meta={"training_data": "ledger", "n_calls": len(items)},
    )
