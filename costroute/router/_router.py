"""Router: the drop-in chat client. ``chat`` and ``achat`` are twins over :class:`RouterBase`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from costroute import difficulty, providers
from costroute._request import build_request, prompt_text
from costroute.budget import BudgetManager, Reservation
from costroute.cache import MemoryResponseCache, entry_from_response, entry_from_stream
from costroute.errors import BudgetExceeded, ConfigError, LedgerError
from costroute.executor import AsyncStreamRun, Outcome, StreamRun
from costroute.router._base import RouterBase
from costroute.router._cascade import acascade, cascade
from costroute.router._cover import BudgetCover
from costroute.router._labeler import Labeler, answer_text, labeler_for
from costroute.router._labeling import Labeling
from costroute.router._replay import AsyncReplayStream, ReplayStream
from costroute.router._state import Counts
from costroute.types import CallInfo, Plan, Request, Usage

if TYPE_CHECKING:
    from costroute.ledger import Ledger, Purpose

__all__ = ["Router"]


log = logging.getLogger("costroute")


class Router(RouterBase):
    """Routes each chat call to a deployment; OpenAI-shaped in and out.

    >>> router = costroute.Router()                                     # doctest: +SKIP
    >>> resp = router.chat(messages=[{"role": "user", "content": "hi"}])  # doctest: +SKIP
    >>> resp.choices[0].message.content, resp.costroute.cost_usd          # doctest: +SKIP

    Its options are keyword arguments, each typed and described in one line by
    ``help(costroute.Router.__init__)``. Every keyword of a call that is not costroute's own
    (``max_cost_usd``, ``latency_target_ms``, ``user``, ``tenant``, ``tags``, ``policy``,
    ``model``) goes to litellm unchanged.
    """

    def _setup_offload(self) -> None:
        # What achat hands to a worker thread, so that the event loop never waits on I/O:
        # the cache lookup, planning and the budget reservation when they read Redis (or a hit
        # is recorded in the ledger), a breaker check before an attempt when the breakers are in
        # Redis, and settling (or giving a reservation back) when it writes a ledger or Redis.
        remote_cache = self.cache is not None and not isinstance(self.cache, MemoryResponseCache)
        remote_store = self.state.store.kind != "memory"
        self._offload_begin = (
            remote_store or remote_cache or (self.cache is not None and self.ledger is not None)
        )
        self._offload_settle = remote_store or remote_cache or self.ledger is not None
        self.executor.offload_breakers = remote_store
        if self._offload_settle:
            self.executor.offload = asyncio.to_thread

    def _setup_labeling(self, labeling: Labeling | None, wall_clock: Callable[[], float]) -> None:
        self.labeling: Labeler | None = None
        if labeling is not None:
            self.labeling = labeler_for(self, labeling, wall_clock)

    def close(self, timeout: float | None = 0.0) -> bool:
        """Stop the router's background work: sampled labelling takes no more samples and drops
        the waiting ones; the running one (if any) may finish within ``timeout`` seconds (None:
        wait for it). True when nothing runs any more. The ledger and store stay open."""
        if self.labeling is None:
            return True
        return self.labeling.close(timeout)

    def _offer(self, request: Request, info: CallInfo, outcome: Outcome) -> None:
        """Hand an answered call (a complete stream's text included) to sampled labelling;
        never fails the caller's call."""
        if self.labeling is None:
            return
        answer = outcome.text if outcome.response is None else answer_text(outcome.response)
        try:
            self.labeling.offer(request, info, answer)
        except Exception as exc:  # pragma: no cover - offer() only queues
            log.warning("costroute: labelling sample of %s dropped: %s", info.request_id, exc)

    def _labeling_call(self, request: Request, budget: BudgetManager) -> Any:
        """One labelling call (a pinned ``request.model``), in the labeller's thread: the
        routed-call machinery with ``budget`` instead of the router's, no cache, recorded with
        purpose ``labeling``. Returns the response; raises as ``chat`` does."""
        providers.litellm()
        plan = self._plan(request)
        finish = self._finisher(request, plan, self.executor.clock(), self._new_id())
        finish.purpose, finish.budget = "labeling", budget
        counts = Counts()
        try:
            finish.reservation = self.state.reserve(request, plan, counts, budget)
        except BudgetExceeded as exc:
            finish.refused(exc)
            raise
        cover = self._cover(request, finish.reservation, counts, budget)
        try:
            outcome = self.executor.run(plan, request, self._timeout_of(request), finish, cover)
            finish(outcome, None)
            return outcome.response
        except BaseException:
            finish.release()
            raise

    @property
    def budget(self) -> BudgetManager:
        """The budget manager: ``router.budget.status()`` shows every window."""
        return self.state.budget

    @property
    def usage(self) -> Ledger:
        """The ledger, for reports: ``router.usage.report(month="2026-11")``."""
        from costroute.ledger import Ledger

        if self.ledger is None:
            raise ConfigError(
                "This router keeps no ledger.",
                field="ledger",
                fix='pass Router(ledger="sqlite:///path/ledger.sqlite") or set COSTROUTE_LEDGER_URL',
            )
        if not isinstance(self.ledger, Ledger):
            raise ConfigError(
                f"This router's ledger ({type(self.ledger).__name__}) keeps records but makes no "
                "reports.",
                field="ledger",
                fix="read the records where your ledger keeps them, or pass a "
                "costroute.ledger.Ledger (a sqlite:/// or postgresql:// URL, or a subclass)",
            )
        return self.ledger

    def feedback(
        self, request_id: str, score: float, *, source: str = "user", note: str | None = None
    ) -> None:
        """Record how call ``request_id`` turned out: ``score`` from 0 (bad) to 1 (good).

        ``source`` says who judged (``"user"``, ``"tests"``, ``"app"``...); one outcome per
        call and source, a repeat replaces it. Stored in the ledger, joined to the call (see
        docs/ledger.md, "Outcomes"); a ConfigError when the router keeps no ledger.
        """
        self.usage.feedback(request_id, score, source=source, note=note, at=self.now())

    async def afeedback(
        self, request_id: str, score: float, *, source: str = "user", note: str | None = None
    ) -> None:
        """Async twin of :meth:`feedback` (the write runs in a worker thread)."""
        await self.usage.afeedback(request_id, score, source=source, note=note, at=self.now())

    # ---- bookkeeping ------------------------------------------------------------------------

    def _finisher(
        self, request: Request, plan: Plan, started: float, request_id: str, key: str | None = None
    ) -> _Finisher:
        return _Finisher(self, request, plan, started, request_id, key)

    def _store(self, key: str, outcome: Outcome, info: CallInfo) -> None:
        """Keep a complete answer in the response cache; a cache error is logged, not raised."""
        assert self.cache is not None
        if outcome.response is not None:
            entry = entry_from_response(
                outcome.response, outcome.finish_reason, info.deployment, info.baseline_cost_usd
            )
        else:
            entry = entry_from_stream(
                outcome.text,
                outcome.finish_reason,
                deployment=info.deployment,
                model=outcome.deployment.model.partition("/")[2] or outcome.deployment.model,
                usage=info.usage,
                baseline_usd=info.baseline_cost_usd,
            )
        if entry is None:
            return
        try:
            self.cache.set(key, entry)
        except Exception as exc:
            log.warning("costroute: response cache store failed for %s: %s", info.request_id, exc)

    def _record(
        self,
        request: Request,
        info: CallInfo,
        error: BaseException | None,
        shadow: tuple[str, str | None] | None = None,
        purpose: Purpose = "route",
    ) -> None:
        if self.ledger is None:
            return
        # Imported here, not at the top: the ledger brings sqlite3 and asyncio (~35 ms), which
        # `import costroute` should not pay for; after the first call this is a dict lookup.
        from costroute.ledger import CallRecord

        record = CallRecord.from_call(
            info,
            at=self.now(),
            user=request.user,
            tenant=request.tenant,
            tags=request.tags,
            prompt_hash=self._prompt_hash(request),
            prompt_text=prompt_text(request.messages) if self.store_prompts else None,
            features=difficulty.feature_vector(request.messages),
            status="refused" if isinstance(error, BudgetExceeded) else "error" if error else "ok",
            error_class=type(error).__name__ if error else None,
            stream=request.stream,
            ttft_ms=info.ttft_ms,
            shadow=shadow,
            purpose=purpose,
        )
        try:
            self.ledger.append(record)
        except Exception as exc:  # the ledger's own errors are reported, never lost silently
            if self.on_ledger_error == "raise":
                raise LedgerError(
                    f"Could not record call {info.request_id}: {exc}",
                    field="ledger",
                    fix='repair or move the ledger, or pass on_ledger_error="warn" to log instead',
                ) from exc
            log.warning("costroute: ledger write failed for %s: %s", info.request_id, exc)

    # ---- one call -----------------------------------------------------------------------------

    def _begin(self, request: Request, kwargs: dict[str, Any]) -> _Call:
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
                return _Call(request, plan, None, (entry, info))
        plan, shadow = self._plan_and_shadow(request)
        if self.observer is not None:
            self.observer.decision(request, plan)
        finish = self._finisher(request, plan, started, self._new_id(), key)
        finish.shadow = shadow
        return _Call(request, plan, finish)

    def _admit(
        self, request: Request, kwargs: dict[str, Any]
    ) -> tuple[_Call, Counts, BudgetExceeded | None]:
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
                return ReplayStream(_replayed(entry, call.request), info)
            return _attach(providers.response_from_entry(entry), info)
        finish = call.finish
        assert finish is not None
        if refusal is not None:
            finish.refused(refusal)
            raise refusal
        cover = self._cover(call.request, finish.reservation, counts)
        try:
            if call.request.stream:
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
            if call.plan.cascade is not None:
                left = self._time_left(finish)
                try:
                    outcome = cascade(self.executor, call.plan, call.request, outcome, left, cover)
                except BaseException as exc:  # interrupted: the first answer was billed
                    finish(outcome, exc)
                    raise
            return _attach(outcome.response, finish(outcome, None))
        except BaseException:
            finish.release()  # a no-op when the failure was already settled
            raise

    async def achat(self, messages: Any = None, **kwargs: Any) -> Any:
        """Async twin of :meth:`chat` (``stream=True`` returns an async iterator)."""
        request = build_request(messages, kwargs)
        if not providers.loaded():  # the import takes seconds: never on the event loop
            await asyncio.to_thread(providers.litellm)
        if self._offload_begin:  # one worker thread for the cache, the plan and the reservation
            call, counts, refusal = await asyncio.to_thread(self._admit, request, kwargs)
        else:  # nothing there does I/O
            call, counts, refusal = self._admit(request, kwargs)
        if call.hit is not None:
            entry, info = call.hit
            if call.request.stream:
                return AsyncReplayStream(_replayed(entry, call.request), info)
            return _attach(providers.response_from_entry(entry), info)
        finish = call.finish
        assert finish is not None
        if refusal is not None:
            await self.executor.aoffload(finish.refused, refusal)
            raise refusal
        cover = self._cover(call.request, finish.reservation, counts)
        try:
            if call.request.stream:
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
                left = self._time_left(finish)
                try:
                    outcome = await acascade(
                        self.executor, call.plan, call.request, outcome, left, cover
                    )
                except BaseException as exc:  # cancelled: the first answer was billed
                    await self.executor.aoffload(finish, outcome, exc)
                    raise
            return _attach(outcome.response, await self.executor.aoffload(finish, outcome, None))
        except BaseException:
            if finish.reservation is not None:  # not settled yet: give it back
                await self.executor.aoffload(finish.release)
            raise

    def _timeout(self, call: _Call) -> float:
        """The seconds the whole call may take: its own ``timeout=``, else the router's."""
        return self._timeout_of(call.request)

    def _timeout_of(self, request: Request) -> float:
        return request.timeout_s or self.timeout

    def _time_left(self, finish: _Finisher) -> float:
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
        return BudgetCover(self.state, request, reservation, counts, budget=budget)


class _Call(NamedTuple):
    """One call after steps 1-4: a cache hit (entry and settled CallInfo), or a plan to run."""

    request: Request
    plan: Plan
    finish: _Finisher | None
    hit: tuple[dict[str, Any], CallInfo] | None = None


def _replayed(entry: dict[str, Any], request: Request) -> list[Any]:
    """A cached answer's chunks; the usage chunk only when the caller asked for it."""
    return providers.chunks_from_entry(entry, include_usage=providers.wants_usage(request.params))


def _attach(response: Any, info: CallInfo) -> Any:
    """Set ``response.costroute`` without making it a serialised field of the response.

    The openai SDK's ChatCompletion is a pydantic model that allows extra fields: a plain
    setattr would put CallInfo into ``model_dump()`` and break ``model_dump_json()``; set on the
    instance's ``__dict__`` it is an attribute only (tests/router/test_openai_types.py).
    """
    object.__setattr__(response, "costroute", info)
    return response


class _Finisher:
    """Settles an outcome (step 7): price it, settle its budget reservation, record it, store a
    cacheable answer. The budget is settled before the ledger write, so a failing ledger never
    leaves money reserved."""

    __slots__ = (
        "budget",
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
        self.purpose: Purpose = "route"
        self.budget: BudgetManager | None = None  # the labelling budget, for a labelling call

    def __call__(self, outcome: Outcome, error: BaseException | None) -> CallInfo:
        router = self.router
        info = router._settle(self.request, self.plan, outcome, self.started, self.request_id)
        reservation, self.reservation = self.reservation, None
        router.state.settle(reservation, info, self.budget)
        router._record(self.request, info, error, self.shadow, self.purpose)
        if error is None and self.purpose == "route":  # answered: maybe a labelling sample
            router._offer(self.request, info, outcome)
        if self.key is not None and error is None and not outcome.cached:
            router._store(self.key, outcome, info)
        if router.observer is not None:
            router.observer.complete(self.request, info, error)
        return info

    def release(self) -> None:
        """Give the reservation back (an unexpected error before anything was settled)."""
        reservation, self.reservation = self.reservation, None
        self.router.state.settle(reservation, None, self.budget)

    def refused(self, error: BudgetExceeded) -> None:
        """Record a call the budget refused (nothing was sent, nothing billed)."""
        primary = self.plan.primary
        dep = self.router.deployments[primary.deployment]
        self(Outcome(None, dep, primary, [], Usage()), error)
