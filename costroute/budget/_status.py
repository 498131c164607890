"""What the budget reports: :class:`Reservation`, :class:`WindowStatus`, :class:`BudgetStatus`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Literal

from costroute.budget._backend import Lease, Slot

__all__ = ["BudgetStatus", "Reservation", "WindowStatus"]


@dataclass(slots=True, eq=False)
class Reservation:
    """Money set aside for one call until it is settled or released (or its lease expires).

    ``expires_at`` is epoch seconds on the manager's clock: a reservation its process never
    settles (a crash) stops counting then. ``state`` moves from ``"held"`` to ``"settled"`` or
    ``"released"`` once. ``amount`` grows (and ``expires_at`` moves on) when
    :meth:`~costroute.budget.BudgetManager.extend` makes room for a further attempt.
    """

    id: str
    amount: Decimal
    expires_at: float
    windows: tuple[str, ...]
    state: Literal["held", "settled", "released"] = "held"
    lease: Lease = field(repr=False, default=Lease("", 0, 0.0))
    slots: tuple[Slot, ...] = field(repr=False, default=())
    # What extend() needs to check a larger amount the way reserve() checked this one: the
    # call's identity (per-request limits) and its resolved windows (the refusal's figures).
    identity: tuple[str | None, str | None, Mapping[str, str]] = field(
        repr=False, default=(None, None, MappingProxyType({}))
    )
    resolved: Any = field(repr=False, default=None)

    def __repr__(self) -> str:
        return f"<Reservation {self.id} ${self.amount} {self.state} windows={len(self.windows)}>"


@dataclass(frozen=True, slots=True)
class WindowStatus:
    """One window of one limit: ``scope`` as configured (``"user"``), ``key`` the scope value
    this row counts (``"user=alice"``), money in USD, ``resets_at`` when the next window starts
    (``None`` for the per-request window, which holds no state)."""

    window: str
    scope: str
    key: str
    spent: Decimal
    reserved: Decimal
    limit: Decimal
    soft: float
    resets_at: dt.datetime | None

    @property
    def used(self) -> float:
        """(spent + reserved) / limit: 0.5 = half the limit is spent or set aside."""
        return float((self.spent + self.reserved) / self.limit)

    @property
    def remaining(self) -> Decimal:
        """What a new call may still reserve in this window (never below zero)."""
        return max(Decimal(0), self.limit - self.spent - self.reserved)

    @property
    def pressed(self) -> bool:
        """Whether the window is at or past its soft limit."""
        return self.used >= self.soft

    def __repr__(self) -> str:
        return (
            f"<WindowStatus {self.window} {self.key} spent=${self.spent}"
            f" reserved=${self.reserved} limit=${self.limit}>"
        )


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    """Every window the budget knows of, at ``at`` (in the budget's time zone)."""

    at: dt.datetime
    windows: tuple[WindowStatus, ...]

    def to_text(self) -> str:
        """A plain table, one window a line."""
        head = f"{'window':<8} {'scope':<24} {'spent':>12} {'reserved':>12} {'limit':>10}  resets"
        lines = [head]
        for w in self.windows:
            resets = w.resets_at.isoformat() if w.resets_at else "-"
            mark = " *" if w.pressed else ""
            lines.append(
                f"{w.window:<8} {w.key:<24} {w.spent:>12.6f} {w.reserved:>12.6f}"
                f" {w.limit:>10.2f}  {resets}{mark}"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()
