"""The default estimator and the module-level ``score``/``estimate`` shortcuts."""

from __future__ import annotations

import functools

from costroute.difficulty._heuristic import HeuristicEstimator
from costroute.difficulty._types import Difficulty, Estimator, Messages

__all__ = ["default_estimator", "estimate", "score"]


@functools.cache
def default_estimator() -> Estimator:
    """The estimator ``score``/``estimate`` use (built once, then cached).

    Measured choice (see docs/difficulty.md): the heuristic. On ZeroEval, leave-one-task-out
    cross-validation (the proxy for unseen benchmarks) ranks it above the learned model and
    above every learned/heuristic blend tried; the learned model only wins on tasks it was
    trained on.
    """
    return HeuristicEstimator()


def estimate(messages: Messages) -> Difficulty:
    """Difficulty of ``messages`` with the default estimator."""
    return default_estimator().estimate(messages)


def score(messages: Messages) -> float:
    """Difficulty score of ``messages`` in [0, 1] (0 trivial, 1 hardest), default estimator."""
    return default_estimator().estimate(messages).score
