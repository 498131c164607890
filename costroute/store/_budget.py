"""The budget backend of a Redis store: Redis while it answers, the ``on_failure`` choice while
it does not.

* ``"closed"`` (the default): a reservation (or a further one, ``extend``) that cannot reach
  Redis is refused with :class:`~costroute.errors.BackendUnavailable` before any provider is
  contacted (:class:`~costroute.errors.BackendBusy` when the pool had no free connection).
* ``"open"``: it is taken in this process's memory, against the figures this process last saw
  in Redis plus what it reserved and spent since; the ``costroute`` logger has said that Redis is
  unreachable. The fleet may overspend by what the other processes spend meanwhile.

A settle or release that cannot reach Redis is not kept: the call's money is in the ledger, and
the store restores the windows from it once Redis answers (see costroute/store/_health.py). The
lease it leaves in Redis expires by itself (``BudgetManager(lease_s=600)``). A lease taken in
memory is settled in memory, and its spend also goes to Redis when it answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from costroute.budget import Lease, MemoryBudgetBackend, Outcome, RedisBudgetBackend, Slot, Usage
from costroute.errors import BackendBusy, BackendUnavailable
from costroute.store._health import Health

__all__ = ["OnFailure", "StoreBudget"]

OnFailure = Literal["closed", "open"]


class StoreBudget:
    """A :class:`~costroute.budget.BudgetBackend` over Redis."""

    remote = True  # the manager may reuse recent figures for pressure (no round trip)

    def __init__(
        self, redis: RedisBudgetBackend, health: Health, on_failure: OnFailure = "closed"
    ) -> None:
        self.redis = redis
        self.health = health
        self.on_failure = on_failure
        self.local = MemoryBudgetBackend()
        self._seen: dict[str, int] = {}  # spent + reserved last seen in Redis, per window
        self._here: dict[str, Lease | None] = {}  # leases held in memory -> the Redis one replaced
        self._used = False  # the in-process figures hold an outage's; reset once Redis answers

    def __repr__(self) -> str:
        return f"<StoreBudget {self.health.url} on_failure={self.on_failure!r}>"

    # ---- the decisions (no I/O to Redis) -----------------------------------------------------

    def _saw(self, slots: Sequence[Slot], outcome: Outcome) -> Outcome:
        if self._used and not self._here:  # Redis has it all now (settles, ledger restore)
            self.local, self._used = MemoryBudgetBackend(), False
        for slot, usage in zip(slots, outcome.usage, strict=True):
            self._seen[slot.key] = usage.spent + usage.reserved
        return outcome

    def _without_redis(
        self,
        slots: Sequence[Slot],
        lease: Lease,
        now: float,
        cause: BaseException | None,
        what: str,
        replaces: Lease | None = None,
    ) -> Outcome:
        """Redis could not take ``lease``: refuse (closed), or take it in memory (open)."""
        if self.on_failure == "closed":
            during = f"budget {what}; failing closed"
            if cause is not None and self.health.is_busy(cause):
                raise BackendBusy(self.health.url, cause, during=during)
            raise BackendUnavailable(self.health.url, during=during)
        for slot in slots:  # never below what Redis last said
            self.local.restore(slot, self._seen.get(slot.key, 0), now)
        self._used = True
        outcome = self.local.reserve(slots, lease, now)
        if outcome.refused < 0:
            self._here[lease.id] = replaces
        return outcome

    def _settle_here(
        self, slots: Sequence[Slot], lease: Lease, actual: int, now: float
    ) -> Lease | None:
        """Settle a lease held in memory. Returns what to settle in Redis as well (its spend,
        and the release of the Redis lease it replaced), or None when there is nothing."""
        replaced = self._here.pop(lease.id)
        self.local.settle(slots, lease, actual, now)
        if not actual and replaced is None:
            return None
        return replaced or Lease(lease.id, 0, lease.expires)  # not in Redis: the spend only

    def _send(self, slots: Sequence[Slot], lease: Lease, actual: int, now: float) -> None:
        if not self.health.ready():
            self.health.lost()
            return
        try:
            self.redis.settle(slots, lease, actual, now)
        except self.health.errors as exc:
            self.health.failed(exc, "budget settle")

    # ---- BudgetBackend -----------------------------------------------------------------------

    def reserve(self, slots: Sequence[Slot], lease: Lease, now: float) -> Outcome:
        cause: BaseException | None = None
        if self.health.ready():
            try:
                return self._saw(slots, self.redis.reserve(slots, lease, now))
            except self.health.errors as exc:
                self.health.failed(exc, "budget reserve")
                cause = exc
        return self._without_redis(slots, lease, now, cause, "reserve")

    def extend(self, slots: Sequence[Slot], lease: Lease, grown: Lease, now: float) -> Outcome:
        if lease.id in self._here:
            return self.local.extend(slots, lease, grown, now)
        cause: BaseException | None = None
        if self.health.ready():
            try:
                return self._saw(slots, self.redis.extend(slots, lease, grown, now))
            except self.health.errors as exc:
                self.health.failed(exc, "budget extend")
                cause = exc
        return self._without_redis(slots, grown, now, cause, "extend", replaces=lease)

    def settle(self, slots: Sequence[Slot], lease: Lease, actual: int, now: float) -> None:
        held: Lease | None = lease
        if lease.id in self._here:
            held = self._settle_here(slots, lease, actual, now)
        if held is not None:
            self._send(slots, held, actual, now)

    def queue_settle(
        self, pipeline: Any, slots: Sequence[Slot], lease: Lease, actual: int, now: float
    ) -> None:
        """Queue the settle on the store's ``pipeline`` (the store sends it and handles a
        failure); a lease held in memory is settled there, and its spend queued."""
        held: Lease | None = lease
        if lease.id in self._here:
            held = self._settle_here(slots, lease, actual, now)
        if held is not None:
            self.redis.queue_settle(pipeline, slots, held, actual, now)

    def usage(self, keys: Sequence[str], now: float) -> tuple[Usage, ...]:
        return self.health.call(
            "budget usage", lambda: self.redis.usage(keys, now), lambda: self.local.usage(keys, now)
        )

    def windows(self, now: float) -> dict[str, Usage]:
        return self.health.call(
            "budget status", lambda: self.redis.windows(now), lambda: self.local.windows(now)
        )

    def restore(self, slot: Slot, spent: int, now: float) -> None:
        self.health.call(
            "budget restore",
            lambda: self.redis.restore(slot, spent, now),
            lambda: self.local.restore(slot, spent, now),
        )
