"""Budget state in Redis, shared by every process and host: atomic reserve/settle in Lua.

Each operation is one script call (one round trip): reserve checks every window and takes the
lease in all of them or none; extend grows a lease the same way (all windows or none); settle
adds the spend and drops the lease; expired leases are removed inside the scripts; window keys
expire after their window (plus a margin). Scripts run by EVALSHA and are loaded on first
NOSCRIPT. ``queue_settle`` puts a settle on the caller's pipeline, so a router can send it in
the same round trip as its latency stats.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from costroute.budget import _lua
from costroute.budget._backend import Lease, Outcome, Slot, Usage, duplicate_lease
from costroute.errors import ConfigError

if TYPE_CHECKING:
    import redis

__all__ = ["RedisBudgetBackend"]


class _Script:
    __slots__ = ("sha", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.sha = hashlib.sha1(text.encode()).hexdigest()


_RESERVE, _EXTEND, _SETTLE, _USAGE, _WINDOWS, _RESTORE = (
    _Script(t)
    for t in (_lua.RESERVE, _lua.EXTEND, _lua.SETTLE, _lua.USAGE, _lua.WINDOWS, _lua.RESTORE)
)


def _str(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _outcome(flat: Sequence[Any], lease: Lease) -> Outcome:
    refused = int(flat[0])
    if refused == -2:
        raise duplicate_lease(lease)
    return Outcome(refused, _usages(flat, 1))


def _usages(flat: Sequence[Any], start: int = 0) -> tuple[Usage, ...]:
    return tuple(Usage(int(flat[i]), int(flat[i + 1])) for i in range(start, len(flat) - 1, 2))


class RedisBudgetBackend:
    """Budgets in Redis under ``prefix`` (default ``"costroute:"``).

    ``client`` is a ``redis.Redis``; async code (``BudgetManager.areserve`` ...) calls the
    backend in a worker thread. Responses may be bytes or str (``decode_responses`` does not
    matter). Not for Redis Cluster: one reserve touches
    several keys that need not share a hash slot.
    """

    remote = True

    def __init__(
        self,
        client: redis.Redis,
        prefix: str = "costroute:",
    ) -> None:
        if client is None:
            raise ConfigError(
                "RedisBudgetBackend needs a Redis client.",
                field="client",
                fix="pass redis.Redis.from_url(url)",
            )
        if not isinstance(prefix, str):
            raise ConfigError(
                f"prefix={prefix!r} is not a string.", field="prefix", fix="e.g. 'costroute:'"
            )
        from redis.exceptions import NoScriptError

        self._noscript = NoScriptError
        self.client = client
        self.prefix = prefix
        # v2: integer nanodollars; the keys of 0.1 (picodollars, budget:s: ...) are ignored.
        self._index = f"{prefix}budget:v2:index"
        self._hash = f"{prefix}budget:v2:s:"
        self._leases = f"{prefix}budget:v2:l:"

    def __repr__(self) -> str:
        return f"<RedisBudgetBackend prefix={self.prefix!r}>"

    # ---- the arguments of each script (no I/O) -----------------------------------------------

    def _pairs(self, keys: Sequence[str]) -> list[str]:
        out: list[str] = []
        for key in keys:
            out += (self._hash + key, self._leases + key)
        return out

    def _reserve_args(
        self, slots: Sequence[Slot], lease: Lease, now: float
    ) -> tuple[list[str], list[str]]:
        keys = [self._index, *self._pairs([s.key for s in slots])]
        args = [repr(now), str(lease.amount), lease.member, repr(lease.expires)]
        for s in slots:
            args += (str(s.limit), str(s.ttl), s.key)
        return keys, args

    def _extend_args(
        self, slots: Sequence[Slot], lease: Lease, grown: Lease, now: float
    ) -> tuple[list[str], list[str]]:
        keys = [self._index, *self._pairs([s.key for s in slots])]
        args = [repr(now), lease.member, str(grown.amount), grown.member, repr(grown.expires)]
        for s in slots:
            args += (str(s.limit), str(s.ttl), s.key)
        return keys, args

    def _settle_args(
        self, slots: Sequence[Slot], lease: Lease, actual: int, now: float
    ) -> tuple[list[str], list[str]]:
        keys = [self._index, *self._pairs([s.key for s in slots])]
        args = [repr(now), str(actual), lease.member, str(lease.amount)]
        for s in slots:
            args += (str(s.ttl), s.key)
        return keys, args

    # ---- round trips -------------------------------------------------------------------------

    def _run(self, script: _Script, keys: Sequence[str], args: Sequence[str]) -> Any:
        client = self.client
        try:
            return client.evalsha(script.sha, len(keys), *keys, *args)
        except self._noscript:
            client.script_load(script.text)
            return client.evalsha(script.sha, len(keys), *keys, *args)

    def reserve(self, slots: Sequence[Slot], lease: Lease, now: float) -> Outcome:
        return _outcome(self._run(_RESERVE, *self._reserve_args(slots, lease, now)), lease)

    def extend(self, slots: Sequence[Slot], lease: Lease, grown: Lease, now: float) -> Outcome:
        flat = self._run(_EXTEND, *self._extend_args(slots, lease, grown, now))
        return Outcome(int(flat[0]), _usages(flat, 1))

    def settle(self, slots: Sequence[Slot], lease: Lease, actual: int, now: float) -> None:
        self._run(_SETTLE, *self._settle_args(slots, lease, actual, now))

    def queue_settle(
        self, pipeline: Any, slots: Sequence[Slot], lease: Lease, actual: int, now: float
    ) -> None:
        """Queue the settle on ``pipeline`` (a redis-py pipeline); the caller executes it.

        Sent as EVAL (the script text), so it cannot fail with NOSCRIPT inside someone else's
        pipeline; Redis caches the compiled script by its SHA either way.
        """
        keys, args = self._settle_args(slots, lease, actual, now)
        pipeline.eval(_SETTLE.text, len(keys), *keys, *args)

    def usage(self, keys: Sequence[str], now: float) -> tuple[Usage, ...]:
        if not keys:
            return ()
        return _usages(self._run(_USAGE, self._pairs(keys), [repr(now)]))

    def windows(self, now: float) -> dict[str, Usage]:
        flat = self._run(_WINDOWS, [self._index], [repr(now), self._hash, self._leases])
        return {
            _str(flat[i]): Usage(int(flat[i + 1]), int(flat[i + 2])) for i in range(0, len(flat), 3)
        }

    def restore(self, slot: Slot, spent: int, now: float) -> None:
        self._run(
            _RESTORE,
            [self._index, self._hash + slot.key],
            [repr(now), str(spent), str(slot.ttl), slot.key],
        )
