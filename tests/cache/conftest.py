"""Fixtures of the cache tests: a fake timer, and each ResponseCache backend.

The Redis runs need ``COSTROUTE_TEST_REDIS_URL`` (e.g. ``redis://127.0.0.1:6379/15``); they use
a unique key prefix, delete their keys afterwards, carry the ``redis`` marker and are skipped,
with the reason, when the variable is unset or the server does not answer.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from costroute.cache import MemoryResponseCache, RedisResponseCache
from costroute.testing import FakeClock

REDIS_ENV = "COSTROUTE_TEST_REDIS_URL"


@pytest.fixture
def timer() -> FakeClock:
    return FakeClock()


def _redis_client() -> Any:
    url = os.environ.get(REDIS_ENV)
    if not url:
        pytest.skip(f"{REDIS_ENV} is not set (e.g. redis://127.0.0.1:6379/15)")
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis at {url} does not answer: {exc}")
    return client


@pytest.fixture
def redis_cache() -> Iterator[RedisResponseCache]:
    client = _redis_client()
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
