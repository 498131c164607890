"""Fixtures of the budget tests: a fake clock, and each backend (memory; Redis when reachable).

The Redis variants use COSTROUTE_TEST_REDIS_URL, a fresh random prefix per test, and delete
their keys afterwards; they skip with the reason when the variable is unset or Redis is down.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from costroute.budget import MemoryBudgetBackend, RedisBudgetBackend
from costroute.testing import FakeClock

# Wednesday 2026-11-25 08:00 UTC.
START = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)


def redis_url() -> str:
    """The test Redis URL, or skip the test saying why."""
    url = os.environ.get("COSTROUTE_TEST_REDIS_URL")
    if not url:
        pytest.skip("COSTROUTE_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/15)")
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        client.ping()
        client.close()
    except redis.RedisError as exc:
        pytest.skip(f"Redis at {url} is unreachable: {exc}")
    return url


@pytest.fixture
def clock() -> FakeClock:
    """Epoch seconds that move only when told; starts at START."""
    fake = FakeClock(start=START)
    fake.t = START.timestamp()
    return fake


@pytest.fixture
def redis_prefix() -> Iterator[tuple[str, str]]:
    """(url, unique prefix); every key under the prefix is deleted after the test."""
    url = redis_url()
    prefix = f"costroute-test:{uuid.uuid4().hex}:"
    yield url, prefix
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def make_backend(request: pytest.FixtureRequest) -> Iterator[Callable[[], Any]]:
    """A factory of backends over one shared state (a restart = a new backend, same state).

    Memory: the same object each time (a restart of a memory backend loses its state, see
    test_budget_ledger for restoring it). Redis: a new client and backend each time.
    """
    if request.param == "memory":
        backend = MemoryBudgetBackend()
        yield lambda: backend
        return
    import redis
    import redis.asyncio

    url, prefix = request.getfixturevalue("redis_prefix")
    clients: list[Any] = []

    def make() -> RedisBudgetBackend:
        client = redis.Redis.from_url(url)
        clients.append(client)
        return RedisBudgetBackend(client, prefix=prefix)

    yield make
    for client in clients:
        client.close()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def make_async_backend(request: pytest.FixtureRequest) -> AsyncIterator[Callable[[], Any]]:
    """Like make_backend, with an asyncio Redis client for the a-methods."""
    if request.param == "memory":
        backend = MemoryBudgetBackend()
        yield lambda: backend
        return
    import redis
    import redis.asyncio

    url, prefix = request.getfixturevalue("redis_prefix")
    sync = redis.Redis.from_url(url)
    aclient = redis.asyncio.Redis.from_url(url, max_connections=64)
    yield lambda: RedisBudgetBackend(sync, prefix=prefix, aclient=aclient)
    await aclient.aclose()
    sync.close()
