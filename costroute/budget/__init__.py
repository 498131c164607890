"""Budgets that cannot be overspent: reserve the worst case, settle the actual.

::

    from decimal import Decimal
    from costroute.budget import Budget, BudgetManager, Limit

    budget = Budget(limits=[Limit(usd=100, window="month"), Limit(usd=5, window="day", scope="user")])
    mgr = BudgetManager(budget)
    res = mgr.reserve(Decimal("0.02"), user="alice")   # BudgetExceeded if a hard limit refuses
    mgr.settle(res, Decimal("0.013"))                  # or mgr.release(res) when the call failed
    status = mgr.status()                       # every window: spent, reserved, limit, reset

Windows are per request, per day and per calendar month (in ``Budget.tz``); scopes are global,
per user, per tenant and per tag value. State lives in a backend: :class:`MemoryBudgetBackend`
(one process, the default) or :class:`RedisBudgetBackend` (a fleet). See docs/budgets.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from costroute._lazy import lazy_names
from costroute.budget._backend import BudgetBackend, Lease, Outcome, Slot, Usage
from costroute.budget._config import Budget, Limit, Window
from costroute.budget._memory import MemoryBudgetBackend

if TYPE_CHECKING:
    from costroute.budget._calendar import from_nano, to_nano
    from costroute.budget._manager import BudgetManager
    from costroute.budget._redis import RedisBudgetBackend
    from costroute.budget._status import BudgetStatus, Reservation, WindowStatus

__all__ = [
    "Budget",
    "BudgetBackend",
    "BudgetManager",
    "BudgetStatus",
    "Lease",
    "Limit",
    "MemoryBudgetBackend",
    "Outcome",
    "RedisBudgetBackend",
    "Reservation",
    "Slot",
    "Usage",
    "Window",
    "WindowStatus",
    "from_nano",
    "to_nano",
]

__getattr__ = lazy_names(
    __name__,
    {
        "BudgetManager": "costroute.budget._manager",
        "BudgetStatus": "costroute.budget._status",
        "RedisBudgetBackend": "costroute.budget._redis",
        "Reservation": "costroute.budget._status",
        "WindowStatus": "costroute.budget._status",
        "from_nano": "costroute.budget._calendar",
        "to_nano": "costroute.budget._calendar",
    },
)
