"""redis-py clients whose connection pools wait for a free connection instead of failing.

redis-py's default pools fail a command at once when ``max_connections`` are in use ("Too many
connections"): a burst of concurrent calls past it failed calls and, that error being a
``ConnectionError``, read as Redis down. The store and the response cache build their clients
here instead, over ``BlockingConnectionPool``s: a command past the limit waits, up to
``pool_timeout_s``, for a connection to come back. A wait that runs out raises
:class:`PoolTimeout`, which says that this process's pool is busy, not that Redis is down: the
store's health layer does not count it as an outage (see costroute/store/_health.py). The
settings and their defaults are in costroute/_redis_pool.py. The clients are redis-py's
blocking ones: async code (``achat``, ``BudgetManager.areserve``) uses them from worker
threads, so they serve any event loop.

Imports redis: import this module only once the redis package is known to be there.
"""

from __future__ import annotations

import queue
from typing import Any

import redis
import redis.exceptions

__all__ = [
    "PoolTimeout",
    "WaitingPool",
    "pool_busy_errors",
    "sync_client",
]

# How redis-py's blocking pool (5.0 to 8.x) gives up a wait: ConnectionError("No connection
# available.") raised while handling the queue's own exception.
_GAVE_UP_MESSAGE = "No connection available."
_GAVE_UP_CONTEXTS = (queue.Empty,)


class PoolTimeout(redis.exceptions.ConnectionError):
    """Every connection of the pool stayed in use for the whole wait: busy, not down."""

    def __init__(self, max_connections: int, timeout_s: float | None) -> None:
        self.max_connections = max_connections
        self.timeout_s = timeout_s
        super().__init__(
            f"every connection of this process's pool (max_connections={max_connections}) "
            f"stayed in use for the whole wait (pool_timeout_s={timeout_s or 0:g})"
        )


def _gave_up(exc: BaseException) -> bool:
    return str(exc) == _GAVE_UP_MESSAGE and isinstance(exc.__context__, _GAVE_UP_CONTEXTS)


class WaitingPool(redis.BlockingConnectionPool):
    """redis-py's blocking pool, whose wait that runs out raises :class:`PoolTimeout`."""

    def get_connection(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().get_connection(*args, **kwargs)  # type: ignore[no-untyped-call]
        except redis.exceptions.ConnectionError as exc:
            if _gave_up(exc):
                raise PoolTimeout(self.max_connections, self.timeout) from exc
            raise


def pool_busy_errors() -> tuple[type[BaseException], ...]:
    """The errors that say a pool is exhausted, not that Redis is unreachable."""
    found: list[type[BaseException]] = [PoolTimeout]
    # newer redis-py raises it at a non-blocking pool's limit; 5.0 raised a plain ConnectionError
    max_connections_error = getattr(redis.exceptions, "MaxConnectionsError", None)
    if isinstance(max_connections_error, type) and issubclass(max_connections_error, Exception):
        found.append(max_connections_error)
    return tuple(found)


def sync_client(url: str, *, max_connections: int, pool_timeout_s: float, **kwargs: Any) -> Any:
    """A ``redis.Redis`` for ``url`` over a :class:`WaitingPool` it owns."""
    pool = WaitingPool.from_url(
        url, max_connections=max_connections, timeout=pool_timeout_s, **kwargs
    )
    client = redis.Redis(connection_pool=pool)
    client.auto_close_connection_pool = True  # the client owns its pool: close() closes both
    return client
