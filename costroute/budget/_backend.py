"""The seam between the budget logic and where its state lives.

A backend stores, per *window key* (``"month:2026-11:user=alice"``), the settled spend and the
live reservations (leases). It knows nothing of limits' meaning, scopes or calendars: the
:class:`~costroute.budget.BudgetManager` resolves those and hands the backend integer
nanodollars, keys, the time (from the injected clock) and how long a key may live.

Two implementations ship: :class:`~costroute.budget.MemoryBudgetBackend` (one process) and
:class:`~costroute.budget.RedisBudgetBackend` (a fleet). Both pass the same contract tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol, runtime_checkable

from costroute.errors import InvalidRequestError

__all__ = [
    "BudgetBackend",
    "Lease",
    "Outcome",
    "Slot",
    "Usage",
    "duplicate_lease",
]


class Slot(NamedTuple):
    """One window a call counts against: its key, its hard limit and the key's time to live."""

    key: str
    limit: int
    ttl: int


class Lease(NamedTuple):
    """One reservation as a backend sees it: id, amount (nanodollars) and expiry (epoch s)."""

    id: str
    amount: int
    expires: float

    @property
    def member(self) -> str:
        """How the lease is stored: ``"<id>:<amount>"`` (the amount travels with the id)."""
        return f"{self.id}:{self.amount}"


def duplicate_lease(lease: Lease) -> InvalidRequestError:
    """The error of a reserve whose lease id is already held in a window: counted twice and
    released once, it would stay reserved until it expired, so backends refuse it."""
    return InvalidRequestError(
        f"Budget lease {lease.id!r} is already held.",
        field="lease",
        fix="give every reservation a new id (BudgetManager does; costroute._ids.new_id())",
    )


class Usage(NamedTuple):
    """Settled spend and live reservations of one window key, in nanodollars."""

    spent: int
    reserved: int


class Outcome(NamedTuple):
    """The answer to a reserve.

    ``refused`` is the index of the slot that refused (the one over its limit by the most) or
    -1 when the lease was taken in every slot. ``usage`` holds each slot's figures: after the
    reservation when it was taken, before it (what refused) otherwise.
    """

    refused: int
    usage: tuple[Usage, ...]


@runtime_checkable
class BudgetBackend(Protocol):
    """Atomic reserve/extend/settle over several window keys (blocking calls: async code,
    :meth:`BudgetManager.areserve <costroute.budget.BudgetManager.areserve>` included, makes
    them in a worker thread)."""

    def reserve(self, slots: Sequence[Slot], lease: Lease, now: float) -> Outcome:
        """Take ``lease`` in every slot, or in none if any slot would exceed its limit.

        A lease id already held in a slot raises InvalidRequestError (nothing taken).
        A slot fits when ``spent + reserved + lease.amount <= limit``, counting only the
        leases that have not expired at ``now``. Expired leases are dropped on the way.
        """
        ...

    def extend(self, slots: Sequence[Slot], lease: Lease, grown: Lease, now: float) -> Outcome:
        """Replace ``lease`` by ``grown`` (same id, a larger amount) in every slot, or in none.

        A slot fits when ``spent + reserved - held + grown.amount <= limit``, where ``held`` is
        what the slot still holds for ``lease`` (0 if it expired). Same answer as :meth:`reserve`.
        """
        ...

    def settle(self, slots: Sequence[Slot], lease: Lease, actual: int, now: float) -> None:
        """Add ``actual`` to each slot's spend and drop the lease (``actual=0``: a release)."""
        ...

    def usage(self, keys: Sequence[str], now: float) -> tuple[Usage, ...]:
        """Current spend and live reservations of each key (zeros for an unknown key)."""
        ...

    def windows(self, now: float) -> dict[str, Usage]:
        """Every live window key with its figures (for status reports)."""
        ...

    def restore(self, slot: Slot, spent: int, now: float) -> None:
        """Raise the slot's spend to ``spent`` if it is lower (restoring from a ledger)."""
        ...
