"""The budget manager: reserve the worst case, settle the actual, release on failure.

::

    mgr = BudgetManager(Budget([Limit(usd=100, window="month")]))
    res = mgr.reserve(Decimal("0.02"), user="alice")   # BudgetExceeded if it does not fit
    try:
        cost = call_the_provider()
    except Exception:
        mgr.release(res)
        raise
    mgr.settle(res, cost)

A call that may cost more than its worst case (a retry after an attempt that was billed) grows
its reservation before that attempt, under the same limits: ``mgr.extend(res, Decimal("0.03"))``.

The manager resolves limits, scopes and calendar windows (no I/O, in ``_rules.py`` and
``_steps.py``); the backend holds the state and makes reserve and extend atomic over every window
of a call.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from costroute.budget._backend import BudgetBackend, Outcome
from costroute.budget._config import Budget
from costroute.budget._memory import MemoryBudgetBackend
from costroute.budget._restore import SpentSource, restore_windows
from costroute.budget._rules import Rules, check_identity
from costroute.budget._status import BudgetStatus, Reservation
from costroute.budget._status_build import build_status
from costroute.budget._steps import RecentUsage, begin, closing, growing, grown, pressure_reason
from costroute.errors import ConfigError

__all__ = ["BudgetManager"]


class BudgetManager:
    """Hard limits that cannot be overspent, soft limits that add pressure, over one backend.

    ``clock`` gives epoch seconds (inject a fake one in tests); ``lease_s`` is how long a
    reservation counts if its process never settles it; ``ledger`` (optional) restores this
    month's and today's global spend at start (see :meth:`load_spent_from`). With a remote
    backend, :meth:`pressure` reuses figures younger than ``pressure_ttl_s`` seconds (they come
    back with every reserve), so it costs no round trip on a busy router.
    """

    def __init__(
        self,
        budget: Budget | None = None,
        backend: BudgetBackend | None = None,
        clock: Callable[[], float] = time.time,
        lease_s: float = 600.0,
        ledger: SpentSource | None = None,
        *,
        pressure_ttl_s: float = 1.0,
    ) -> None:
        if not isinstance(budget, Budget | None):
            raise ConfigError(
                f"budget={budget!r} is not a Budget.",
                field="budget",
                fix="pass Budget(limits=[Limit(usd=100, window='month')])",
            )
        if isinstance(lease_s, bool) or not isinstance(lease_s, int | float) or not lease_s > 0:
            raise ConfigError(
                f"lease_s={lease_s!r} must be a positive number of seconds.",
                field="lease_s",
                fix="pass e.g. lease_s=600 (longer than your slowest call)",
            )
        if backend is not None and not isinstance(backend, BudgetBackend):
            raise ConfigError(
                f"backend={backend!r} is not a budget backend.",
                field="backend",
                fix="pass MemoryBudgetBackend() or RedisBudgetBackend(redis_client)",
            )
        self.budget = budget or Budget()
        self.backend: BudgetBackend = backend or MemoryBudgetBackend()
        self.clock = clock
        self.lease_s = float(lease_s)
        self.pressure_ttl_s = pressure_ttl_s if getattr(self.backend, "remote", False) else 0.0
        self._rules = Rules(self.budget, self.lease_s)
        self._recent = RecentUsage(self.pressure_ttl_s)
        if ledger is not None:
            self.load_spent_from(ledger)

    def __repr__(self) -> str:
        return (
            f"<BudgetManager limits={len(self.budget.limits)} tz={self.budget.tz!r}"
            f" backend={self.backend!r}>"
        )

    # ---- blocking --------------------------------------------------------------------------

    def pressure(
        self,
        user: str | None = None,
        tenant: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> float:
        """How full the tightest window past its soft limit is, for ``Signals.budget_pressure``.

        The highest ``(spent + reserved) / limit`` among this call's windows that are at or
        past their ``soft`` fraction; 0.0 when none is. 1.0 means a window is full.
        """
        return self.pressure_reason(user, tenant, tags)[0]

    def pressure_reason(
        self,
        user: str | None = None,
        tenant: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> tuple[float, str | None]:
        """:meth:`pressure` and a reason for the plan, e.g. ``"budget month for
        tenant=acme at 85% of $50 (soft 80%)"`` (None when there is no pressure)."""
        tag_map = check_identity(user, tenant, tags)
        now = self.clock()
        resolved = self._rules.resolve(now, user, tenant, tag_map)
        if not resolved.slots:
            return 0.0, None
        usage = self._recent.fresh(resolved.slots, now)
        if usage is None:
            usage = self.backend.usage([s.key for s in resolved.slots], now)
            self._recent.remember(resolved.slots, usage, now)
        return pressure_reason(resolved, usage)

    def reserve(
        self,
        amount: Decimal,
        user: str | None = None,
        tenant: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> Reservation:
        """Set ``amount`` (the call's worst case, USD) aside in every window of this call.

        Atomic: the reservation is taken in all windows or in none. Raises
        :class:`~costroute.errors.BudgetExceeded` naming the window that refused.
        """
        resolved, res, now = begin(
            self._rules, self.clock, self.lease_s, amount, user, tenant, tags
        )
        if resolved.slots:
            outcome = self.backend.reserve(resolved.slots, res.lease, now)
            if outcome.refused >= 0:
                raise self._rules.refusal(resolved, outcome.refused, outcome.usage, amount)
            self._recent.remember(resolved.slots, outcome.usage, now)
        return res

    def extend(self, res: Reservation, amount: Decimal) -> None:
        """Grow a held reservation to ``amount`` (USD): room for a further attempt of its call.

        Atomic with the limit check, like :meth:`reserve`: the reservation grows in every
        window or in none, and a no-op when it already holds ``amount``. Raises
        :class:`~costroute.errors.BudgetExceeded` (``further=True``) naming the window that
        refused; the reservation is then unchanged, to be settled with what the call cost.
        """
        step = growing(self._rules, self.clock, self.lease_s, res, amount)
        if step is None:
            return
        lease, now = step
        outcome = Outcome(-1, ())
        if res.slots:
            outcome = self.backend.extend(res.slots, res.lease, lease, now)
        grown(self._rules, self._recent, res, amount, lease, outcome, now)

    def settle(self, res: Reservation, actual: Decimal, *, pipeline: Any = None) -> None:
        """Record the call's actual cost (even above the reservation) and drop the reservation.

        With a Redis backend, ``pipeline`` (a redis-py pipeline) queues the settle instead of
        sending it, so the caller can send it with other commands in one round trip; until the
        caller executes the pipeline, the reservation still counts. Settling a released
        reservation records ``actual`` (a failed call that was billed after all).
        """
        nano = closing(res, actual)
        if res.state == "held" and res.slots:
            queue = getattr(self.backend, "queue_settle", None)
            if pipeline is not None and queue is not None:
                queue(pipeline, res.slots, res.lease, nano, self.clock())
            else:
                self.backend.settle(res.slots, res.lease, nano, self.clock())
        elif res.state == "released" and nano and res.slots:
            # Released, then found to have cost money after all: record the spend.
            self.backend.settle(res.slots, res.lease, nano, self.clock())
        res.state = "settled"

    def release(self, res: Reservation) -> None:
        """The call failed without cost: drop the reservation. A no-op once settled/released."""
        closing(res, None)
        if res.state == "held":
            if res.slots:
                self.backend.settle(res.slots, res.lease, 0, self.clock())
            res.state = "released"

    # ---- asyncio: the blocking methods in a worker thread ------------------------------------

    async def areserve(
        self,
        amount: Decimal,
        user: str | None = None,
        tenant: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> Reservation:
        """:meth:`reserve` in a worker thread (``asyncio.to_thread``): the event loop never
        waits for the backend, and any loop may call it (the backend's client is the sync one)."""
        return await asyncio.to_thread(self.reserve, amount, user, tenant, tags)

    async def aextend(self, res: Reservation, amount: Decimal) -> None:
        """:meth:`extend` in a worker thread."""
        await asyncio.to_thread(self.extend, res, amount)

    async def asettle(self, res: Reservation, actual: Decimal) -> None:
        """:meth:`settle` in a worker thread."""
        await asyncio.to_thread(self.settle, res, actual)

    async def arelease(self, res: Reservation) -> None:
        """:meth:`release` in a worker thread."""
        await asyncio.to_thread(self.release, res)

    # ---- reporting and restoring -------------------------------------------------------------

    def status(self) -> BudgetStatus:
        """Every window: spent, reserved, limit and reset time, one row per scope value seen."""
        now = self.clock()
        return build_status(self._rules, self.backend.windows(now), now)

    def load_spent_from(
        self,
        ledger: SpentSource,
        *,
        users: Iterable[str] = (),
        tenants: Iterable[str] = (),
        tags: Mapping[str, Iterable[str]] | None = None,
    ) -> int:
        """Restore the current day and month spend from ``ledger`` (``Ledger.spent``).

        Restored: global windows, ``tag:<key>=<value>`` windows, and the windows of the users,
        tenants and tag values passed here. Not restored: other scope values (they start from
        zero until passed), reservations in flight when the process stopped, past windows.
        A window's spend is raised to the ledger's figure, never lowered. Returns how many
        windows were restored.
        """
        return restore_windows(
            self._rules, self.backend, self.clock(), ledger, users, tenants, tags or {}
        )
