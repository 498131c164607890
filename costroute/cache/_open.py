"""``Router(cache=...)``: from what the caller passed (or the environment) to a cache or None."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from costroute.errors import ConfigError

if TYPE_CHECKING:
    from costroute.cache._store import ResponseCache

__all__ = ["CACHE_ENV", "open_cache"]

CACHE_ENV = "COSTROUTE_CACHE"


def open_cache(spec: Any, environ: Mapping[str, str] | None = None) -> ResponseCache | None:
    """The response cache for ``spec``.

    ``None``: from ``COSTROUTE_CACHE`` when set (``memory`` or ``redis://...``), else no cache.
    ``False``: no cache. ``True`` or ``"memory"``: an in-process :class:`MemoryResponseCache`.
    ``"redis://..."``: a :class:`RedisResponseCache`. A :class:`ResponseCache`: itself.
    """
    if spec is None:
        spec = (os.environ if environ is None else environ).get(CACHE_ENV) or False
    if spec is False:
        return None
    # Imported here: a router without a cache (the default) loads no cache module, and one
    # without Redis not the Redis one.
    from costroute.cache._store import MemoryResponseCache, ResponseCache

    if spec is True or spec == "memory":
        return MemoryResponseCache()
    redis_url = isinstance(spec, str) and spec.startswith(("redis://", "rediss://", "unix://"))
    if redis_url or type(spec).__module__.startswith("redis"):
        from costroute.cache._redis import RedisResponseCache

        if redis_url:
            return RedisResponseCache.from_url(spec)
        return RedisResponseCache(spec)  # a redis-py client passed as it is
    if isinstance(spec, ResponseCache) and not isinstance(spec, str):
        return spec
    raise ConfigError(
        f"cache={spec!r} is not a response cache.",
        field="cache",
        fix="pass False, 'memory', 'redis://host:6379/0', or an object with get(key) and "
        "set(key, entry, ttl_s=None)",
    )
