"""Value types and protocols of the difficulty package.

Kept apart from the estimators so that a policy can type against :class:`Estimator` and
:class:`Difficulty` without importing any estimator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias, runtime_checkable

__all__ = ["CATEGORIES", "Difficulty", "Estimator", "Messages", "calibrated_threshold"]

Messages: TypeAlias = Sequence[Mapping[str, Any]]
"""OpenAI-shaped messages: ``[{"role": "user", "content": str | [parts]}, ...]``."""

CATEGORIES = ("trivial", "chat", "knowledge", "reasoning", "code", "math")
"""Every category an estimator of this package returns (a user callable returns "custom")."""


@dataclass(frozen=True, slots=True)
class Difficulty:
    """How hard a request is.

    ``score`` is in [0, 1] (0 trivial, 1 hardest). ``category`` is a coarse kind of request
    (one of :data:`CATEGORIES`, or ``"custom"``). ``features`` holds at most three
    ``(name, signed contribution)`` pairs that explain the score, largest first.
    """

    score: float
    category: str = "chat"
    features: tuple[tuple[str, float], ...] = ()

    def __repr__(self) -> str:
        why = ", ".join(f"{n}{c:+.2f}" for n, c in self.features)
        return f"<Difficulty score={self.score:.3f} category={self.category!r} [{why}]>"


@runtime_checkable
class Estimator(Protocol):
    """Anything that scores messages: ``estimate(messages) -> Difficulty`` and a ``name``."""

    @property
    def name(self) -> str:
        """Short stable name, shown in explanations and ledger records."""
        ...

    def estimate(self, messages: Messages) -> Difficulty:
        """Score ``messages``; must not do I/O and should take microseconds."""
        ...


def calibrated_threshold(meta: Mapping[str, Any]) -> float | None:
    """The threshold calibrated into a trained estimator's ``meta["calibration"]``, if any."""
    cal = meta.get("calibration")
    if isinstance(cal, Mapping) and isinstance(cal.get("threshold"), int | float):
        return float(cal["threshold"])
    return None
