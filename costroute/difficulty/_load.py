"""``load_estimator(spec)``: an estimator from a name, a weights file, an object or a function."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from costroute.difficulty._callable import as_estimator
from costroute.difficulty._types import Estimator

__all__ = ["ESTIMATOR_NAMES", "load_estimator"]

ESTIMATOR_NAMES = ("default", "levels", "heuristic", "learned", "embedding")
"""Names :func:`load_estimator` accepts besides a path: ``levels`` is the default
(:class:`LevelsEstimator`), ``learned`` the shipped weights, ``embedding`` the
:class:`EmbeddingEstimator` (its encoder needs ``costroute[embed]``)."""


def _named(name: str) -> Callable[[], Estimator] | None:
    from costroute.difficulty._default import default_estimator
    from costroute.difficulty._embedding import EmbeddingEstimator
    from costroute.difficulty._heuristic import HeuristicEstimator
    from costroute.difficulty._learned import LearnedEstimator
    from costroute.difficulty._levels import LevelsEstimator

    makers: dict[str, Callable[[], Estimator]] = {
        "default": default_estimator,
        "levels": LevelsEstimator,
        "heuristic": HeuristicEstimator,
        "learned": LearnedEstimator.load,
        "embedding": EmbeddingEstimator,
    }
    return makers.get(name)


def load_estimator(spec: Any) -> Estimator:
    """The estimator ``spec`` names.

    ``spec`` is one of :data:`ESTIMATOR_NAMES`, the path of a weights file written by
    ``costroute router train`` (or ``LearnedEstimator.save``, or ``EmbeddingEstimator.save``
    for an embedding head), an :class:`Estimator`, or a
    function ``messages -> float``. A name or path that leads nowhere is a ConfigError.
    """
    if isinstance(spec, str | os.PathLike):
        text = os.fspath(spec)
        make = _named(text)
        if make is not None:
            return make()
        if not Path(text).suffix:
            from costroute.errors import ConfigError

            raise ConfigError(
                f"Unknown estimator {text!r}.",
                field="estimator",
                fix=f"use one of {', '.join(ESTIMATOR_NAMES)} or the path of a .json weights file",
            )
        head = _embedding_head(text)
        if head is not None:
            from costroute.difficulty._embedding import EmbeddingEstimator

            return EmbeddingEstimator(head)
        from costroute.difficulty._learned import LearnedEstimator

        return LearnedEstimator.load(text)
    return as_estimator(spec)


def _embedding_head(path: str) -> dict[str, Any] | None:
    """The file's JSON when it is an embedding head (``EmbeddingEstimator.save``), else None
    (then it is read as learned weights, which says what is wrong with it)."""
    import json

    from costroute.difficulty._embedding import HEAD_FORMAT

    try:
        obj = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return obj if isinstance(obj, dict) and obj.get("format") == HEAD_FORMAT else None
