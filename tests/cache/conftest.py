"""Fixtures of the cache tests: a fake timer, and each ResponseCache backend.

The Redis runs need ``COSTROUTE_TEST_REDIS_URL`` (e.g. ``redis://127.0.0.1:6379/15``; the
``redis_url`` fixture of tests/conftest.py: skipped when unset, failed when set and the server
does not answer); they use a unique key prefix, delete their keys afterwards and carry the
``redis`` marker.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from costroute.cache import MemoryResponseCache, RedisResponseCache
from costroute.testing import FakeClock


@pytest.fixture
def timer() -> FakeClock:
    return FakeClock()


@pytest.fixture
def redis_cache(redis_url: str) -> Iterator[RedisResponseCache]:
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)
    cache = RedisResponseCache(client, prefix=f"costroute-test:{uuid.uuid4().hex}:", ttl_s=60)
    yield cache
    for key in client.scan_iter(match=cache.prefix + "*"):
        client.delete(key)
    client.close()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def any_cache(request: pytest.FixtureRequest, timer: FakeClock) -> Any:
    """Each backend, for the contract tests."""
    if request.param == "memory":
        return MemoryResponseCache(maxsize=16, ttl_s=60, timer=timer)
    return request.getfixturevalue("redis_cache")
