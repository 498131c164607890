"""The shared response cache: entries as JSON in Redis, so processes and hosts share answers.

Keys are ``prefix + sha256``; each entry expires on Redis's side (``SET ... EX``). Any Redis
error on a lookup is a miss and on a store is logged: the cache never fails a call. A cache
built from a URL waits for a free connection of its pool (``max_connections``,
``pool_timeout_s``) instead of failing under concurrency; a wait that runs out is a miss too.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from costroute._redis_pool import DEFAULT_MAX_CONNECTIONS, DEFAULT_POOL_TIMEOUT_S, check_pool
from costroute._url import check_url
from costroute.cache._store import Entry, check_ttl
from costroute.errors import ConfigError

__all__ = ["RedisResponseCache"]

log = logging.getLogger("costroute")


class RedisResponseCache:
    """A :class:`~costroute.cache.ResponseCache` over a redis-py client.

    >>> import redis                                                        # doctest: +SKIP
    >>> cache = RedisResponseCache(redis.Redis.from_url("redis://localhost:6379/0"))  # doctest: +SKIP
    """

    def __init__(self, client: Any, prefix: str = "costroute:", ttl_s: float = 3600.0) -> None:
        if not callable(getattr(client, "get", None)) or not callable(getattr(client, "set", None)):
            raise ConfigError(
                f"{type(client).__name__} is not a Redis client.",
                field="client",
                fix="pass redis.Redis(...) or use RedisResponseCache.from_url('redis://...')",
            )
        if not isinstance(prefix, str):
            raise ConfigError(f"prefix={prefix!r} is invalid.", field="prefix", fix="use a string")
        self.client = client
        self.prefix = prefix
        self.ttl_s = check_ttl(ttl_s)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        timeout_s: float = 2.0,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        pool_timeout_s: float = DEFAULT_POOL_TIMEOUT_S,
        **kwargs: Any,
    ) -> RedisResponseCache:
        """A cache over a ``redis.Redis`` client for ``url`` (``pip install costroute[redis]``).

        ``timeout_s`` bounds each connection attempt and each command (2 s, as for the store),
        so a Redis that hangs costs a call at most that long, then a miss, instead of blocking it.
        The client keeps at most ``max_connections`` connections; a lookup or store that finds
        them all in use waits up to ``pool_timeout_s`` for one, then is a miss (or a logged
        store failure).
        """
        check_url(url, "cache")
        check_pool(
            max_connections,
            pool_timeout_s,
            where="RedisResponseCache.from_url(url, max_connections=..., pool_timeout_s=...)",
        )
        try:
            import redis  # noqa: F401 - the check that the extra is installed
        except ImportError as exc:  # pragma: no cover - redis is a test dependency here
            raise ConfigError(
                "The Redis cache needs the redis package.",
                field="cache",
                fix="pip install 'costroute[redis]'",
            ) from exc
        from costroute._redis_clients import sync_client

        client = sync_client(
            url,
            max_connections=max_connections,
            pool_timeout_s=pool_timeout_s,
            socket_connect_timeout=timeout_s,
            socket_timeout=timeout_s,
        )
        return cls(client, **kwargs)

    def get(self, key: str) -> Entry | None:
        try:
            raw = self.client.get(self.prefix + key)
        except Exception as exc:  # a cache outage is a miss, never a failed call
            log.warning("costroute: response cache lookup failed: %s", exc)
            return None
        if raw is None:
            return None
        try:
            entry = json.loads(raw)
        except ValueError:
            return None
        return entry if isinstance(entry, dict) else None

    def set(self, key: str, entry: Entry, ttl_s: float | None = None) -> None:
        ttl = self.ttl_s if ttl_s is None else check_ttl(ttl_s)
        data = json.dumps(entry, separators=(",", ":"), default=str)
        self.client.set(self.prefix + key, data, px=max(1, math.ceil(ttl * 1000)))

    def __repr__(self) -> str:
        return f"<RedisResponseCache prefix={self.prefix!r} ttl={self.ttl_s:g}s>"
