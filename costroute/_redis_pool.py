"""How many connections a Redis client of costroute may open, and how long a command waits
for one: the settings, their defaults and their check (no redis import).

The clients themselves are built in costroute/_redis_clients.py.
"""

from __future__ import annotations

import math
from typing import Any

from costroute.errors import ConfigError

__all__ = ["DEFAULT_MAX_CONNECTIONS", "DEFAULT_POOL_TIMEOUT_S", "check_pool"]

# Per client (a store has a sync and an async one; the response cache its own sync one). A command
# holds a connection for one round trip (well under a millisecond on a local network), so 20
# serve thousands of commands a second, more than one Python process sends; and a fleet of 100
# processes opens at most 100 x 3 x 20 = 6,000 connections, under Redis's default maxclients
# (10,000). Measured: benchmarks/redis_concurrency.py.
DEFAULT_MAX_CONNECTIONS = 20
# How long a command waits for a free connection. Waits are short while the event loop keeps up;
# when it does not (a burst of thousands of calls in one process), a connection comes back only
# when its task runs again, and waits grow with the loop's backlog: with 20 connections on 2
# cores, 1,000 concurrent calls against the local simulator waited up to 8 to 15 s, 3,000 up to
# 20 s and, on a busier machine, past 30 s. A wait that runs out refuses the call (BackendBusy)
# when the budget fails closed.
DEFAULT_POOL_TIMEOUT_S = 30.0


def check_pool(max_connections: Any, pool_timeout_s: Any, *, where: str) -> None:
    """ConfigError unless ``max_connections`` is a whole number >= 1 and ``pool_timeout_s`` a
    finite number of seconds >= 0; ``where`` says where to set them (for the fix)."""
    if (
        isinstance(max_connections, bool)
        or not isinstance(max_connections, int)
        or max_connections < 1
    ):
        raise ConfigError(
            f"max_connections={max_connections!r} is invalid.",
            field="max_connections",
            fix=f"use a whole number >= 1 (connections per client; default "
            f"{DEFAULT_MAX_CONNECTIONS}), set with {where}",
        )
    if (
        isinstance(pool_timeout_s, bool)
        or not isinstance(pool_timeout_s, int | float)
        or not math.isfinite(pool_timeout_s)
        or pool_timeout_s < 0
    ):
        raise ConfigError(
            f"pool_timeout_s={pool_timeout_s!r} is invalid.",
            field="pool_timeout_s",
            fix=f"use seconds >= 0 to wait for a free connection (default "
            f"{DEFAULT_POOL_TIMEOUT_S:g}; 0 does not wait), set with {where}",
        )
