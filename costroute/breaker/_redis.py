"""Circuit breakers in Redis: a breaker opened by one process is seen by every other.

One hash per deployment, ``<prefix>brk:{D}``, changed only by the Lua scripts of ``_lua.py``
(atomic: exactly one caller across all processes gets the half-open probe, a lease that ends
after ``probe_timeout_s`` on the injected clock). Keys expire on their own some time after the
last write (``2 * (window_s + cooldown_s + probe_timeout_s) + 60`` s).

Round trips: :meth:`~RedisBreakers.open_set` is one pipelined HMGET per name. Its answer also
primes a short hint per name (``hint_s``, default 1 s; this instance's own records refresh it):
within it, :meth:`~RedisBreakers.allow` and :meth:`~RedisBreakers.open_set` answer from the
hints for a closed or cooling breaker without a round trip; a breaker due a probe always asks
Redis, and other processes' changes show up within ``hint_s``. Set ``hint_s=0`` to ask Redis on every ``allow``. The ``queue_*`` methods
append to a pipeline the caller owns (queued writes use EVAL, never NOSCRIPT).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, cast

from costroute.breaker._config import BUCKETS, BreakerConfig, BreakerState, StateName
from costroute.breaker._lua import ALLOW_LUA, RECORD_LUA
from costroute.errors import ConfigError

if TYPE_CHECKING:
    import redis
    import redis.asyncio

__all__ = ["RedisBreakers"]


class Pipe(Protocol):
    """The part of a redis-py pipeline (sync or asyncio) the ``queue_*`` methods use."""

    def __len__(self) -> int: ...

    def execute_command(self, *args: Any, **options: Any) -> Any: ...


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisBreakers:
    """The breakers of :class:`~costroute.breaker.MemoryBreakers`, kept in Redis.

    ``client`` is a redis-py ``Redis`` (sync methods), ``aclient`` a ``redis.asyncio.Redis``
    (the ``a*`` methods); give either or both, or use :meth:`from_url`. The default clock is
    the wall clock (``time.time``): readings are compared across processes and hosts.
    """

    def __init__(
        self,
        client: redis.Redis | None,
        prefix: str = "costroute:",
        config: BreakerConfig | None = None,
        *,
        aclient: redis.asyncio.Redis | None = None,
        clock: Callable[[], float] = time.time,
        hint_s: float = 1.0,
    ) -> None:
        if client is None and aclient is None:
            raise ConfigError(
                "RedisBreakers needs a Redis client.",
                field="RedisBreakers.client",
                fix="pass redis.Redis.from_url(url) (and/or aclient=...) or use from_url(url)",
            )
        if not (isinstance(hint_s, int | float) and hint_s >= 0):
            raise ConfigError(
                f"RedisBreakers: hint_s={hint_s!r} must be a number of seconds >= 0.",
                field="RedisBreakers.hint_s",
                fix="e.g. 1.0, or 0 to ask Redis on every allow()",
            )
        self.config = config if config is not None else BreakerConfig()
        self.client = client
        self.aclient = aclient
        self.prefix = prefix
        self.hint_s = float(hint_s)
        self._clock = clock
        self._hints: dict[str, tuple[float, bool]] = {}
        cfg = self.config
        self._ttl_ms = int(1000 * (2 * (cfg.window_s + cfg.cooldown_s + cfg.probe_timeout_s) + 60))
        self._allow = client.register_script(ALLOW_LUA) if client is not None else None
        self._record = client.register_script(RECORD_LUA) if client is not None else None
        self._aallow = aclient.register_script(ALLOW_LUA) if aclient is not None else None
        self._arecord = aclient.register_script(RECORD_LUA) if aclient is not None else None

    @classmethod
    def from_url(
        cls, url: str, prefix: str = "costroute:", config: BreakerConfig | None = None, **kw: Any
    ) -> RedisBreakers:
        """A sync and an async client for ``url`` (``redis://host:port/db``)."""
        import redis
        import redis.asyncio

        return cls(
            redis.Redis.from_url(url),
            prefix,
            config,
            aclient=redis.asyncio.Redis.from_url(url),
            **kw,
        )

    # ---- no I/O ---------------------------------------------------------------------------------

    def key(self, deployment: str) -> str:
        """The hash holding ``deployment``'s breaker."""
        return f"{self.prefix}brk:{{{deployment}}}"

    def _record_args(self, ok: bool) -> list[Any]:
        cfg = self.config
        return [
            1 if ok else 0,
            self._clock(),
            cfg.consecutive_failures or 0,
            cfg.failure_rate or 0,
            cfg.min_calls,
            cfg.window_s / BUCKETS,
            BUCKETS,
            cfg.cooldown_s,
            self._ttl_ms,
        ]

    def _hinted(self, deployment: str) -> bool | None:
        hint = self._hints.get(deployment)
        if hint is not None and self._clock() < hint[0]:
            return hint[1]
        return None

    def _after_allow(self, deployment: str, code: Any) -> bool:
        if int(code) == 1 and self.hint_s > 0:
            self._hints[deployment] = (self._clock() + self.hint_s, True)
        return int(code) != 0

    def _after_record(self, deployment: str, result: Any) -> StateName:
        state = cast(StateName, _text(result))
        if state == "closed" and self.hint_s > 0:
            self._hints[deployment] = (self._clock() + self.hint_s, True)
        else:
            self._hints.pop(deployment, None)
        return state

    # ---- pipeline building blocks ---------------------------------------------------------------

    def queue_record(
        self, pipe: Pipe, deployment: str, ok: bool
    ) -> Callable[[Sequence[Any]], StateName]:
        """Append a success (``ok``) or failure record; the reader returns the new state."""
        at = len(pipe)
        pipe.execute_command("EVAL", RECORD_LUA, 1, self.key(deployment), *self._record_args(ok))
        return lambda results: self._after_record(deployment, results[at])

    def queue_open_set(
        self, pipe: Pipe, names: Iterable[str]
    ) -> Callable[[Sequence[Any]], frozenset[str]]:
        """Append one HMGET per name; the reader returns :meth:`open_set`'s answer.

        When every name has a fresh hint, nothing is appended: the answer comes from the hints.
        """
        items = list(names)
        now = self._clock()
        hints = [self._hints.get(name) for name in items]
        if self.hint_s > 0 and all(h is not None and now < h[0] for h in hints):
            refused = frozenset(n for n, h in zip(items, hints, strict=True) if h and not h[1])
            return lambda results: refused
        start = len(pipe)
        for name in items:
            pipe.execute_command("HMGET", self.key(name), "st", "ra", "pu")

        def read(results: Sequence[Any]) -> frozenset[str]:
            refused = []
            for i, name in enumerate(items):
                st, ra, pu = results[start + i]
                st = "c" if st is None else _text(st)
                until = now + self.hint_s
                if st == "o" and now < float(ra):
                    refused.append(name)
                    self._hints[name] = (min(until, float(ra)), False)
                elif st == "h" and now < float(pu or 0):
                    refused.append(name)
                    self._hints[name] = (min(until, float(pu)), False)
                elif st == "c" and self.hint_s > 0:
                    self._hints[name] = (until, True)
                else:
                    self._hints.pop(name, None)
            return frozenset(refused)

        return read

    def queue_state(self, pipe: Pipe, deployment: str) -> Callable[[Sequence[Any]], BreakerState]:
        """Append an HGETALL; the reader returns :meth:`state`'s answer."""
        at = len(pipe)
        pipe.execute_command("HGETALL", self.key(deployment))
        now = self._clock()
        return lambda results: self._parse_state(results[at], now)

    def _parse_state(self, raw: Any, now: float) -> BreakerState:
        fields = {_text(k): _text(v) for k, v in dict(raw).items()}
        bucket = int(now // (self.config.window_s / BUCKETS))
        calls = fails = 0
        for name, value in fields.items():
            if name.startswith("b:") and bucket - BUCKETS < int(name[4:]) <= bucket:
                calls += int(value)
                fails += int(value) if name[2] == "f" else 0
        st = fields.get("st", "c")
        failures = int(fields.get("cf", 0))
        if st == "c":
            return BreakerState("closed", failures, None, None, calls, fails)
        state: StateName = "open" if st == "o" else "half_open"
        return BreakerState(state, failures, float(fields["oa"]), float(fields["ra"]), calls, fails)

    # ---- sync ---------------------------------------------------------------------------------

    def _sync(self) -> redis.Redis:
        if self.client is None:
            raise ConfigError(
                "RedisBreakers was built without a sync client.",
                field="RedisBreakers.client",
                fix="pass a redis.Redis client, or call the async methods (aallow, ...)",
            )
        return self.client

    def allow(self, deployment: str) -> bool:
        """Whether a call may go to ``deployment`` now (taking the half-open probe if due)."""
        hinted = self._hinted(deployment)
        if hinted is not None:
            return hinted
        client = self._sync()
        assert self._allow is not None
        code = self._allow(
            keys=[self.key(deployment)],
            args=[self._clock(), self.config.probe_timeout_s],
            client=client,
        )
        return self._after_allow(deployment, code)

    def record_success(self, deployment: str) -> StateName:
        """A call succeeded (one round trip); returns the state after it."""
        return self._record_sync(deployment, True)

    def record_failure(self, deployment: str) -> StateName:
        """A call failed (one round trip); returns the state after it."""
        return self._record_sync(deployment, False)

    def _record_sync(self, deployment: str, ok: bool) -> StateName:
        client = self._sync()
        assert self._record is not None
        result = self._record(
            keys=[self.key(deployment)], args=self._record_args(ok), client=client
        )
        return self._after_record(deployment, result)

    def open_set(self, names: Iterable[str]) -> frozenset[str]:
        """The names whose breaker refuses calls now (one round trip for all)."""
        pipe = self._sync().pipeline(transaction=False)
        read = self.queue_open_set(pipe, names)
        return read(pipe.execute())

    def state(self, deployment: str) -> BreakerState:
        """The breaker of ``deployment`` as a value (one round trip)."""
        pipe = self._sync().pipeline(transaction=False)
        read = self.queue_state(pipe, deployment)
        return read(pipe.execute())

    # ---- async ---------------------------------------------------------------------------------

    def _async(self) -> redis.asyncio.Redis:
        if self.aclient is None:
            raise ConfigError(
                "RedisBreakers was built without an async client.",
                field="RedisBreakers.aclient",
                fix="pass aclient=redis.asyncio.Redis.from_url(url), or use from_url(url)",
            )
        return self.aclient

    async def aallow(self, deployment: str) -> bool:
        """Async twin of :meth:`allow`."""
        hinted = self._hinted(deployment)
        if hinted is not None:
            return hinted
        client = self._async()
        assert self._aallow is not None
        code = await self._aallow(
            keys=[self.key(deployment)],
            args=[self._clock(), self.config.probe_timeout_s],
            client=client,
        )
        return self._after_allow(deployment, code)

    async def arecord_success(self, deployment: str) -> StateName:
        """Async twin of :meth:`record_success`."""
        return await self._record_async(deployment, True)

    async def arecord_failure(self, deployment: str) -> StateName:
        """Async twin of :meth:`record_failure`."""
        return await self._record_async(deployment, False)

    async def _record_async(self, deployment: str, ok: bool) -> StateName:
        client = self._async()
        assert self._arecord is not None
        result = await self._arecord(
            keys=[self.key(deployment)], args=self._record_args(ok), client=client
        )
        return self._after_record(deployment, result)

    async def aopen_set(self, names: Iterable[str]) -> frozenset[str]:
        """Async twin of :meth:`open_set`."""
        pipe = self._async().pipeline(transaction=False)
        read = self.queue_open_set(pipe, names)
        return read(await pipe.execute())

    async def astate(self, deployment: str) -> BreakerState:
        """Async twin of :meth:`state`."""
        pipe = self._async().pipeline(transaction=False)
        read = self.queue_state(pipe, deployment)
        return read(await pipe.execute())

    def __repr__(self) -> str:
        return f"<RedisBreakers prefix={self.prefix!r} hint_s={self.hint_s}>"
