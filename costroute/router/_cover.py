"""The budget cover of one call: its reservation kept ahead of the attempts it bills.

The reservation holds the plan's worst case for one billed attempt (plus its escalation). A
retry or a fallback after an attempt that was billed (a stream cut before its first token is
billed for its prompt) may need more: before each attempt the executor asks
:meth:`BudgetCover.shortfall`, which compares ``billed so far + this attempt's worst case`` with
the amount reserved, with the same arithmetic as the reservation (:class:`RouterState`'s
``attempt_worst_case``) and no I/O. Only when it does not fit does the executor call
:meth:`~BudgetCover.extend`, which grows the reservation atomically with the limits or raises
:class:`~costroute.errors.BudgetExceeded`; the call then stops and settles what it was billed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from costroute.catalog import Deployment
from costroute.router._state import RouterState
from costroute.router._worst import Counts
from costroute.types import Attempt, Choice, Request

if TYPE_CHECKING:
    from costroute.budget import BudgetManager, Reservation

__all__ = ["BudgetCover"]

ZERO = Decimal(0)


class BudgetCover:
    """Implements :class:`costroute.executor._cover.Cover` over one call's reservation.

    ``counts`` is what the reservation computed (token counts, each choice's worst case), so a
    check is a dictionary lookup and a sum; ``offset`` is what earlier stages of the call billed
    (a cascade's first answer).
    """

    __slots__ = ("_budget", "_counts", "_request", "_state", "offset", "reservation")

    def __init__(
        self,
        state: RouterState,
        request: Request,
        reservation: Reservation,
        counts: Counts,
        offset: Decimal = ZERO,
        budget: BudgetManager | None = None,
    ) -> None:
        self._state = state
        self._request = request
        self._counts = counts
        self.reservation = reservation
        self.offset = offset
        self._budget = budget or state.budget  # the labelling budget for a labelling call

    def __repr__(self) -> str:
        return f"<BudgetCover {self.reservation!r} offset=${self.offset}>"

    def after(self, attempts: Iterable[Attempt]) -> BudgetCover:
        """The same reservation, for a later stage of the call: ``attempts`` were billed first."""
        billed = sum((a.cost_usd for a in attempts), ZERO)
        return BudgetCover(
            self._state,
            self._request,
            self.reservation,
            self._counts,
            self.offset + billed,
            self._budget,
        )

    def worst(self, choice: Choice) -> Decimal:
        """One attempt's worst case, as the reservation computed it."""
        return self._state.attempt_worst_case(self._request, choice, self._counts)

    def bounds(self, choice: Choice, dep: Deployment) -> tuple[int, int]:
        return self._state.attempt_bounds(self._request, choice, self._counts)

    def shortfall(self, choice: Choice, dep: Deployment, billed: Decimal) -> Decimal | None:
        needed = self.offset + billed + self.worst(choice)
        return needed if needed > self.reservation.amount else None

    def extend(self, amount: Decimal) -> None:
        self._budget.extend(self.reservation, amount)

    async def aextend(self, amount: Decimal) -> None:
        """:meth:`extend` in a worker thread when the budget is in Redis (the sync client works
        from any thread and event loop); in-process, at once (no I/O)."""
        if self._state.store.kind == "memory":
            self.extend(amount)
        else:
            await asyncio.to_thread(self.extend, amount)
