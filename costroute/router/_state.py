"""The router's state between calls: budgets, latency statistics and circuit breakers.

They live in a :class:`~costroute.store.Store` (in-process by default, Redis for a fleet).
Per call the router asks this module for three signals before planning (budget pressure,
predicted latencies, open breakers), reserves the plan's worst case before any network call,
and settles the actual cost afterwards, failures included.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from costroute import errors
from costroute.catalog import Deployment
from costroute.errors import ConfigError
from costroute.policy import expected_output_tokens
from costroute.router._worst import Counts, WorstCases
from costroute.store import LatencySample, Store, open_store
from costroute.types import CallInfo, Plan, Request

if TYPE_CHECKING:
    from costroute.budget import Budget, BudgetManager, Reservation

__all__ = ["RouterState"]

log = logging.getLogger("costroute")

# The Router's names of the store options it forwards (the store calls them by the key).
_ROUTER_NAMES = {
    "on_failure": "on_store_failure",
    "max_connections": "store_max_connections",
    "pool_timeout_s": "store_pool_timeout_s",
}


class RouterState(WorstCases):
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
        if isinstance(store, Store):
            given = sorted(k for k, v in store_options.items() if v is not None)
            if given:
                ours = ", ".join(f"{_ROUTER_NAMES.get(k, k)}=" for k in given)
                theirs = ", ".join(f"{k}=..." for k in given)
                raise ConfigError(
                    f"Router({ours}) cannot apply to a store already built.",
                    field="store",
                    fix=f"drop {ours} here, or build the store with "
                    f"costroute.store.redis_store(url, {theirs})",
                )
            self.store = store
        else:
            options = {k: v for k, v in store_options.items() if v is not None}
            self.store = open_store(store, **options)
        self._wall_clock = wall_clock
        self._budget: BudgetManager | None = None
        self._budget_made = threading.Lock()
        if budget is not None:  # checked now; without one, made on first use (router.budget)
            self._budget = self._manager(budget)
        self.has_limits = bool(budget is not None and budget.limits)
        self.latency = self.store.latency
        self.breakers = self.store.breakers

    def _manager(self, budget: Budget | None) -> BudgetManager:
        from costroute.budget import BudgetManager

        return BudgetManager(budget, backend=self.store.budget, clock=self._wall_clock)

    @property
    def budget(self) -> BudgetManager:
        """The budget manager over the store's windows (``router.budget``)."""
        if self._budget is None:
            with self._budget_made:
                if self._budget is None:
                    self._budget = self._manager(None)
        return self._budget

    def restore_from(self, ledger: Any) -> None:
        """Budgets survive restarts: load this day's and month's spend from the ledger, now and
        whenever the store says its windows may lack spend (Redis was away, or came back
        empty, or a settle did not reach it)."""
        if ledger is None or not self.has_limits:
            return

        def load() -> None:
            try:
                self.budget.load_spent_from(ledger)
            except Exception as exc:  # a ledger that cannot be read must not stop routing
                log.warning("costroute: could not restore budgets from the ledger: %s", exc)

        load()
        self.store.on_restore(load)

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
        out = expected_output_tokens(request)
        predicted = (
            self.latency.predictions(((d.name, d) for d in deps), out)
            if request.latency_target_ms is not None
            else {}
        )
        return pressure, reason, predicted, self.breakers.open_set(d.name for d in deps)

    # ---- reserve and settle ------------------------------------------------------------------

    def reserve(
        self,
        request: Request,
        plan: Plan,
        counts: Counts | None = None,
        budget: BudgetManager | None = None,
    ) -> Reservation | None:
        """Reserve the worst case; raises BudgetExceeded (before any network call).

        ``budget`` is another manager than the router's (the labelling budget), always asked.
        """
        if budget is None and not self.has_limits:
            return None
        amount = self.worst_case(request, plan, counts)
        manager = budget or self.budget
        return manager.reserve(amount, request.user, request.tenant, request.tags)

    def settle(
        self,
        reservation: Reservation | None,
        info: CallInfo | None,
        budget: BudgetManager | None = None,
    ) -> None:
        """Settle the call: its actual cost against the reservation (releasing the rest), and
        what each attempt says of its deployment (latency, breaker success or failure).
        ``budget`` is the manager the reservation was taken from, when not the router's.

        With a Redis store all of it goes in one pipeline: one round trip per call, which with
        the reservation makes two.
        """
        samples, outcomes = _health_writes(info)
        if reservation is None and not samples and not outcomes:
            return  # a cache hit or a refusal: nothing to settle
        actual = info.cost_usd if info is not None else None
        # The router's manager is made on first use: a call that reserved nothing needs none.
        manager = budget or (self.budget if reservation is not None else None)
        self.store.settle(manager, reservation, actual, samples, outcomes)


def _health_writes(
    info: CallInfo | None,
) -> tuple[list[LatencySample], list[tuple[str, bool]]]:
    """What a call's attempts say about their deployments: latency samples, breaker outcomes.

    A success feeds the latency statistics and closes the way for the breaker; a failure that
    is the deployment's (rate limits, 5xx, timeouts, resets, unreadable answers, refused keys
    or models) counts against its breaker; a failure that is the request's (400, context window)
    says nothing about the deployment and is not counted.
    """
    samples: list[LatencySample] = []
    outcomes: list[tuple[str, bool]] = []
    for attempt in info.attempts if info is not None else ():
        if attempt.status == "ok":
            samples.append(
                (
                    attempt.deployment,
                    attempt.latency_ms,
                    attempt.ttft_ms,
                    attempt.usage.output_tokens,
                )
            )
            outcomes.append((attempt.deployment, True))
        elif _counts_against(attempt.error):
            outcomes.append((attempt.deployment, False))
    return samples, outcomes


def _counts_against(error: str | None) -> bool:
    cls = getattr(errors, error, None) if error else None
    if not isinstance(cls, type) or not issubclass(cls, errors.ProviderError):
        return False
    return cls.retryable or issubclass(cls, errors.AuthenticationError | errors.ModelNotFoundError)
