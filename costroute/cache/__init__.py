"""The response cache: exact-match answers, scoped per tenant, in memory or in Redis.

A request's key is the SHA-256 of the canonical JSON of everything that shapes its answer
(:func:`cache_key`). The router looks the key up before planning; a hit answers at once, costs
nothing, saves its whole baseline and is recorded in the ledger with ``cached=True``.

>>> cache = MemoryResponseCache(maxsize=1024, ttl_s=3600)
>>> router = costroute.Router(cache=cache)                               # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from costroute._lazy import lazy_names
from costroute.cache._open import CACHE_ENV, open_cache

if TYPE_CHECKING:
    from costroute.cache._entry import CACHEABLE_FINISH, entry_from_response, entry_from_stream
    from costroute.cache._key import TRANSPORT_PARAMS, cache_key, canonical_json
    from costroute.cache._redis import RedisResponseCache
    from costroute.cache._store import Entry, MemoryResponseCache, ResponseCache, check_ttl

__all__ = [
    "CACHEABLE_FINISH",
    "CACHE_ENV",
    "TRANSPORT_PARAMS",
    "Entry",
    "MemoryResponseCache",
    "RedisResponseCache",
    "ResponseCache",
    "cache_key",
    "canonical_json",
    "check_ttl",
    "entry_from_response",
    "entry_from_stream",
    "open_cache",
]

__getattr__ = lazy_names(
    __name__,
    {
        "CACHEABLE_FINISH": "costroute.cache._entry",
        "Entry": "costroute.cache._store",
        "MemoryResponseCache": "costroute.cache._store",
        "RedisResponseCache": "costroute.cache._redis",
        "ResponseCache": "costroute.cache._store",
        "TRANSPORT_PARAMS": "costroute.cache._key",
        "cache_key": "costroute.cache._key",
        "canonical_json": "costroute.cache._key",
        "check_ttl": "costroute.cache._store",
        "entry_from_response": "costroute.cache._entry",
        "entry_from_stream": "costroute.cache._entry",
    },
)
