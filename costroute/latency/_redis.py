"""Latency statistics in Redis, shared by every process that uses the same prefix.

Keys per deployment ``D`` (the ``{D}`` hash tag keeps them in one cluster slot):

- ``<prefix>lat:{D}``        hash of the decayed sums (:data:`costroute.latency._model.FIELDS`)
- ``<prefix>lat:{D}:total``  list of the last ``window`` total latencies (LPUSH + LTRIM)
- ``<prefix>lat:{D}:ttft``   list of the last ``window`` times to first token

``record`` is one Lua script (atomic read-decay-write; the clock reading is an argument, so the
script has no clock of its own). ``predictions`` is one pipelined round trip of HMGETs for all
deployments, and none while the local copy is younger than ``cache_s`` (1 s by default;
the copy follows this instance's own records at once). Each operation also exists as ``queue_*``: it appends its commands to a pipeline
the caller owns and returns a function that reads its answer from ``pipe.execute()``'s list,
so the router can bundle statistics, breakers and budget in one round trip. Queued writes use
``EVAL`` (the script body, which Redis caches), so a pipeline never meets NOSCRIPT.

redis-py is imported only by :meth:`RedisLatencyStats.from_url`; the client is passed in.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from costroute.errors import ConfigError
from costroute.latency._model import FIELDS, Sums, predict, snapshot_of
from costroute.latency._types import LatencySnapshot, PriorLike, check_settings

if TYPE_CHECKING:
    import redis

__all__ = ["RedisLatencyStats"]

_INF = float("inf")

RECORD_LUA = """
local d = tonumber(ARGV[1])
local win = tonumber(ARGV[2])
local total = tonumber(ARGV[3])
local tok = tonumber(ARGV[5])
local h = redis.call('HMGET', KEYS[1], 'n', 'w', 'st', 'sk', 'nt', 'wt', 'sf', 'sg', 'skt')
local v = {}
for i = 1, 9 do v[i] = tonumber(h[i]) or 0 end
local function f(x) return string.format('%.17g', x) end
local out = {'n', f(v[1] + 1), 'w', f(v[2] * d + 1), 'st', f(v[3] * d + total),
             'sk', f(v[4] * d + tok), 'u', ARGV[6]}
redis.call('LPUSH', KEYS[2], ARGV[3])
redis.call('LTRIM', KEYS[2], 0, win - 1)
if ARGV[4] ~= '' then
  local ttft = tonumber(ARGV[4])
  if ttft > total then ttft = total end
  local more = {'nt', f(v[5] + 1), 'wt', f(v[6] * d + 1), 'sf', f(v[7] * d + ttft),
                'sg', f(v[8] * d + (total - ttft)), 'skt', f(v[9] * d + tok)}
  for i = 1, #more do out[#out + 1] = more[i] end
  redis.call('LPUSH', KEYS[3], f(ttft))
  redis.call('LTRIM', KEYS[3], 0, win - 1)
end
redis.call('HSET', KEYS[1], unpack(out))
return 1
"""


class Pipe(Protocol):
    """The part of a redis-py pipeline the ``queue_*`` methods use."""

    def __len__(self) -> int: ...

    def execute_command(self, *args: Any, **options: Any) -> Any: ...


Reader = Callable[[Sequence[Any]], Any]


class RedisLatencyStats:
    """The statistics of :class:`~costroute.latency.MemoryLatencyStats`, kept in Redis.

    ``client`` is a redis-py ``Redis`` (or use :meth:`from_url`); the methods block, and
    async code calls them in a worker thread, as the router's ``achat`` does. The default clock
    is the wall clock (``time.time``): readings are compared across processes and hosts.
    Every process must use the same ``half_life`` and ``window`` for a prefix.
    """

    def __init__(
        self,
        client: redis.Redis,
        prefix: str = "costroute:",
        *,
        half_life: float = 50,
        window: int = 200,
        min_samples: int = 5,
        stale_after_s: float | None = None,
        cache_s: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._decay = check_settings(
            "RedisLatencyStats", half_life, window, min_samples, stale_after_s
        )
        if not (isinstance(cache_s, int | float) and cache_s >= 0):
            raise ConfigError(
                f"RedisLatencyStats: cache_s={cache_s!r} must be a number of seconds >= 0.",
                field="RedisLatencyStats.cache_s",
                fix="e.g. 1.0, or 0 to read Redis on every predictions()",
            )
        if client is None:
            raise ConfigError(
                "RedisLatencyStats needs a Redis client.",
                field="RedisLatencyStats.client",
                fix="pass redis.Redis.from_url(url), or use RedisLatencyStats.from_url(url)",
            )
        self.client = client
        self.prefix = prefix
        self.half_life = half_life
        self.window = window
        self.min_samples = min_samples
        self.stale_after_s = stale_after_s
        self.cache_s = float(cache_s)
        self._clock = clock
        # deployment -> (clock reading when fetched, its sums); see queue_predictions
        self._cache: dict[str, tuple[float, Sums | None]] = {}
        self._script = client.register_script(RECORD_LUA)

    @classmethod
    def from_url(cls, url: str, prefix: str = "costroute:", **kwargs: Any) -> RedisLatencyStats:
        """Statistics over a client for ``url`` (``redis://host:port/db``)."""
        import redis

        return cls(redis.Redis.from_url(url), prefix, **kwargs)

    # ---- keys and arguments (no I/O) ------------------------------------------------------------

    def keys(self, deployment: str) -> tuple[str, str, str]:
        """The hash, the totals list and the ttft list of ``deployment``."""
        base = f"{self.prefix}lat:{{{deployment}}}"
        return base, base + ":total", base + ":ttft"

    def _record_args(
        self, deployment: str, total_ms: float, ttft_ms: float | None, output_tokens: int
    ) -> list[Any] | None:
        if not 0.0 <= total_ms < _INF:
            return None
        ttft = ttft_ms if ttft_ms is not None and 0.0 <= ttft_ms < _INF else None
        tok = output_tokens if output_tokens > 0 else 0
        now = self._clock()
        cached = self._cache.get(deployment)
        if cached is not None:  # keep the local copy current with this process's samples
            sums = cached[1] or Sums()
            sums.add(
                self._decay, total_ms, min(ttft, total_ms) if ttft is not None else None, tok, now
            )
            self._cache[deployment] = (cached[0], sums)
        return [self._decay, self.window, float(total_ms), "" if ttft is None else ttft, tok, now]

    # ---- pipeline building blocks ---------------------------------------------------------------

    def queue_record(
        self,
        pipe: Pipe,
        deployment: str,
        total_ms: float,
        ttft_ms: float | None,
        output_tokens: int,
    ) -> Reader:
        """Append :meth:`record` to ``pipe`` (one EVAL); the reader returns ``None``."""
        args = self._record_args(deployment, total_ms, ttft_ms, output_tokens)
        if args is not None:
            pipe.execute_command("EVAL", RECORD_LUA, 3, *self.keys(deployment), *args)
        return lambda results: None

    def queue_predictions(
        self, pipe: Pipe, deployments: Iterable[tuple[str, PriorLike]], output_tokens: int
    ) -> Callable[[Sequence[Any]], dict[str, float]]:
        """Append one HMGET per deployment; the reader returns :meth:`predictions`' dict.

        When every deployment was fetched less than ``cache_s`` ago, nothing is appended and the
        answer comes from the local copy (kept current with this instance's own records; other
        processes' samples show up within ``cache_s``).
        """
        items = list(deployments)
        now = self._clock()
        ms, stale = self.min_samples, self.stale_after_s
        cache = self._cache
        fresh = self.cache_s > 0 and all(
            (hit := cache.get(name)) is not None and now - hit[0] < self.cache_s
            for name, _ in items
        )
        if fresh:
            return lambda results: {
                name: predict(cache[name][1], prior, output_tokens, ms, now, stale)
                for name, prior in items
            }
        start = len(pipe)
        for name, _ in items:
            pipe.execute_command("HMGET", self.keys(name)[0], *FIELDS)

        def read(results: Sequence[Any]) -> dict[str, float]:
            out = {}
            for i, (name, prior) in enumerate(items):
                sums = Sums.parse(results[start + i])
                if self.cache_s > 0:
                    cache[name] = (now, sums)
                out[name] = predict(sums, prior, output_tokens, ms, now, stale)
            return out

        return read

    def queue_snapshot(
        self, pipe: Pipe, deployment: str
    ) -> Callable[[Sequence[Any]], LatencySnapshot | None]:
        """Append an HMGET and two LRANGEs; the reader returns :meth:`snapshot`'s answer."""
        start = len(pipe)
        h, totals, ttfts = self.keys(deployment)
        pipe.execute_command("HMGET", h, *FIELDS)
        pipe.execute_command("LRANGE", totals, 0, -1)
        pipe.execute_command("LRANGE", ttfts, 0, -1)

        def read(results: Sequence[Any]) -> LatencySnapshot | None:
            sums = Sums.parse(results[start])
            if sums is None:
                return None
            tot = [float(x) for x in results[start + 1]]
            ttf = [float(x) for x in results[start + 2]]
            return snapshot_of(sums, tot, ttf)

        return read

    # ---- round trips -----------------------------------------------------------------------------

    def record(
        self, deployment: str, total_ms: float, ttft_ms: float | None, output_tokens: int
    ) -> None:
        """Add one answered attempt (one round trip). Invalid latencies are ignored."""
        args = self._record_args(deployment, total_ms, ttft_ms, output_tokens)
        if args is not None:
            self._script(keys=list(self.keys(deployment)), args=args)

    def snapshot(self, deployment: str) -> LatencySnapshot | None:
        """The statistics of ``deployment`` (one round trip), or ``None`` before any sample."""
        pipe = self.client.pipeline(transaction=False)
        read = self.queue_snapshot(pipe, deployment)
        result: LatencySnapshot | None = read(pipe.execute())
        return result

    def predict_ms(self, deployment: str, output_tokens: int, prior: PriorLike) -> float:
        """Predicted total latency (ms) of an answer of ``output_tokens`` tokens."""
        return self.predictions([(deployment, prior)], output_tokens)[deployment]

    def predictions(
        self, deployments: Iterable[tuple[str, PriorLike]], output_tokens: int
    ) -> dict[str, float]:
        """``{name: predicted ms}`` for all deployments: one round trip, none while cached."""
        pipe = self.client.pipeline(transaction=False)
        read = self.queue_predictions(pipe, deployments, output_tokens)
        return read(pipe.execute())

    def __repr__(self) -> str:
        return (
            f"<RedisLatencyStats prefix={self.prefix!r} half_life={self.half_life}"
            f" window={self.window} min_samples={self.min_samples}>"
        )
