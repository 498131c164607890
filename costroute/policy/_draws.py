"""The router's random draws and clock while it plans a call it will make, for online rules.

Loaded with the router; the online policy (:mod:`costroute.policy._live`,
:mod:`costroute.policy._thompson`) reads :data:`PLANNING` only when it is used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

__all__ = ["PLANNING", "planning"]

T = TypeVar("T")

PLANNING: ContextVar[Any] = ContextVar("costroute_sampling", default=None)
"""None (``explain()``, a shadowed candidate, offline evaluation), the ``(rng, now)`` pair the
router plans a call under, or a :class:`costroute.policy.Sampling`."""


def planning(rng: Callable[[], float], now: Callable[[], dt.datetime], plan: Callable[[], T]) -> T:
    """``plan()`` with the router's ``rng`` and ``now`` visible to online rules: what the
    router does around each call it will make."""
    token = PLANNING.set((rng, now))
    try:
        return plan()
    finally:
        PLANNING.reset(token)
