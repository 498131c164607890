"""The default estimator and the module-level ``score``/``estimate`` shortcuts."""

from __future__ import annotations

import functools

from costroute.difficulty._types import Difficulty, Estimator, Messages

__all__ = ["default_estimator", "estimate", "score"]


@functools.cache
def default_estimator() -> Estimator:
    """The estimator ``score``/``estimate`` use (built once, then cached).

    Measured choice (see docs/difficulty.md, "The default against the length of the prompt"):
    :class:`LevelsEstimator`, the heuristic's levels with length ordering inside a level. It
    orders requests better than their length on every labelled set the project has, where the
    hand-written heuristic (:class:`HeuristicEstimator`, the default before) did not; its
    scores are mapped onto the heuristic's scale, so policy thresholds keep their meaning.
    """
    from costroute.difficulty._levels import LevelsEstimator

    return LevelsEstimator()


def estimate(messages: Messages) -> Difficulty:
    """Difficulty of ``messages`` with the default estimator."""
    return default_estimator().estimate(messages)


def score(messages: Messages) -> float:
    """Difficulty score of ``messages`` in [0, 1] (0 trivial, 1 hardest), default estimator."""
    return default_estimator().estimate(messages).score
