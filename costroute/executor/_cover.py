"""Keeping a call's budget reservation ahead of its billed attempts.

A reservation covers one attempt's worst case, but every attempt that is billed counts (a stream
cut before its first token is billed for its prompt, then retried, then sent to a fallback).
Before each attempt the executor asks the call's :class:`Cover` whether ``billed so far + this
attempt's worst case`` still fits the reservation. That question is arithmetic, no I/O: in the
normal case (a first attempt, or retries after attempts that cost nothing) it is the whole
price. Only when it does not fit does the cover grow the reservation, atomically with the
limits; when it cannot, the call stops there and its billed attempts are settled.

The router builds the cover (it owns the budget and the worst-case arithmetic of the
reservation); the executor sees only this protocol, so it imports no budget code.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from costroute.catalog import Deployment
from costroute.errors import BudgetExceeded
from costroute.types import Attempt, Choice

__all__ = ["Cover", "Uncovered", "acover_next", "cover_next", "refused"]

ZERO = Decimal(0)


class Cover(Protocol):
    """One call's reservation, as the executor sees it."""

    def shortfall(self, choice: Choice, dep: Deployment, billed: Decimal) -> Decimal | None:
        """No I/O. None when ``billed`` plus the worst case of one attempt of ``choice`` on
        ``dep`` fits the reservation; else the amount the reservation must grow to."""
        ...

    def extend(self, amount: Decimal) -> None:
        """Grow the reservation to ``amount``; raises (BudgetExceeded) when a limit refuses."""
        ...

    async def aextend(self, amount: Decimal) -> None:
        """Async twin of :meth:`extend`."""
        ...

    def bounds(self, choice: Choice, dep: Deployment) -> tuple[int, int]:
        """(input tokens, output tokens) reserved for one attempt of ``choice`` on ``dep``: what
        an estimate of that attempt's usage must not exceed."""
        ...


class Uncovered(Exception):
    """The reservation could not grow for the next attempt; ``error`` is why (BudgetExceeded,
    or the budget store failing closed). A signal inside the executor, never seen outside; not
    a ProviderError, so tenacity never retries it."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


def _billed(attempts: Sequence[Attempt]) -> Decimal:
    return sum((a.cost_usd for a in attempts), ZERO)


def cover_next(
    c: Cover | None, attempts: Sequence[Attempt], choice: Choice, dep: Deployment
) -> None:
    """Make sure the next attempt of ``choice`` on ``dep`` is covered, or raise Uncovered."""
    if c is None:
        return
    need = c.shortfall(choice, dep, _billed(attempts))
    if need is None:
        return
    try:
        c.extend(need)
    except Exception as exc:
        raise Uncovered(exc) from exc


async def acover_next(
    c: Cover | None, attempts: Sequence[Attempt], choice: Choice, dep: Deployment
) -> None:
    """Async twin of :func:`cover_next`."""
    if c is None:
        return
    need = c.shortfall(choice, dep, _billed(attempts))
    if need is None:
        return
    try:
        await c.aextend(need)
    except Exception as exc:
        raise Uncovered(exc) from exc


def refused(stop: Uncovered, attempts: Sequence[Attempt]) -> BaseException:
    """The error a refused extension ends the call with; a BudgetExceeded lists the attempts
    billed before it (a cascade adds them to the first stage's)."""
    error = stop.error
    if isinstance(error, BudgetExceeded):
        error.attempts = tuple(attempts)
    return error
