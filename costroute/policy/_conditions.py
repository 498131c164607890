"""Conditions: small predicates over (request, signals) that combine with ``&``, ``|`` and ``~``.

>>> from costroute.policy.rules import difficulty_above, category_is
>>> hard_math = difficulty_above(0.7) & category_is("math")
>>> hard_math.label
"difficulty > 0.7 and category in ('math',)"
"""

from __future__ import annotations

from collections.abc import Callable

from costroute.errors import ConfigError
from costroute.types import Request, Signals

__all__ = [
    "Condition",
    "budget_above",
    "category_is",
    "difficulty_above",
    "difficulty_below",
    "needs",
    "when",
]

Predicate = Callable[[Request, Signals], bool]


class Condition:
    """A named predicate; ``label`` is what a plan's reasons show when it holds."""

    __slots__ = ("label", "test")

    def __init__(self, test: Predicate, label: str) -> None:
        self.test = test
        self.label = label

    def __call__(self, request: Request, signals: Signals) -> bool:
        return bool(self.test(request, signals))

    def __and__(self, other: Condition) -> Condition:
        return Condition(lambda r, s: self(r, s) and other(r, s), f"{self.label} and {other.label}")

    def __or__(self, other: Condition) -> Condition:
        return Condition(lambda r, s: self(r, s) or other(r, s), f"{self.label} or {other.label}")

    def __invert__(self) -> Condition:
        return Condition(lambda r, s: not self(r, s), f"not ({self.label})")

    def __repr__(self) -> str:
        return f"<Condition {self.label}>"


def _fraction(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise ConfigError(
            f"{name}({value!r}): the threshold must be a number in [0, 1].",
            field=name,
            fix=f"e.g. {name}(0.7)",
        )
    return float(value)


def difficulty_above(threshold: float) -> Condition:
    """Holds when the difficulty score is strictly above ``threshold``."""
    t = _fraction("difficulty_above", threshold)
    return Condition(lambda _r, s: s.difficulty > t, f"difficulty > {t:g}")


def difficulty_below(threshold: float) -> Condition:
    """Holds when the difficulty score is strictly below ``threshold``."""
    t = _fraction("difficulty_below", threshold)
    return Condition(lambda _r, s: s.difficulty < t, f"difficulty < {t:g}")


def budget_above(pressure: float) -> Condition:
    """Holds when a budget window is past its soft limit and budget pressure (the share of that
    window used) is at least ``pressure``; ``budget_above(0)``: as soon as a soft limit is
    reached (pressure is 0 before)."""
    t = _fraction("budget_above", pressure)
    label = f"budget pressure >= {t:.0%}" if t > 0 else "a soft budget limit reached"
    return Condition(lambda _r, s: s.budget_pressure > 0 and s.budget_pressure >= t, label)


def category_is(*categories: str) -> Condition:
    """Holds when the estimator's category is one of ``categories``."""
    if not categories:
        raise ConfigError("category_is() needs a category.", field="category_is", fix="e.g. 'math'")
    cats = tuple(categories)
    return Condition(lambda _r, s: s.category in cats, f"category in {cats}")


def needs(capability: str) -> Condition:
    """Holds when the request needs ``"tools"``, ``"vision"`` or ``"json"``."""
    attr = {"tools": "needs_tools", "vision": "needs_vision", "json": "needs_json"}.get(capability)
    if attr is None:
        raise ConfigError(
            f"needs({capability!r}): unknown capability.",
            field="needs",
            fix="use 'tools', 'vision' or 'json'",
        )
    return Condition(lambda r, _s: bool(getattr(r, attr)), f"request needs {capability}")


def when(test: Predicate, label: str = "custom condition") -> Condition:
    """Any pure ``test(request, signals) -> bool`` as a condition."""
    if not callable(test):
        raise ConfigError("when() needs a callable.", field="when", fix="pass a function")
    return Condition(test, label)
