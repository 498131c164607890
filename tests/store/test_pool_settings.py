"""Redis connection pools of the store and the response cache: their size, how long a command
waits for a free connection, and the check of both settings.

Past ``max_connections`` a command waits (redis-py's BlockingConnectionPool) up to
``pool_timeout_s``; a wait that runs out raises ``PoolTimeout`` (costroute/_redis_clients.py).
"""

from __future__ import annotations

import math
from typing import Any

import pytest

import costroute
from costroute._redis_clients import PoolTimeout, sync_client
from costroute.cache import RedisResponseCache
from costroute.errors import ConfigError
from costroute.store import redis_store


def test_the_pool_timeout_names_the_settings() -> None:
    text = str(PoolTimeout(10, 0.5))
    assert "max_connections=10" in text and "pool_timeout_s=0.5" in text


# ---- configuration -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"max_connections": 0}, "max_connections"),
        ({"max_connections": 2.5}, "max_connections"),
        ({"max_connections": True}, "max_connections"),
        ({"pool_timeout_s": -1}, "pool_timeout_s"),
        ({"pool_timeout_s": math.nan}, "pool_timeout_s"),
        ({"pool_timeout_s": math.inf}, "pool_timeout_s"),
        ({"pool_timeout_s": "5"}, "pool_timeout_s"),
    ],
)
def test_bad_pool_settings_are_config_errors_that_say_where_to_set_them(
    options: dict[str, Any], field: str
) -> None:
    with pytest.raises(ConfigError) as err:
        redis_store("redis://127.0.0.1:1/0", **options)  # checked before any connection
    assert err.value.field == field and "redis_store(url, max_connections=" in str(err.value)
    router_options = {f"store_{k}": v for k, v in options.items()}
    with pytest.raises(ConfigError) as err:
        costroute.Router(store="redis://127.0.0.1:1/0", ledger=False, **router_options)
    assert err.value.field == field and "Router(store_max_connections=..., store_pool" in str(
        err.value
    )
    with pytest.raises(ConfigError) as err:
        RedisResponseCache.from_url("redis://127.0.0.1:1/0", **options)
    assert err.value.field == field and "RedisResponseCache.from_url" in str(err.value)


# ---- real pools (a Redis server) ---------------------------------------------------------------


@pytest.mark.redis
def test_the_sync_pool_waits_then_raises_pool_timeout(redis_url: str) -> None:
    client = sync_client(redis_url, max_connections=1, pool_timeout_s=0)
    try:
        held = client.connection_pool.get_connection()
        with pytest.raises(PoolTimeout):
            client.ping()
        client.connection_pool.release(held)
        assert client.ping() is True
    finally:
        client.close()


@pytest.mark.redis
def test_the_router_forwards_the_pool_settings_to_the_store_client(redis_url: str) -> None:
    router = costroute.Router(
        store=redis_url, store_max_connections=3, store_pool_timeout_s=1.5, ledger=False
    )
    store = router.state.store
    pool = store.redis.connection_pool
    assert (pool.max_connections, pool.timeout) == (3, 1.5)
    # one client, one pool: the budget, the statistics and the breakers share it
    assert store.budget.redis.client is store.latency.redis.client is store.breakers.redis.client
    assert store.budget.redis.client is store.redis
    with pytest.raises(ConfigError) as err:
        costroute.Router(store=store, store_max_connections=3, ledger=False)
    assert "store_max_connections=" in str(err.value)


@pytest.mark.redis
def test_the_response_cache_has_a_waiting_pool_and_a_busy_one_is_a_miss(
    redis_url: str,
) -> None:
    cache = RedisResponseCache.from_url(
        redis_url, prefix="costroute-test:pool:", max_connections=1, pool_timeout_s=0
    )
    pool = cache.client.connection_pool
    assert pool.max_connections == 1
    held = pool.get_connection()
    try:
        assert cache.get("anything") is None  # a miss, not an error
    finally:
        pool.release(held)
    cache.client.close()
