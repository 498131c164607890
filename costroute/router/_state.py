"""The router's state between calls: budgets, latency statistics and circuit breakers.

They live in a :class:`~costroute.store.Store` (in-process by default, Redis for a fleet).
Per call the router asks this module for three signals before planning (budget pressure,
predicted latencies, open breakers), reserves the plan's worst case before any network call,
and settles the actual cost afterwards, failures included.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from costroute.budget import Budget, BudgetManager, Reservation
from costroute.catalog import Deployment
from costroute.policy._capability import DEFAULT_OUTPUT_TOKENS, output_cap
from costroute.pricing import worst_case_cost
from costroute.store import Store, open_store
from costroute.types import CallInfo, Plan, Request

__all__ = ["RouterState"]

log = logging.getLogger("costroute")

ZERO = Decimal(0)


class RouterState:
    """Budgets, latency statistics and breakers of one router, over one store."""

    def __init__(
        self,
        deployments: dict[str, Deployment],
        *,
        store: Store | str | None,
        budget: Budget | None,
        wall_clock: Callable[[], float] = time.time,
        **store_options: Any,
    ) -> None:
        self.deployments = deployments
        self.store = store if isinstance(store, Store) else open_store(store, **store_options)
        self.budget = BudgetManager(budget, backend=self.store.budget, clock=wall_clock)
        self.has_limits = bool(budget is not None and budget.limits)
        self.latency = self.store.latency
        self.breakers = self.store.breakers

    def restore_from(self, ledger: Any) -> None:
        """Budgets survive restarts: load this day's and month's spend from the ledger, now and
        whenever the store reports that Redis came back empty."""
        if ledger is None or not self.has_limits:
            return

        def load() -> None:
            try:
                self.budget.load_spent_from(ledger)
            except Exception as exc:  # a ledger that cannot be read must not stop routing
                log.warning("costroute: could not restore budgets from the ledger: %s", exc)

        load()
        if self.store.health is not None:
            self.store.health.on_restart.append(load)

    # ---- before planning ---------------------------------------------------------------------

    def signals(
        self, request: Request, keyed: Iterable[Deployment]
    ) -> tuple[float, str | None, dict[str, float], frozenset[str]]:
        """(budget pressure, its reason, predicted latency per deployment, open breakers)."""
        deps = tuple(keyed)
        pressure, reason = (
            self.budget.pressure_reason(request.user, request.tenant, request.tags)
            if self.has_limits
            else (0.0, None)
        )
        out = min(request.max_output_tokens or DEFAULT_OUTPUT_TOKENS, DEFAULT_OUTPUT_TOKENS)
        predicted = (
            self.latency.predictions(((d.name, d) for d in deps), out)
            if request.latency_target_ms is not None
            else {}
        )
        return pressure, reason, predicted, self.breakers.open_set(d.name for d in deps)

    # ---- reserve and settle ------------------------------------------------------------------

    def worst_case(self, request: Request, plan: Plan) -> Decimal:
        """The most the plan can cost: its dearest choice, plus the dearest escalation."""

        def dearest(choices: Iterable[Any]) -> Decimal:
            worst = ZERO
            for choice in choices:
                dep = self.deployments[choice.deployment]
                cap = choice.params.get("max_tokens") or output_cap(request, dep)
                worst = max(worst, worst_case_cost(request.input_tokens_bound, cap, dep.prices))
            return worst

        cascade = getattr(plan, "cascade", None)
        extra = dearest(cascade.escalate_to) if cascade is not None else ZERO
        return dearest(plan.choices) + extra

    def reserve(self, request: Request, plan: Plan) -> Reservation | None:
        """Reserve the worst case; raises BudgetExceeded (before any network call)."""
        if not self.has_limits:
            return None
        amount = self.worst_case(request, plan)
        return self.budget.reserve(amount, request.user, request.tenant, request.tags)

    async def areserve(self, request: Request, plan: Plan) -> Reservation | None:
        if not self.has_limits:
            return None
        amount = self.worst_case(request, plan)
        return await self.budget.areserve(amount, request.user, request.tenant, request.tags)

    def settle(self, reservation: Reservation | None, info: CallInfo | None) -> None:
        """Settle the actual cost (zero when nothing was billed), releasing the rest."""
        if reservation is None:
            return
        if info is None or info.cost_usd == 0:
            self.budget.release(reservation)
        else:
            self.budget.settle(reservation, info.cost_usd)
