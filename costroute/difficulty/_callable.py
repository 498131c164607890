"""Wrap user callables as estimators, and blend two estimators."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from costroute.difficulty._types import Difficulty, Estimator, Messages
from costroute.errors import ConfigError

__all__ = ["BlendedEstimator", "CallableEstimator", "as_estimator"]


class CallableEstimator:
    """An estimator from a plain function ``messages -> float``.

    The result is clamped to [0, 1]. A function that raises, or returns something that is not a
    finite number, raises :class:`costroute.errors.ConfigError` naming the function.
    """

    __slots__ = ("category", "fn", "name")

    def __init__(
        self,
        fn: Callable[[Messages], float],
        name: str | None = None,
        category: str = "custom",
    ) -> None:
        if not callable(fn):
            raise ConfigError(
                f"CallableEstimator needs a callable, got {type(fn).__name__}.",
                field="estimator",
                fix="pass a function messages -> float in [0, 1]",
            )
        self.fn = fn
        self.name = name or getattr(fn, "__name__", None) or "callable"
        self.category = category

    def estimate(self, messages: Messages) -> Difficulty:
        """Call the function and clamp its result to [0, 1]."""
        try:
            raw: Any = self.fn(messages)
        except Exception as exc:
            raise ConfigError(
                f"Difficulty function {self.name!r} raised {type(exc).__name__}: {exc}.",
                field="estimator",
                fix="make the function total: return a float in [0, 1] for any messages list",
            ) from exc
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            raise ConfigError(
                f"Difficulty function {self.name!r} returned {raw!r}, not a finite number.",
                field="estimator",
                fix="return a float in [0, 1]",
            )
        return Difficulty(min(1.0, max(0.0, float(raw))), self.category, ())

    def __repr__(self) -> str:
        return f"CallableEstimator({self.name!r})"


class BlendedEstimator:
    """``weight * second + (1 - weight) * first``, applied only in ``categories``.

    The category and explanation come from ``first``. Outside ``categories`` (as ``first``
    names them) the score is ``first``'s alone: use it to trust a learned model only where
    its training data lies.
    """

    __slots__ = ("categories", "first", "name", "second", "weight")

    def __init__(
        self,
        first: Estimator,
        second: Estimator,
        weight: float = 0.5,
        categories: Iterable[str] | None = None,
        name: str | None = None,
    ) -> None:
        if not 0.0 <= weight <= 1.0:
            raise ConfigError(
                f"Blend weight {weight} is outside [0, 1].",
                field="weight",
                fix="pass e.g. weight=0.3",
            )
        self.first = first
        self.second = second
        self.weight = weight
        self.categories = frozenset(categories) if categories is not None else None
        self.name = name or f"blend({first.name},{second.name},{weight:g})"

    def estimate(self, messages: Messages) -> Difficulty:
        """Blend the two estimators' scores."""
        a = self.first.estimate(messages)
        if self.weight == 0.0 or (
            self.categories is not None and a.category not in self.categories
        ):
            return a
        b = self.second.estimate(messages)
        score = (1.0 - self.weight) * a.score + self.weight * b.score
        return Difficulty(score, a.category, a.features)

    def __repr__(self) -> str:
        return f"<BlendedEstimator {self.name}>"


def as_estimator(x: Estimator | Callable[[Messages], float]) -> Estimator:
    """Pass an :class:`Estimator` through; wrap a plain callable in :class:`CallableEstimator`."""
    if isinstance(x, Estimator):
        return x
    if callable(x):
        return CallableEstimator(x)
    raise ConfigError(
        f"Cannot use {type(x).__name__} as a difficulty estimator.",
        field="estimator",
        fix="pass an object with estimate(messages) and name, or a function messages -> float",
    )
