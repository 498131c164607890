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

__all__ = ["RedisBreakers"]


class Pipe(Protocol):
    """The part of a redis-py pipeline the ``queue_*`` methods use."""

    def __len__(self) -> int: ...

    def execute_command(self, *args: Any, **options: Any) -> Any: ...


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisBreakers:
    """The breakers of :class:`~costroute.breaker.MemoryBreakers`, kept in Redis.

    ``client`` is a redis-py ``Redis`` (or use :meth:`from_url`); the methods block, and
    async code calls them in a worker thread, as the router's ``achat`` does. The default clock
    is the wall clock (``time.time``): readings are compared across processes and hosts.
    """

    def __init__(
        self,
        client: redis.Redis,
        prefix: str = "costroute:",
        config: BreakerConfig | None = None,
        *,
        clock: Callable[[], float] = time.time,
        hint_s: float = 1.0,
    ) -> None:
        if client is None:
            raise ConfigError(
                "RedisBreakers needs a Redis client.",
                field="RedisBreakers.client",
                fix="pass redis.Redis.from_url(url), or use RedisBreakers.from_url(url)",
            )
        if not (isinstance(hint_s, int | float) and hint_s >= 0):
            raise ConfigError(
                f"RedisBreakers: hint_s={hint_s!r} must be a number of seconds >= 0.",
                field="RedisBreakers.hint_s",
                fix="e.g. 1.0, or 0 to ask Redis on every allow()",
            )
        self.config = config if config is not None else BreakerConfig()
        self.client = client
        self.prefix = prefix
        self.hint_s = float(hint_s)
        self._clock = clock
        self._hints: dict[str, tuple[float, bool]] = {}
        cfg = self.config
        self._ttl_ms = int(1000 * (2 * (cfg.window_s + cfg.cooldown_s + cfg.probe_timeout_s) + 60))
        self._allow = client.register_script(ALLOW_LUA)
        self._record = client.register_script(RECORD_LUA)

    @classmethod
    def from_url(
        cls, url: str, prefix: str = "costroute:", config: BreakerConfig | None = None, **kw: Any
    ) -> RedisBreakers:
        """Breakers over a client for ``url`` (``redis://host:port/db``)."""
        import redis

        return cls(redis.Redis.from_url(url), prefix, config, **kw)

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

    # ---- round trips -----------------------------------------------------------------------------

    def allow(self, deployment: str) -> bool:
        """Whether a call may go to ``deployment`` now (taking the half-open probe if due)."""
        hinted = self._hinted(deployment)
        if hinted is not None:
            return hinted
        code = self._allow(
            keys=[self.key(deployment)], args=[self._clock(), self.config.probe_timeout_s]
        )
        return self._after_allow(deployment, code)

    def record_success(self, deployment: str) -> StateName:
        """A call succeeded (one round trip); returns the state after it."""
        return self._record_outcome(deployment, True)

    def record_failure(self, deployment: str) -> StateName:
        """A call failed (one round trip); returns the state after it."""
        return self._record_outcome(deployment, False)

    def _record_outcome(self, deployment: str, ok: bool) -> StateName:
        result = self._record(keys=[self.key(deployment)], args=self._record_args(ok))
        return self._after_record(deployment, result)

    def open_set(self, names: Iterable[str]) -> frozenset[str]:
        """The names whose breaker refuses calls now (one round trip for all)."""
        pipe = self.client.pipeline(transaction=False)
        read = self.queue_open_set(pipe, names)
        return read(pipe.execute())

    def state(self, deployment: str) -> BreakerState:
        """The breaker of ``deployment`` as a value (one round trip)."""
        pipe = self.client.pipeline(transaction=False)
        read = self.queue_state(pipe, deployment)
        return read(pipe.execute())

    def __repr__(self) -> str:
        return f"<RedisBreakers prefix={self.prefix!r} hint_s={self.hint_s}>"
