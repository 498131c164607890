"""The response-cache interface and its in-process backend over ``cachetools.TTLCache``.

An entry is a JSON-able dict (see :mod:`costroute.cache._entry`). A backend needs two methods,
``get(key)`` and ``set(key, entry, ttl_s=None)``; :class:`RedisResponseCache
<costroute.cache.RedisResponseCache>` is the shared one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import cachetools

from costroute.errors import ConfigError

__all__ = ["Entry", "MemoryResponseCache", "ResponseCache", "check_ttl"]

Entry = dict[str, Any]


@runtime_checkable
class ResponseCache(Protocol):
    """Where answers are kept. ``get`` returns None on a miss; ``set`` never raises for a full
    store (it evicts). ``ttl_s=None`` means the backend's default time to live."""

    def get(self, key: str) -> Entry | None:
        """The entry stored under ``key``, or None."""
        ...

    def set(self, key: str, entry: Entry, ttl_s: float | None = None) -> None:
        """Store ``entry`` under ``key`` for ``ttl_s`` seconds."""
        ...


def check_ttl(ttl_s: Any, field: str = "ttl_s") -> float:
    """``ttl_s`` as float seconds > 0, else a :class:`ConfigError` naming ``field``."""
    if isinstance(ttl_s, bool) or not isinstance(ttl_s, int | float) or not ttl_s > 0:
        raise ConfigError(
            f"{field}={ttl_s!r} is invalid: a cache entry must live some time.",
            field=field,
            fix="use seconds > 0, e.g. 3600; pass cache=False to turn caching off",
        )
    if ttl_s == float("inf"):
        raise ConfigError(f"{field}=inf is invalid.", field=field, fix="use a finite number")
    return float(ttl_s)


class MemoryResponseCache:
    """An in-process cache: at most ``maxsize`` entries, each kept ``ttl_s`` seconds.

    Least recently used entries go first when full. ``timer`` is injectable (a fake clock in
    tests). Thread-safe. A ``set`` with its own ``ttl_s`` shorter than the cache's is honoured
    by storing the expiry with the entry.

    >>> cache = MemoryResponseCache(maxsize=2, ttl_s=60)
    >>> cache.set("k", {"answer": 42}); cache.get("k")
    {'answer': 42}
    """

    def __init__(
        self,
        maxsize: int = 1024,
        ttl_s: float = 3600.0,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        if isinstance(maxsize, bool) or not isinstance(maxsize, int) or maxsize < 1:
            raise ConfigError(
                f"maxsize={maxsize!r} is invalid.",
                field="maxsize",
                fix="use a whole number of entries >= 1; pass cache=False to turn caching off",
            )
        self.maxsize = maxsize
        self.ttl_s = check_ttl(ttl_s)
        self.timer = timer
        self._data: cachetools.TTLCache[str, tuple[float, Entry]] = cachetools.TTLCache(
            maxsize=maxsize, ttl=self.ttl_s, timer=timer
        )
        self._lock = threading.Lock()

    def get(self, key: str) -> Entry | None:
        with self._lock:
            item = self._data.get(key)
        if item is None:
            return None
        expires, entry = item
        if self.timer() >= expires:
            return None
        return entry

    def set(self, key: str, entry: Entry, ttl_s: float | None = None) -> None:
        ttl = self.ttl_s if ttl_s is None else min(check_ttl(ttl_s), self.ttl_s)
        with self._lock:
            self._data[key] = (self.timer() + ttl, entry)

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def __repr__(self) -> str:
        return f"<MemoryResponseCache {len(self)}/{self.maxsize} ttl={self.ttl_s:g}s>"
