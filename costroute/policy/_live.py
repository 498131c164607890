"""What an online policy needs from the router: the router's random draws and clock while it
plans a call it will make (:func:`sampling`), and a way to be told of outcomes (:class:`Learner`).

Kept apart from the online policy itself (``_thompson.py``, ``_online.py``) so that the router
can plan and take feedback through it without loading them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections.abc import Callable, Iterator
from typing import Any, Protocol, TypeVar, runtime_checkable

from costroute.policy._draws import PLANNING

__all__ = [
    "Learner",
    "Sampling",
    "current_sampling",
    "learners_of",
    "sampling",
]

T = TypeVar("T")


class _Draws(random.Random):
    """``random.Random`` whose uniform draws come from an injected ``rng()``: its
    ``betavariate`` is then as deterministic as that function."""

    def __init__(self, rng: Callable[[], float]) -> None:
        self._rng = rng
        super().__init__(0)  # a fixed seed: no read of os.urandom, and unused anyway

    def random(self) -> float:
        return self._rng()


class Sampling:
    """The router's randomness and clock, as the online rules read them while a call plans."""

    __slots__ = ("draws", "now")

    def __init__(
        self, rng: Callable[[], float], now: Callable[[], dt.datetime] | None = None
    ) -> None:
        self.draws: random.Random = _Draws(rng)
        self.now: Callable[[], dt.datetime] = now or (lambda: dt.datetime.now(dt.UTC))

    def run(self, plan: Callable[[], T]) -> T:
        """``plan()`` under this sampling: what the router does around each call it will make
        (:func:`sampling` as a call, without a generator: a fifth of its cost)."""
        token = PLANNING.set(self)
        try:
            return plan()
        finally:
            PLANNING.reset(token)

    def beta(self, alpha: float, beta: float) -> float:
        """A draw from Beta(alpha, beta); a side with no mass at all gives 0 or 1 exactly."""
        if beta <= 0.0:
            return 1.0
        if alpha <= 0.0:
            return 0.0
        return self.draws.betavariate(alpha, beta)


def current_sampling() -> Sampling | None:
    """The sampling a call's planning runs under, or None (explain(), a shadowed candidate,
    offline evaluation): online rules then play their greedy pick and charge nothing."""
    found = PLANNING.get()
    if found is None or isinstance(found, Sampling):
        return found
    rng, now = found  # the router's pair (costroute.policy._draws.planning)
    return Sampling(rng, now)


@contextlib.contextmanager
def sampling(
    rng: Callable[[], float] | Sampling, now: Callable[[], dt.datetime] | None = None
) -> Iterator[Sampling]:
    """Plan under ``rng`` (uniform floats in [0, 1)) and ``now`` (aware datetimes): what the
    router does around each call it will make; tests and offline replays use it directly::

        with costroute.policy.sampling(random.Random(0).random):
            plan = policy.route(request, signals)
    """
    found = rng if isinstance(rng, Sampling) else Sampling(rng, now)
    token = PLANNING.set(found)
    try:
        yield found
    finally:
        PLANNING.reset(token)


@runtime_checkable
class Learner(Protocol):
    """Told of each outcome the router records: ``observe(call)`` gets the outcome joined to its
    call (a :class:`costroute.ledger.RatedCall`) and says whether it used it."""

    def observe(self, call: Any) -> bool: ...


def learners_of(policy: object) -> list[Learner]:
    """The learners a policy holds: its own ``online`` and its rules' (a :class:`Rules` chain)."""
    rule = getattr(policy, "rule", None)
    found: list[Learner] = []
    for holder in (policy, *getattr(rule, "rules", (rule,))):
        learner = getattr(holder, "online", None)
        if isinstance(learner, Learner) and all(learner is not x for x in found):
            found.append(learner)
    return found
