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

from collections.abc import Iterable
from decimal import Decimal

from costroute.budget import Reservation
from costroute.catalog import Deployment
from costroute.router._state import RouterState
from costroute.types import Attempt, Choice, Request

__all__ = ["BudgetCover"]

ZERO = Decimal(0)


class BudgetCover:
    """Implements :class:`costroute.executor._cover.Cover` over one call's reservation.

    ``counted`` is the token-count cache of the reservation (so a check never counts again);
    ``offset`` is what earlier stages of the call billed (a cascade's first answer).
    """

    __slots__ = ("_bounds", "_counted", "_request", "_state", "_worst", "offset", "reservation")

    def __init__(
        self,
        state: RouterState,
        request: Request,
        reservation: Reservation,
        counted: dict[str, int],
        offset: Decimal = ZERO,
    ) -> None:
        self._state = state
        self._request = request
        self._counted = counted
        self._bounds: dict[tuple[str, object], tuple[int, int]] = {}
        self._worst: dict[tuple[str, object], Decimal] = {}
        self.reservation = reservation
        self.offset = offset

    def __repr__(self) -> str:
        return f"<BudgetCover {self.reservation!r} offset=${self.offset}>"

    def after(self, attempts: Iterable[Attempt]) -> BudgetCover:
        """The same reservation, for a later stage of the call: ``attempts`` were billed first."""
        billed = sum((a.cost_usd for a in attempts), ZERO)
        later = BudgetCover(
            self._state, self._request, self.reservation, self._counted, self.offset + billed
        )
        later._bounds, later._worst = self._bounds, self._worst
        return later

    @staticmethod
    def _key(choice: Choice) -> tuple[str, object]:
        return choice.deployment, choice.params.get("max_tokens")

    def bounds(self, choice: Choice, dep: Deployment) -> tuple[int, int]:
        key = self._key(choice)
        found = self._bounds.get(key)
        if found is None:
            found = self._bounds[key] = self._state.attempt_bounds(
                self._request, choice, self._counted
            )
        return found

    def worst(self, choice: Choice) -> Decimal:
        """One attempt's worst case, as the reservation computed it (cached per choice)."""
        key = self._key(choice)
        found = self._worst.get(key)
        if found is None:
            found = self._worst[key] = self._state.attempt_worst_case(
                self._request, choice, self._counted
            )
        return found

    def shortfall(self, choice: Choice, dep: Deployment, billed: Decimal) -> Decimal | None:
        needed = self.offset + billed + self.worst(choice)
        return needed if needed > self.reservation.amount else None

    def extend(self, amount: Decimal) -> None:
        self._state.budget.extend(self.reservation, amount)

    async def aextend(self, amount: Decimal) -> None:
        await self._state.budget.aextend(self.reservation, amount)
