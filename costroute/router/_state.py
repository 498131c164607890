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
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from costroute import errors, providers
from costroute.catalog import Deployment
from costroute.errors import ConfigError
from costroute.policy import expected_output_tokens, output_cap
from costroute.pricing import worst_case_cost
from costroute.store import LatencySample, Store, open_store
from costroute.types import CallInfo, Choice, Plan, Request

if TYPE_CHECKING:
    from costroute.budget import Budget, BudgetManager, Reservation

__all__ = ["Counts", "RouterState"]

log = logging.getLogger("costroute")

ZERO = Decimal(0)

# The Router's names of the store options it forwards (the store calls them by the key).
_ROUTER_NAMES = {
    "on_failure": "on_store_failure",
    "max_connections": "store_max_connections",
    "pool_timeout_s": "store_pool_timeout_s",
}


@dataclass(slots=True)
class Counts:
    """What one call's worst cases were computed from, kept for its budget cover (so a check
    before a retry never counts again): prompt tokens per provider, and each choice's bounds and
    worst case per (deployment, max_tokens).

    ``exact`` is False at first: the prompt is taken at the request's conservative byte bound,
    which needs no tokenizer. Counting with the provider's tokenizer (litellm's, where it is
    exact) costs little on its own, but it releases the GIL, and on an event loop whose worker
    threads are busy (litellm prepares each async call in one) getting it back took about 4 ms
    a call (``benchmarks/concurrency.py``, 1,000 calls). So the exact count is taken only where
    it can change an outcome: when the bound does not fit the budget (:meth:`RouterState.reserve`,
    :meth:`~costroute.router._cover.BudgetCover.shortfall`), and for the usage estimate of a
    stream cut without a usage block.
    """

    tokens: dict[str, int] = field(default_factory=dict)
    bounds: dict[tuple[str, Any], tuple[int, int]] = field(default_factory=dict)
    worst: dict[tuple[str, Any], Decimal] = field(default_factory=dict)
    exact: bool = False

    @staticmethod
    def key(choice: Choice) -> tuple[str, Any]:
        return choice.deployment, choice.params.get("max_tokens")

    def count_exactly(self) -> bool:
        """Switch to the tokenizer's counts (forgetting what the bound gave); False when they
        were already in use, so that nothing would change."""
        if self.exact:
            return False
        self.exact = True
        self.tokens.clear()
        self.bounds.clear()
        self.worst.clear()
        return True


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

    def input_tokens(self, request: Request, dep: Deployment, counts: Counts) -> int:
        """The prompt tokens to reserve for on ``dep``: the conservative byte bound, or, once
        ``counts`` is exact, the provider tokenizer's count of the messages and tools (where
        litellm's is exact) plus a framing margin plus the bound of the billed parameters it
        does not count (``request.uncounted_tokens_bound``); never more than the bound.
        ``counts`` caches a count per provider within one call."""
        bound = request.input_tokens_bound
        if (
            not counts.exact
            or request.needs_vision
            or dep.provider not in providers.EXACT_PROVIDERS
        ):
            return bound
        counted = counts.tokens
        if dep.provider not in counted:
            exact = providers.count_prompt_tokens(
                dep, request.messages, request.params.get("tools")
            )
            counted[dep.provider] = (
                bound
                if exact is None
                else exact + _margin(request) + request.uncounted_tokens_bound
            )
        return min(bound, counted[dep.provider])

    def attempt_bounds(self, request: Request, choice: Choice, counts: Counts) -> tuple[int, int]:
        """(input tokens, output tokens) reserved for one attempt of ``choice``."""
        key = counts.key(choice)
        found = counts.bounds.get(key)
        if found is None:
            dep = self.deployments[choice.deployment]
            cap = choice.params.get("max_tokens") or output_cap(request, dep)
            found = counts.bounds[key] = (self.input_tokens(request, dep, counts), cap)
        return found

    def attempt_worst_case(self, request: Request, choice: Choice, counts: Counts) -> Decimal:
        """The most one attempt of ``choice`` can cost: its bounds at the peak prices."""
        key = counts.key(choice)
        found = counts.worst.get(key)
        if found is None:
            tokens, cap = self.attempt_bounds(request, choice, counts)
            prices = self.deployments[choice.deployment].prices
            found = counts.worst[key] = worst_case_cost(tokens, cap, prices)
        return found

    def worst_case(self, request: Request, plan: Plan, counts: Counts | None = None) -> Decimal:
        """The most the plan can cost if one attempt is billed: its dearest choice, plus the
        dearest escalation. (Each further billed attempt is covered as it comes: see
        :class:`~costroute.router._cover.BudgetCover`.) ``counts`` keeps what was computed."""
        counts = Counts() if counts is None else counts

        def dearest(choices: Iterable[Choice]) -> Decimal:
            return max((self.attempt_worst_case(request, c, counts) for c in choices), default=ZERO)

        extra = dearest(plan.cascade.escalate_to) if plan.cascade is not None else ZERO
        return dearest(plan.choices) + extra

    def reserve(
        self,
        request: Request,
        plan: Plan,
        counts: Counts | None = None,
        budget: BudgetManager | None = None,
    ) -> Reservation | None:
        """Reserve the worst case; raises BudgetExceeded (before any network call).

        The worst case takes the prompt at its byte bound; only when that does not fit is the
        prompt counted with the provider's tokenizer (see :class:`Counts`) and the reservation
        asked again. ``budget`` is another manager than the router's (the labelling budget), always asked.
        """
        if budget is None and not self.has_limits:
            return None
        counts = Counts() if counts is None else counts
        manager = budget or self.budget
        try:
            amount = self.worst_case(request, plan, counts)
            return manager.reserve(amount, request.user, request.tenant, request.tags)
        except errors.BudgetExceeded:
            if not counts.count_exactly():
                raise
        amount = self.worst_case(request, plan, counts)  # the tokenizer's count may fit
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


def _margin(request: Request) -> int:
    """Room for what a provider adds around the counted messages (chat template tokens)."""
    return 8 * len(request.messages) + 16


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
