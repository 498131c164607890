"""What sampled labelling needs of the router: a budget of its own (in the router's store,
restored from the ledger) and one labelling call through the routed-call machinery.

Loaded with the labeller (costroute/router/_labeler.py): a router that does not label never
loads it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from costroute import providers
from costroute.budget import Budget, BudgetManager
from costroute.errors import BudgetExceeded
from costroute.router._state import RouterState
from costroute.router._worst import Counts
from costroute.types import Request

if TYPE_CHECKING:
    from costroute.router._router import Router

__all__ = ["answer_text", "labeling_budget", "labeling_call", "restore_labeling"]

log = logging.getLogger("costroute")


def answer_text(response: Any) -> str | None:
    """The text of a chat completion's first choice; None when it has none (tool calls)."""
    try:
        content = response.choices[0].message.content
    except (AttributeError, IndexError, TypeError):
        return None
    return content if isinstance(content, str) else None


def labeling_budget(
    state: RouterState, budget: Budget, wall_clock: Callable[[], float]
) -> BudgetManager:
    """The budget of sampled labelling: windows of its own, never the router's.

    In Redis (a fleet shares it) under the store's prefix plus ``labeling:``; while Redis
    is away a labelling reservation fails, and the sample is dropped and counted (never a
    caller's call). In this process for any other store.
    """
    from costroute.store import RedisStore

    backend = None
    store = state.store
    if isinstance(store, RedisStore):
        from costroute.budget import RedisBudgetBackend

        base = getattr(getattr(store.budget, "redis", None), "prefix", "costroute:")
        backend = RedisBudgetBackend(store.redis, f"{base}labeling:")
    return BudgetManager(budget, backend=backend, clock=wall_clock)


def restore_labeling(state: RouterState, manager: BudgetManager, ledger: Any) -> None:
    """Load this day's and month's labelling spend (``spent(..., purpose="labeling")``)
    into ``manager``, now and whenever the store says its windows may lack spend."""
    if ledger is None or not hasattr(ledger, "spent"):
        return

    def load() -> None:
        try:
            manager.load_spent_from(_LabelingSpend(ledger))
        except Exception as exc:
            log.warning("costroute: could not restore the labelling budget: %s", exc)

    load()
    state.store.on_restore(load)


class _LabelingSpend:
    """A ledger's ``spent`` of the labelling calls, for ``BudgetManager.load_spent_from``."""

    def __init__(self, ledger: Any) -> None:
        self.ledger = ledger

    def spent(self, since: Any, until: Any = None, **filters: Any) -> Decimal:
        found: Decimal = self.ledger.spent(since, until, purpose="labeling", **filters)
        return found


def labeling_call(router: Router, request: Request, budget: BudgetManager) -> Any:
    """One labelling call (a pinned ``request.model``), in the labeller's thread: the
    routed-call machinery with ``budget`` instead of the router's, no cache, recorded with
    purpose ``labeling``. Returns the response; raises as ``chat`` does."""
    providers.litellm()
    plan = router._plan(request)
    finish = router._finisher(request, plan, router.executor.clock(), router._new_id())
    finish.purpose, finish.budget = "labeling", budget
    counts = Counts()
    try:
        finish.reservation = router.state.reserve(request, plan, counts, budget)
    except BudgetExceeded as exc:
        finish.refused(exc)
        raise
    cover = router._cover(request, finish.reservation, counts, budget)
    try:
        outcome = router.executor.run(plan, request, router._timeout_of(request), finish, cover)
        finish(outcome, None)
        return outcome.response
    except BaseException:
        finish.release()
        raise
