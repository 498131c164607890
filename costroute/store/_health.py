"""Whether the store's Redis answers, how often to try it while it does not, and when the
shared budget windows must be restored from the ledger.

* **Pacing.** An operation that fails marks Redis down; while it is down no operation tries
  it, and the first one ``retry_s`` seconds later (injected clock) asks the server again, once
  for the whole process: one connection attempt per ``retry_s``, not one per call. (redis-py's
  own ``Retry`` retries one command, with backoff, inside that command: it would make each call
  wait longer during an outage, not try Redis less often, so the store's clients have none.)
* **Restore.** Nothing that failed is queued or replayed. The ledger is the truth budgets are
  restored from: when Redis answers again after an outage, when it came back as a new server
  (its ``run_id`` changed: it may have restarted empty), and ``retry_s`` after any operation
  that failed or any budget write that was not sent, the ``on_restore`` hooks run (the router
  registers ``BudgetManager.load_spent_from``, which raises each window to the ledger's figure
  and never lowers one).
* **A busy pool is not an outage.** A wait for a pooled connection that ran out
  (costroute/_redis_clients.py) fails that one operation, but Redis stays up for the next.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

__all__ = ["Health"]

log = logging.getLogger("costroute")

T = TypeVar("T")


def _redis_errors() -> tuple[type[BaseException], ...]:
    import redis.exceptions

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


def _busy_errors() -> tuple[type[BaseException], ...]:
    from costroute._redis_clients import pool_busy_errors

    return pool_busy_errors()


@dataclass(eq=False)
class Health:
    """The state of one store's Redis, shared by its budget, latency and breaker parts.

    ``probe`` asks the server for its ``run_id`` (one round trip); the store's connect hook sets
    ``reconnected`` on every new connection, after which the next operation checks the run_id
    (redis-py replaces a dead pooled connection by itself, so a restart between two calls
    leaves no other trace).
    """

    url: str
    clock: Callable[[], float]
    retry_s: float = 5.0
    probe: Callable[[], object] | None = None
    run_id: object = None
    down_since: float | None = None  # when Redis was found unreachable; None while it answers
    next_try: float = 0.0  # while down: when to try it again
    restore_at: float | None = None  # when the next restore from the ledger is due
    reconnected: bool = False  # a new connection was made: Redis may be a new server
    pool_timeouts: int = 0  # operations that found no free connection in time (not outages)
    on_restore: list[Callable[[], None]] = field(default_factory=list)
    errors: tuple[type[BaseException], ...] = field(default_factory=_redis_errors)
    busy: tuple[type[BaseException], ...] = field(default_factory=_busy_errors)
    _busy_logged: float = field(default=-math.inf, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # ---- may Redis be used now? ------------------------------------------------------------

    def _down(self, now: float) -> bool:
        return self.down_since is not None and now < self.next_try

    def _due(self, now: float) -> bool:
        """Whether the server must be asked before the next operation."""
        if self.down_since is not None:
            return now >= self.next_try
        return self.reconnected or (self.restore_at is not None and now >= self.restore_at)

    def ready(self) -> bool:
        """True when Redis may be used now; False while it is believed down.

        After an outage (once ``retry_s`` passed), after a new connection, or when a restore is
        due, it first asks the server's run_id (the reconnect attempt) and then runs the restore
        hooks if Redis was down, is a new server, or a restore is due.
        """
        now = self.clock()
        if self._down(now):
            return False
        if not self._due(now):
            return True
        with self._lock:  # one probe at a time; the others then see its outcome
            now = self.clock()
            if self._down(now):
                return False
            if not self._due(now):
                return True
            try:
                run_id = self.probe() if self.probe is not None else self.run_id
            except self.errors as exc:
                self.failed(exc, "reconnect")
                return False
            restore = (
                self.down_since is not None
                or run_id != self.run_id
                or (self.restore_at is not None and now >= self.restore_at)
            )
            if self.down_since is not None:
                log.warning("costroute: the store at %s answers again", self.url)
            self.down_since, self.reconnected, self.run_id = None, False, run_id
            if self.restore_at is not None and now >= self.restore_at:
                self.restore_at = None
        if restore:  # outside the lock: the hooks write to Redis through this health
            self._restore()
        return True

    def _restore(self) -> None:
        for hook in list(self.on_restore):
            try:
                hook()
            except self.errors as exc:
                self.failed(exc, "restore")

    # ---- what happened -----------------------------------------------------------------------

    def is_busy(self, exc: BaseException) -> bool:
        """True when ``exc`` says the pool had no free connection in time (Redis answers)."""
        return isinstance(exc, self.busy)

    def lost(self) -> None:
        """A budget write was not sent (Redis believed down): restore ``retry_s`` from now,
        by when the call's ledger record is written."""
        self.restore_at = self.clock() + self.retry_s

    def failed(self, exc: BaseException, what: str) -> None:
        """An operation failed with ``exc``: Redis is down from now on (unless the error only
        says the pool was busy), and a restore is due once it answers, ``retry_s`` from now."""
        now = self.clock()
        self.restore_at = now + self.retry_s
        if self.is_busy(exc):
            self.pool_timeouts += 1
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
            return
        if self.down_since is None:
            self.down_since = now
            log.warning(
                "costroute: the store at %s is unreachable (%s): %s; trying again every %gs",
                self.url,
                what,
                exc,
                self.retry_s,
            )
        self.next_try = now + self.retry_s

    # ---- one operation with an in-process answer to fall back on -------------------------

    def call(self, what: str, remote: Callable[[], T], local: Callable[[], T]) -> T:
        """``remote()`` while Redis answers, else (or when it fails) ``local()``."""
        if self.ready():
            try:
                return remote()
            except self.errors as exc:
                self.failed(exc, what)
        return local()
