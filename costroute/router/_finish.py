"""Step 7 of a routed call: the finisher that settles an outcome (price, budget settle, ledger
record, labelling offer, cache store), and the record of one call between planning and running."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from costroute import providers
from costroute.errors import BudgetExceeded
from costroute.executor import Outcome
from costroute.types import CallInfo, Plan, Request, Usage

if TYPE_CHECKING:
    from costroute.budget import BudgetManager
    from costroute.ledger import CallRecord, Purpose
    from costroute.router._router import Router

__all__ = ["Call", "Finisher", "attach", "replayed"]


class Call(NamedTuple):
    """One call after steps 1-4: a cache hit (entry and settled CallInfo), or a plan to run."""

    request: Request
    plan: Plan
    finish: Finisher | None
    hit: tuple[dict[str, Any], CallInfo] | None = None


def replayed(entry: dict[str, Any], request: Request) -> list[Any]:
    """A cached answer's chunks; the usage chunk only when the caller asked for it."""
    return providers.chunks_from_entry(entry, include_usage=providers.wants_usage(request.params))


def attach(response: Any, info: CallInfo) -> Any:
    """Set ``response.costroute`` without making it a serialised field of the response.

    The openai SDK's ChatCompletion is a pydantic model that allows extra fields: a plain
    setattr would put CallInfo into ``model_dump()`` and break ``model_dump_json()``; set on the
    instance's ``__dict__`` it is an attribute only (tests/router/test_openai_types.py).
    """
    object.__setattr__(response, "costroute", info)
    return response


class Finisher:
    """Settles an outcome (step 7): price it, settle its budget reservation, record it, store a
    cacheable answer. The budget is settled before the ledger write, so a failing ledger never
    leaves money reserved."""

    __slots__ = (
        "budget",
        "embedding",
        "key",
        "plan",
        "purpose",
        "request",
        "request_id",
        "reservation",
        "router",
        "shadow",
        "started",
    )

    def __init__(
        self,
        router: Router,
        request: Request,
        plan: Plan,
        started: float,
        request_id: str,
        key: str | None,
    ) -> None:
        self.router = router
        self.request = request
        self.plan = plan
        self.started = started
        self.request_id = request_id
        self.key = key
        self.reservation: Any = None
        self.shadow: tuple[str, str | None] | None = None  # a candidate version's first choice
        self.embedding: tuple[float, ...] | None = None  # the prompt's, when the router keeps them
        self.purpose: Purpose = "route"
        self.budget: BudgetManager | None = None  # the labelling budget, for a labelling call

    def __call__(self, outcome: Outcome, error: BaseException | None) -> CallInfo:
        info = self._priced(outcome)
        self.router._record(self._ledger_record(info, error), info)
        self._after(outcome, info, error)
        return info

    async def asettle(self, outcome: Outcome, error: BaseException | None) -> CallInfo:
        """:meth:`__call__` on the event loop, the record awaited through the ledger's group
        commit (for a router whose only blocking bookkeeping is a Ledger)."""
        info = self._priced(outcome)
        await self.router._arecord(self._ledger_record(info, error), info)
        self._after(outcome, info, error)
        return info

    def _ledger_record(self, info: CallInfo, error: BaseException | None) -> CallRecord | None:
        return self.router._ledger_record(
            self.request, info, error, self.shadow, self.purpose, self.embedding
        )

    def _priced(self, outcome: Outcome) -> CallInfo:
        """Price the outcome and settle its budget reservation (before the ledger write, so
        that a failing ledger never leaves money reserved)."""
        router = self.router
        info = router._settle(self.request, self.plan, outcome, self.started, self.request_id)
        reservation, self.reservation = self.reservation, None
        router.state.settle(reservation, info, self.budget)
        return info

    def _after(self, outcome: Outcome, info: CallInfo, error: BaseException | None) -> None:
        """After the record: a labelling sample, the cache entry, the observer."""
        router = self.router
        if error is None and self.purpose == "route":  # answered: maybe a labelling sample
            router._offer(self.request, info, outcome)
        if self.key is not None and error is None and not outcome.cached:
            router._store(self.key, outcome, info)
        if router.observer is not None:
            router.observer.complete(self.request, info, error)

    def release(self) -> None:
        """Give the reservation back (an unexpected error before anything was settled)."""
        reservation, self.reservation = self.reservation, None
        self.router.state.settle(reservation, None, self.budget)

    def refused(self, error: BudgetExceeded) -> None:
        """Record a call the budget refused (nothing was sent, nothing billed)."""
        self(self.refusal(), error)

    def refusal(self) -> Outcome:
        """The outcome of a call the budget refused: nothing sent, nothing billed."""
        primary = self.plan.primary
        dep = self.router.deployments[primary.deployment]
        return Outcome(None, dep, primary, [], Usage())
