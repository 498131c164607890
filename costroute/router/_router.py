"""Router: the drop-in chat client. ``chat`` and ``achat`` are twins over :class:`RouterBase`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from costroute import providers
from costroute._request import build_request
from costroute.errors import BudgetExceeded
from costroute.router._base import RouterBase
from costroute.router._bookkeeping import Bookkeeping
from costroute.router._finish import Call, Finisher, attach, replayed
from costroute.router._ledger import LedgerFace
from costroute.router._offload import AsyncOffload
from costroute.router._worst import Counts, counts_prompt
from costroute.types import Plan, Request

if TYPE_CHECKING:
    from costroute.budget import BudgetManager, Reservation
    from costroute.router._cover import BudgetCover
    from costroute.router._labeler import Labeler
    from costroute.router._labeling import Labeling

__all__ = ["Router"]


log = logging.getLogger("costroute")


class Router(AsyncOffload, LedgerFace, Bookkeeping, RouterBase):
    """Routes each chat call to a deployment; OpenAI-shaped in and out.

    >>> router = costroute.Router()                                     # doctest: +SKIP
    >>> resp = router.chat(messages=[{"role": "user", "content": "hi"}])  # doctest: +SKIP
    >>> resp.choices[0].message.content, resp.costroute.cost_usd          # doctest: +SKIP

    Its options are keyword arguments, each typed and described in one line by
    ``help(costroute.Router.__init__)``. Every keyword of a call that is not costroute's own
    (``max_cost_usd``, ``latency_target_ms``, ``user``, ``tenant``, ``tags``, ``policy``,
    ``model``) goes to litellm unchanged.
    """

    def _setup_labeling(self, labeling: Labeling | None, wall_clock: Callable[[], float]) -> None:
        self.labeling: Labeler | None = None
        if labeling is not None:  # the labeller is loaded only by a router that labels
            from costroute.router._labeler import labeler_for

            self.labeling = labeler_for(self, labeling, wall_clock)

    def close(self, timeout: float | None = 0.0) -> bool:
        """Stop the router's background work: sampled labelling takes no more samples and drops
        the waiting ones; the running one (if any) may finish within ``timeout`` seconds (None:
        wait for it). True when nothing runs any more. The ledger and store stay open."""
        if self.labeling is None:
            return True
        return self.labeling.close(timeout)

    # ---- bookkeeping ------------------------------------------------------------------------

    def _finisher(
        self, request: Request, plan: Plan, started: float, request_id: str, key: str | None = None
    ) -> Finisher:
        return Finisher(self, request, plan, started, request_id, key)

    # ---- one call -----------------------------------------------------------------------------

    def _begin(self, request: Request, kwargs: dict[str, Any]) -> Call:
        """Steps 2-4, no I/O: a cache hit (already settled) or a plan.

        The call's clock starts here, after the provider layer is loaded (the first call of a
        process imports litellm, about 3 s): that import is neither part of the call's deadline
        nor of the latency it records.
        """
        started = self.executor.clock()
        policy = self._policy_name(request)
        key = self._cache_key(request, kwargs.get("cache"), policy)
        if key is not None:
            found = self._lookup(key, policy)
            if found is not None:  # settled and recorded like any call, but never stored
                entry, dep, plan = found
                if self.observer is not None:
                    self.observer.decision(request, plan)
                finish = self._finisher(request, plan, started, self._new_id())
                info = finish(self._hit_outcome(entry, dep, plan), None)
                return Call(request, plan, None, (entry, info))
        plan, shadow, embedding = self._plan_and_shadow(request)
        if self.observer is not None:
            self.observer.decision(request, plan)
        finish = self._finisher(request, plan, started, self._new_id(), key)
        finish.shadow = shadow
        finish.embedding = embedding
        return Call(request, plan, finish)

    def _admit(
        self, request: Request, kwargs: dict[str, Any]
    ) -> tuple[Call, Counts, BudgetExceeded | None]:
        """Steps 2-5: :meth:`_begin`, then the plan's budget reservation (through the sync
        client, so that achat can run all of it in one worker thread); a refusal is returned,
        to be recorded and raised by the caller."""
        call = self._begin(request, kwargs)
        counts = Counts()
        if call.finish is not None:
            try:
                call.finish.reservation = self.state.reserve(call.request, call.plan, counts)
            except BudgetExceeded as exc:
                return call, counts, exc
        return call, counts, None

    def chat(self, messages: Any = None, **kwargs: Any) -> Any:
        """Route and answer one chat request (``stream=True`` returns an iterator of chunks).

        ``cache=False`` skips the response cache for this call (no lookup, no store).
        """
        request = build_request(messages, kwargs)
        providers.litellm()  # loaded once per process, before the call's clock starts
        call, counts, refusal = self._admit(request, kwargs)
        if call.hit is not None:
            entry, info = call.hit
            if call.request.stream:
                from costroute.router._replay import ReplayStream

                return ReplayStream(replayed(entry, call.request), info)
            return attach(providers.response_from_entry(entry), info)
        finish = call.finish
        assert finish is not None
        if refusal is not None:
            finish.refused(refusal)
            raise refusal
        cover = self._cover(call.request, finish.reservation, counts)
        try:
            if call.request.stream:  # the stream runner loads with the first stream
                from costroute.executor import StreamRun

                return StreamRun(
                    self.executor,
                    call.plan,
                    call.request,
                    self._timeout(call),
                    finish,
                    cover,
                    release=finish.release,
                )
            outcome = self.executor.run(call.plan, call.request, self._timeout(call), finish, cover)
            if call.plan.cascade is not None:  # loaded only by a policy that cascades
                from costroute.router._cascade import cascade

                left = self._time_left(finish)
                try:
                    outcome = cascade(self.executor, call.plan, call.request, outcome, left, cover)
                except BaseException as exc:  # interrupted: the first answer was billed
                    finish(outcome, exc)
                    raise
            return attach(outcome.response, finish(outcome, None))
        except BaseException:
            finish.release()  # a no-op when the failure was already settled
            raise

    async def achat(self, messages: Any = None, **kwargs: Any) -> Any:
        """Async twin of :meth:`chat` (``stream=True`` returns an async iterator)."""
        request = build_request(messages, kwargs)
        if not self._warm:  # imports and tokenizer loads take seconds: never on the event loop
            await asyncio.to_thread(self._warm_up)
        if self._offload_begin or (self.state.has_limits and counts_prompt(request)):
            # one worker thread for the cache, the plan and the reservation (and the tokenizer)
            call, counts, refusal = await asyncio.to_thread(self._admit, request, kwargs)
        else:  # nothing there does I/O
            call, counts, refusal = self._admit(request, kwargs)
        if call.hit is not None:
            entry, info = call.hit
            if call.request.stream:
                from costroute.router._replay import AsyncReplayStream

                return AsyncReplayStream(replayed(entry, call.request), info)
            return attach(providers.response_from_entry(entry), info)
        finish = call.finish
        assert finish is not None
        if refusal is not None:
            await self.executor.aoffload(finish, finish.refusal(), refusal)
            raise refusal
        cover = self._cover(call.request, finish.reservation, counts)
        try:
            if call.request.stream:
                from costroute.executor import AsyncStreamRun

                return AsyncStreamRun(
                    self.executor,
                    call.plan,
                    call.request,
                    self._timeout(call),
                    finish,
                    cover,
                    release=finish.release,
                )
            outcome = await self.executor.arun(
                call.plan, call.request, self._timeout(call), finish, cover
            )
            if call.plan.cascade is not None:
                from costroute.router._cascade import acascade

                left = self._time_left(finish)
                try:
                    outcome = await acascade(
                        self.executor, call.plan, call.request, outcome, left, cover
                    )
                except BaseException as exc:  # cancelled: the first answer was billed
                    await self.executor.aoffload(finish, outcome, exc)
                    raise
            return attach(outcome.response, await self.executor.aoffload(finish, outcome, None))
        except BaseException:
            if finish.reservation is not None:  # not settled yet: give it back
                await self.executor.aoffload(finish.release)
            raise

    def _timeout(self, call: Call) -> float:
        """The seconds the whole call may take: its own ``timeout=``, else the router's."""
        return self._timeout_of(call.request)

    def _timeout_of(self, request: Request) -> float:
        return request.timeout_s or self.timeout

    def _time_left(self, finish: Finisher) -> float:
        timeout = finish.request.timeout_s or self.timeout
        return timeout - (self.executor.clock() - finish.started)

    def _cover(
        self,
        request: Request,
        reservation: Reservation | None,
        counts: Counts,
        budget: BudgetManager | None = None,
    ) -> BudgetCover | None:
        """The call's budget cover, asked before every attempt (None: no budget limits)."""
        if reservation is None:
            return None
        from costroute.router._cover import BudgetCover  # loaded only by a budgeted router

        return BudgetCover(self.state, request, reservation, counts, budget=budget)
