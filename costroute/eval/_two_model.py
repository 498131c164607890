"""The two-model pair learner (``train_from_ledger(..., learner="two")``): P(strong right) and
P(weak right) fitted apart on the ledger's hand features, scored by their difference.

Each side's logistic regression is fitted on the calls where that side was observed
(``PairExample.strong_seen`` / ``weak_seen``: a grade of that deployment's answer, or, for the
strong side of a weak call a comparing judge scored, the quality the judge implies,
``min(1, weak + 1 - judge)``, as :func:`~costroute.eval._pair_labels.pair_examples` derives
it); a side imputed by the set's mean is left out of that side's fit, not predicted. A side
observed on fewer than :data:`MIN_SIDE` calls is a constant (the logit of its mean over the
calls). The estimator scores ``(1 + P(strong right) - P(weak right)) / 2``, the pair's expected
gain on the scale of the ``gain`` label (:class:`~costroute.difficulty.LearnedEstimator` with
``weak_weights``). Both sides share the standardisation and the L2 penalty.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from costroute.difficulty import FEATURE_NAMES, LearnedEstimator
from costroute.errors import ConfigError
from costroute.eval._pair_labels import PairExample, fit_examples, mean_or, standardised

__all__ = ["LEARNERS", "MIN_SIDE", "Learner", "check_learner", "fit_learner", "fit_two"]

Learner = Literal["two", "gain"]
LEARNERS: tuple[Learner, ...] = ("two", "gain")
"""``two``: :func:`fit_two`; ``gain``: one regression of the gain label
(:func:`~costroute.eval._pair_labels.fit_examples`)."""

MIN_SIDE = 10
"""Calls a side must be observed on to get its own regression (else a constant)."""


def check_learner(learner: object) -> Learner:
    """``learner`` if it is one of :data:`LEARNERS`, else ConfigError naming the field."""
    for known in LEARNERS:
        if learner == known and isinstance(learner, str):
            return known
    raise ConfigError(
        f"learner={learner!r} is not one of {', '.join(LEARNERS)}.",
        field="learner",
        fix="'two' (P(strong right) and P(weak right) fitted apart) or 'gain' (one fit of the"
        " gain label)",
    )


def fit_two(
    examples: Sequence[PairExample], *, l2: float = 1.0, meta: Mapping[str, Any] | None = None
) -> LearnedEstimator:
    """The two-model estimator of ``examples`` (see the module docstring); ConfigError with
    fewer than 10 calls, as :func:`~costroute.eval._pair_labels.fit_examples`."""
    import numpy as np

    from costroute.train.fit import fit_logistic

    design, mean, std, penalty = standardised(examples, l2)
    d = len(FEATURE_NAMES)
    coefs = []
    for side in ("strong", "weak"):
        seen = [getattr(e, f"{side}_seen") for e in examples]
        values = [getattr(e, side) for e, s in zip(examples, seen, strict=True) if s]
        if len(values) < MIN_SIDE:
            p = min(max(mean_or(values), 1e-3), 1 - 1e-3)
            coefs.append(np.concatenate([[math.log(p / (1 - p))], np.zeros(d)]))
        else:
            rows = np.asarray(seen)
            coefs.append(fit_logistic(design[rows], np.asarray(values, float), penalty))
    (strong, weak) = coefs
    return LearnedEstimator(
        strong[1:].tolist(),
        float(strong[0]),
        mean.tolist(),
        std.tolist(),
        meta=dict(meta or {}),
        weak_weights=weak[1:].tolist(),
        weak_bias=float(weak[0]),
    )


def fit_learner(
    examples: Sequence[PairExample],
    *,
    learner: Learner = "two",
    l2: float = 1.0,
    meta: Mapping[str, Any] | None = None,
) -> LearnedEstimator:
    """:func:`fit_two` or :func:`~costroute.eval._pair_labels.fit_examples`, by ``learner``."""
    fit = fit_two if check_learner(learner) == "two" else fit_examples
    return fit(examples, l2=l2, meta=meta)
