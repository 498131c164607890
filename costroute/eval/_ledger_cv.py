"""The ledger fit's regularisation: a default, and k-fold cross-validation on the ledger's calls.

Labels from outcomes are noisier than a data set's (one side of most calls is predicted, not
observed) and need a stronger L2 penalty than the JSON lines path's 1e-3. :func:`select_l2`
picks it on the calls themselves: each candidate is fitted
(:func:`~costroute.eval._two_model.fit_learner`, the learner asked) on k-1 folds and scores the
held-out fold; its figure is the APGR of all held-out scores pooled, on
the calls' qualities as :func:`~costroute.eval._pair_labels.pair_examples` gives them (an
unobserved side at the set's mean: the same labels for every candidate). The highest figure
wins; a tie goes to the stronger penalty. When no candidate can be measured (too few calls, or
the strong model no better on them) :data:`DEFAULT_L2` is used. It is opt-in
(``train_from_ledger(..., l2=None)``): on ZeroEval the fixed :data:`DEFAULT_L2` did better,
the held-out labels being too noisy (one side of most calls unobserved) to choose on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from costroute.errors import ConfigError
from costroute.eval._pair_labels import PairExample, held_out_apgr, scores_of
from costroute.eval._two_model import Learner, check_learner, fit_learner
from costroute.eval.cv import _fold_of

__all__ = ["DEFAULT_L2", "LEDGER_L2S", "L2Choice", "select_l2"]

LEDGER_L2S = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
"""The L2 penalties :func:`select_l2` tries (on the mean cross-entropy of standardised
features)."""

DEFAULT_L2 = 1.0
""":func:`~costroute.eval.from_ledger.train_from_ledger`'s penalty unless told to
cross-validate, and the one :func:`select_l2` falls back to when it cannot measure any
candidate. Chosen on ZeroEval TRAIN only: ledger replays (3 seeds) scored on the TRAIN items
they had not met, where a fixed 1.0 did as well as or better than any fixed penalty of
:data:`LEDGER_L2S` from 1,000 labels on, and better than :func:`select_l2`'s pick at every
checkpoint from 100 to 3,000 labels (see docs/learning.md)."""


@dataclass(frozen=True, slots=True)
class L2Choice:
    """The penalty chosen and each candidate's cross-validated APGR (None: not measurable).

    ``measured`` is False when no candidate could be measured and :data:`DEFAULT_L2` was used.
    """

    l2: float
    folds: int
    seed: int
    cv_apgr: tuple[tuple[float, float | None], ...]
    measured: bool

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (figures rounded to 4 places)."""
        return {
            "l2": self.l2,
            "folds": self.folds,
            "seed": self.seed,
            "measured": self.measured,
            "cv_apgr": [[c, None if a is None else round(a, 4)] for c, a in self.cv_apgr],
        }


def _check(l2s: Sequence[float], folds: int) -> None:
    if not l2s or any(isinstance(c, bool) or not isinstance(c, int | float) or c <= 0 for c in l2s):
        raise ConfigError(
            f"l2s={list(l2s)!r} must be positive numbers (and not empty).",
            field="l2s",
            fix=f"e.g. {LEDGER_L2S}",
        )
    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 2:
        raise ConfigError(
            f"folds={folds!r} is not an integer of 2 or more.",
            field="folds",
            fix="e.g. 5",
        )


def select_l2(
    examples: Sequence[PairExample],
    *,
    l2s: Sequence[float] = LEDGER_L2S,
    folds: int = 5,
    seed: int = 0,
    learner: Learner = "two",
) -> L2Choice:
    """Cross-validate each penalty of ``l2s`` on ``examples`` (see the module docstring) for
    ``learner`` (``"two"``: one penalty for both sides; or ``"gain"``).

    The folds are a ``random.Random(seed)`` shuffle dealt round-robin, so the same calls give
    the same choice. Needs every training part to hold 10 calls or more; with fewer, or when
    no candidate is measurable, the choice is :data:`DEFAULT_L2` with ``measured=False``.
    """
    _check(l2s, folds)
    check_learner(learner)
    n = len(examples)
    candidates = sorted(set(l2s), reverse=True)  # strongest first: it wins a tie
    if n < 2 * folds or n - n // folds < 10:
        return L2Choice(DEFAULT_L2, folds, seed, tuple((c, None) for c in candidates), False)
    fold = _fold_of(n, folds, seed)
    parts = [[i for i in range(n) if fold[i] == k] for k in range(folds)]
    figures: list[tuple[float, float | None]] = []
    for c in candidates:
        held = [0.0] * n
        for k, test in enumerate(parts):
            train = [examples[i] for j, part in enumerate(parts) if j != k for i in part]
            est = fit_learner(train, learner=learner, l2=c)
            scores = scores_of(est, [examples[i] for i in test])
            for i, s in zip(test, scores, strict=True):
                held[i] = s
        figures.append((c, held_out_apgr(held, examples)))
    measured = [(a, c) for c, a in figures if a is not None]
    if not measured:
        return L2Choice(DEFAULT_L2, folds, seed, tuple(figures), False)
    best_a, best_c = measured[0]
    for a, c in measured[1:]:
        if a > best_a:
            best_a, best_c = a, c
    return L2Choice(best_c, folds, seed, tuple(figures), True)
