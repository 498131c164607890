"""What a Redis-backed store does when Redis goes away mid-run, and when it comes back.

* **Budgets** follow the configured choice:

  - ``"closed"`` (the default): a call that needs a reservation is refused with
    :class:`~costroute.errors.BackendUnavailable` before any provider is contacted, so a fleet
    budget cannot be overspent while its state is out of reach;
  - ``"open"``: reservations are taken in an in-process backend seeded with the last figures
    seen from Redis, with a warning; the fleet may overspend by what other processes do in the
    meantime.

  Either way, a settle that cannot reach Redis (the call has happened: its money is real) is
  kept, and every kept settle and every settle taken locally is replayed into Redis when it
  answers again (reconciliation), before anything else is sent there.
* **Latency statistics, breakers and the response cache** always fail open: they fall back to
  in-process state (a cache miss, for the cache) and never fail a call.

Redis is retried at most every ``retry_s`` seconds (injected clock), so an outage costs one
failed connection attempt per ``retry_s``, not one per call.

**A busy pool is not an outage.** The store's clients wait for a free connection of their pool
(``max_connections``, ``pool_timeout_s``: costroute/_redis_clients.py). A wait that runs out
(``PoolTimeout``) fails that one operation as above (the budget refuses with
:class:`~costroute.errors.BackendBusy` when failing closed, or reserves locally when failing
open; a settle is kept for replay; the other components answer from their twin), but Redis is
not marked down: the next operation uses it as usual.
"""

from __future__ import annotations

import inspect
import logging
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from costroute.budget import BudgetBackend, Lease, MemoryBudgetBackend, Outcome, Slot, Usage
from costroute.errors import BackendBusy, BackendUnavailable

__all__ = ["FailoverBudget", "FailoverProxy", "Health", "OnFailure"]

log = logging.getLogger("costroute")

OnFailure = Literal["closed", "open"]


def _redis_errors() -> tuple[type[BaseException], ...]:
    import redis.exceptions

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


def _busy_errors() -> tuple[type[BaseException], ...]:
    from costroute._redis_clients import pool_busy_errors

    return pool_busy_errors()


@dataclass
class Health:
    """Whether Redis is believed up; when it is down, when to try it again."""

    url: str
    clock: Callable[[], float]
    retry_s: float = 5.0
    down_since: float | None = None
    next_try: float = 0.0
    errors: tuple[type[BaseException], ...] = field(default_factory=_redis_errors)
    on_recover: list[Callable[[], None]] = field(default_factory=list)
    on_restart: list[Callable[[], None]] = field(default_factory=list)
    reconnected: bool = False  # a new connection was made: Redis may have restarted
    # errors (among ``errors``) that say this process's pool is exhausted, not that Redis is down
    busy: tuple[type[BaseException], ...] = field(default_factory=_busy_errors)
    pool_timeouts: int = 0  # operations that found no free connection in time (not outages)
    _busy_logged: float = field(default=-math.inf, init=False, repr=False)

    def check_restart(self) -> None:
        """After a new connection while believed up: run the restart detector once."""
        if not self.reconnected or self.down_since is not None:
            return
        self.reconnected = False
        for hook in self.on_recover:
            try:
                hook()
            except self.errors as exc:
                if self.is_busy(exc):
                    self.reconnected = True  # not checked yet: the next operation tries again
                self.failed(exc, "restart check")

    def worth_trying(self) -> bool:
        return self.down_since is None or self.clock() >= self.next_try

    def is_busy(self, exc: BaseException) -> bool:
        """True when ``exc`` says the pool had no free connection in time (Redis answers)."""
        return isinstance(exc, self.busy)

    def failed(self, exc: BaseException, what: str) -> None:
        """An operation on Redis failed with ``exc``: Redis is down from now on, unless the
        error only says that the pool was busy (then it is counted, and Redis stays up)."""
        if self.is_busy(exc):
            self._waited_out(exc, what)
            return
        now = self.clock()
        if self.down_since is None:
            self.down_since = now
            log.warning("costroute: the store at %s is unreachable (%s): %s", self.url, what, exc)
        self.next_try = now + self.retry_s

    def _waited_out(self, exc: BaseException, what: str) -> None:
        self.pool_timeouts += 1
        now = self.clock()
        if now >= self._busy_logged + self.retry_s:  # at most one line per retry_s
            self._busy_logged = now
            log.warning(
                "costroute: no free connection to the store at %s (%s): %s; Redis is not "
                "marked down (raise max_connections or pool_timeout_s, or send fewer "
                "concurrent calls)",
                self.url,
                what,
                exc,
            )

    def recovered(self) -> None:
        if self.down_since is None:
            return
        log.warning("costroute: the store at %s answers again", self.url)
        self.down_since = None
        for hook in self.on_recover:
            try:
                hook()
            except self.errors as exc:
                self.failed(exc, "recovery check")


class FailoverBudget:
    """A :class:`BudgetBackend` over Redis that fails closed or open, and reconciles."""

    remote = True  # the manager may reuse recent figures for pressure (no round trip)

    def __init__(
        self,
        primary: BudgetBackend,
        health: Health,
        on_failure: OnFailure = "closed",
        local: MemoryBudgetBackend | None = None,
    ) -> None:
        self.primary = primary
        self.health = health
        self.on_failure = on_failure
        self.local = local or MemoryBudgetBackend()
        self._lock = threading.Lock()
        self._seen: dict[str, int] = {}  # last spent + reserved seen in Redis, per window key
        self._local_leases: set[str] = set()
        self._pending: list[tuple[tuple[Slot, ...], Lease, int]] = []  # settles to replay
        self._queued: dict[int, list[tuple[tuple[Slot, ...], Lease, int]]] = {}  # per pipeline

    # ---- health and the decisions shared by the sync and async paths ---------------------------

    def _take_pending(self) -> list[tuple[tuple[Slot, ...], Lease, int]]:
        with self._lock:
            pending, self._pending = self._pending, []
        return pending

    def _put_back(self, pending: list[tuple[tuple[Slot, ...], Lease, int]]) -> None:
        with self._lock:
            self._pending[:0] = pending

    def _keep(self, slots: Sequence[Slot], lease: Lease, actual: int) -> None:
        with self._lock:
            self._pending.append((tuple(slots), lease, actual))

    def _seen_in_redis(self, slots: Sequence[Slot], outcome: Outcome) -> Outcome:
        for slot, usage in zip(slots, outcome.usage, strict=True):
            self._seen[slot.key] = usage.spent + usage.reserved
        return outcome

    def _reserve_locally(
        self, slots: Sequence[Slot], lease: Lease, now: float, cause: BaseException | None
    ) -> Outcome:
        """Redis could not take the reservation (down, or ``cause``): refuse, or fail open."""
        if self.on_failure == "closed":
            if cause is not None and self.health.is_busy(cause):
                raise BackendBusy(self.health.url, cause, during="budget reserve; failing closed")
            raise BackendUnavailable(self.health.url, during="budget reserve; failing closed")
        for slot in slots:  # fail open: start from what Redis last said
            self.local.restore(slot, self._seen.get(slot.key, 0), now)
        outcome = self.local.reserve(slots, lease, now)
        if outcome.refused < 0:
            self._local_leases.add(lease.id)
        return outcome

    def _extend_locally(
        self,
        slots: Sequence[Slot],
        lease: Lease,
        grown: Lease,
        now: float,
        cause: BaseException | None = None,
    ) -> Outcome:
        """Grow a Redis lease while Redis is out of reach: refused when failing closed; when
        failing open, the lease moves here at its new amount (against the last figures seen,
        which still count the old amount: cautious) and its release in Redis is kept for replay."""
        if self.on_failure == "closed":
            if cause is not None and self.health.is_busy(cause):
                raise BackendBusy(self.health.url, cause, during="budget extend; failing closed")
            raise BackendUnavailable(self.health.url, during="budget extend; failing closed")
        outcome = self._reserve_locally(slots, grown, now, cause)
        if outcome.refused < 0:
            self._keep(slots, lease, 0)
        return outcome

    def _settled_locally(
        self, slots: Sequence[Slot], lease: Lease, actual: int, now: float
    ) -> bool:
        """Settle a lease taken while Redis was down; its spend is kept for replay."""
        if lease.id not in self._local_leases:
            return False
        self._local_leases.discard(lease.id)
        self.local.settle(slots, lease, actual, now)
        if actual:
            self._keep(slots, Lease(lease.id, 0, lease.expires), actual)
        return True

    def _replay(self, now: float) -> bool:
        """Replay kept settles into Redis, in order; True when Redis is usable now, False while
        it is believed down. A replay that fails keeps what it did not send, and raises."""
        self.health.check_restart()
        if not self.health.worth_trying():
            return False
        pending = self._take_pending()
        try:
            while pending:
                slots, lease, actual = pending[0]
                self.primary.settle(slots, lease, actual, now)
                pending.pop(0)
        except self.health.errors:
            self._put_back(pending)
            raise
        self.health.recovered()
        return True

    async def _areplay(self, now: float) -> bool:
        self.health.check_restart()
        if not self.health.worth_trying():
            return False
        pending = self._take_pending()
        try:
            while pending:
                slots, lease, actual = pending[0]
                await self.primary.asettle(slots, lease, actual, now)  # type: ignore[attr-defined]
                pending.pop(0)
        except self.health.errors:
            self._put_back(pending)
            raise
        self.health.recovered()
        return True

    def _reconcile(self, now: float) -> bool:
        """:meth:`_replay`, with a failure recorded in the health instead of raised."""
        try:
            return self._replay(now)
        except self.health.errors as exc:
            self.health.failed(exc, "reconciling")
            return False

    async def _areconcile(self, now: float) -> bool:
        try:
            return await self._areplay(now)
        except self.health.errors as exc:
            self.health.failed(exc, "reconciling")
            return False

    # ---- BudgetBackend -----------------------------------------------------------------------

    def reserve(self, slots: Sequence[Slot], lease: Lease, now: float) -> Outcome:
        cause: BaseException | None = None
        try:
            if self._replay(now):
                return self._seen_in_redis(slots, self.primary.reserve(slots, lease, now))
        except self.health.errors as exc:
            self.health.failed(exc, "reserve")
            cause = exc
        return self._reserve_locally(slots, lease, now, cause)

    def extend(self, slots: Sequence[Slot], lease: Lease, grown: Lease, now: float) -> Outcome:
        if lease.id in self._local_leases:
            return self.local.extend(slots, lease, grown, now)
        cause: BaseException | None = None
        if self._reconcile(now):
            try:
                return self._seen_in_redis(slots, self.primary.extend(slots, lease, grown, now))
            except self.health.errors as exc:
                self.health.failed(exc, "extend")
                cause = exc
        return self._extend_locally(slots, lease, grown, now, cause)

    def settle(self, slots: Sequence[Slot], lease: Lease, actual: int, now: float) -> None:
        if self._settled_locally(slots, lease, actual, now):
            self._reconcile(now)
            return
        if self._reconcile(now):
            try:
                self.primary.settle(slots, lease, actual, now)
                return
            except self.health.errors as exc:
                self.health.failed(exc, "settle")
        self._keep(slots, lease, actual)  # the lease in Redis expires by itself

    def usage(self, keys: Sequence[str], now: float) -> tuple[Usage, ...]:
        if self._reconcile(now):
            try:
                return self.primary.usage(keys, now)
            except self.health.errors as exc:
                self.health.failed(exc, "usage")
        return self.local.usage(keys, now)

    def windows(self, now: float) -> dict[str, Usage]:
        if self._reconcile(now):
            try:
                return self.primary.windows(now)
            except self.health.errors as exc:
                self.health.failed(exc, "status")
        return self.local.windows(now)

    def restore(self, slot: Slot, spent: int, now: float) -> None:
        if self._reconcile(now):
            try:
                self.primary.restore(slot, spent, now)
                return
            except self.health.errors as exc:
                self.health.failed(exc, "restore")
        self.local.restore(slot, spent, now)

    # ---- AsyncBudgetBackend ------------------------------------------------------------------

    async def areserve(self, slots: Sequence[Slot], lease: Lease, now: float) -> Outcome:
        cause: BaseException | None = None
        try:
            if await self._areplay(now):
                outcome = await self.primary.areserve(slots, lease, now)  # type: ignore[attr-defined]
                return self._seen_in_redis(slots, outcome)
        except self.health.errors as exc:
            self.health.failed(exc, "reserve")
            cause = exc
        return self._reserve_locally(slots, lease, now, cause)

    async def aextend(
        self, slots: Sequence[Slot], lease: Lease, grown: Lease, now: float
    ) -> Outcome:
        if lease.id in self._local_leases:
            return self.local.extend(slots, lease, grown, now)
        cause: BaseException | None = None
        if await self._areconcile(now):
            try:
                outcome = await self.primary.aextend(slots, lease, grown, now)  # type: ignore[attr-defined]
                return self._seen_in_redis(slots, outcome)
            except self.health.errors as exc:
                self.health.failed(exc, "extend")
                cause = exc
        return self._extend_locally(slots, lease, grown, now, cause)

    async def asettle(self, slots: Sequence[Slot], lease: Lease, actual: int, now: float) -> None:
        if self._settled_locally(slots, lease, actual, now):
            await self._areconcile(now)
            return
        if await self._areconcile(now):
            try:
                await self.primary.asettle(slots, lease, actual, now)  # type: ignore[attr-defined]
                return
            except self.health.errors as exc:
                self.health.failed(exc, "settle")
        self._keep(slots, lease, actual)

    async def ausage(self, keys: Sequence[str], now: float) -> tuple[Usage, ...]:
        if await self._areconcile(now):
            try:
                return await self.primary.ausage(keys, now)  # type: ignore[attr-defined,no-any-return]
            except self.health.errors as exc:
                self.health.failed(exc, "usage")
        return self.local.usage(keys, now)

    # ---- settles queued on a caller's pipeline (one round trip with the health writes) -------

    def queue_settle(
        self, pipeline: Any, slots: Sequence[Slot], lease: Lease, actual: int, now: float
    ) -> None:
        """Queue the settle on ``pipeline``; :meth:`pipeline_done` says whether it was sent."""
        if self._settled_locally(slots, lease, actual, now):
            return
        if not self.health.worth_trying() or self.pending:
            self._keep(slots, lease, actual)  # replayed, in order, by the next reserve
            return
        # the primary is a RedisBudgetBackend (redis_store builds it), which has queue_settle
        self.primary.queue_settle(pipeline, slots, lease, actual, now)  # type: ignore[attr-defined]
        with self._lock:
            self._queued.setdefault(id(pipeline), []).append((tuple(slots), lease, actual))

    def pipeline_done(self, pipeline: Any, error: BaseException | None) -> None:
        """The pipeline was executed (``error`` None) or failed: keep its settles for replay."""
        with self._lock:
            queued = self._queued.pop(id(pipeline), [])
            if error is not None:
                self._pending.extend(queued)
        if error is not None:
            self.health.failed(error, "settle")

    @property
    def pending(self) -> int:
        """Settles waiting to be replayed into Redis."""
        return len(self._pending)


class FailoverProxy:
    """Any Redis-backed component (latency stats, breakers, cache) with an in-process twin.

    Each method call goes to Redis while it answers and to the in-process twin while it does
    not; these components hold hints, not money, so they always fail open.
    """

    def __init__(self, primary: Any, local: Any, health: Health) -> None:
        self._primary = primary
        self._local = local
        self._health = health

    @property
    def primary(self) -> Any:
        """The Redis-backed component (for pipelining its writes)."""
        return self._primary

    @property
    def local(self) -> Any:
        """The in-process twin used while Redis is down."""
        return self._local

    def __getattr__(self, name: str) -> Any:
        """The failover wrapper of the twins' method ``name``, built on first use and kept.

        ``__getattr__`` runs only when normal lookup fails: once the wrapper is stored on the
        instance, later calls find it directly. It reads the health at call time. Attributes
        that are not methods are read from the primary each time, never kept.
        """
        primary = getattr(self._primary, name)
        local = getattr(self._local, name)
        if not callable(primary):
            return primary
        wrapper = self._wrap(name, primary, local)
        setattr(self, name, wrapper)
        return wrapper

    def _wrap(self, name: str, primary: Any, local: Any) -> Callable[..., Any]:
        health = self._health
        if inspect.iscoroutinefunction(primary):

            async def acall(*args: Any, **kwargs: Any) -> Any:
                if health.worth_trying():
                    try:
                        result = await primary(*args, **kwargs)
                    except health.errors as exc:
                        health.failed(exc, name)
                    else:
                        health.recovered()
                        return result
                outcome = local(*args, **kwargs)
                return await outcome if inspect.isawaitable(outcome) else outcome

            return acall

        def call(*args: Any, **kwargs: Any) -> Any:
            if health.worth_trying():
                try:
                    result = primary(*args, **kwargs)
                except health.errors as exc:
                    health.failed(exc, name)
                else:
                    health.recovered()
                    return result
            return local(*args, **kwargs)

        return call
