"""Fixtures of the budget tests: a fake clock, and each backend (memory; Redis when reachable).

The Redis variants use COSTROUTE_TEST_REDIS_URL (the ``redis_url`` fixture of tests/conftest.py:
skipped when unset, failed when set and Redis does not answer), a fresh random prefix per test,
and delete their keys afterwards.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from costroute.budget import MemoryBudgetBackend, RedisBudgetBackend
from costroute.testing import FakeClock

# Wednesday 2026-11-25 08:00 UTC.
START = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> FakeClock:
    """Epoch seconds that move only when told; starts at START."""
    fake = FakeClock(start=START)
    fake.t = START.timestamp()
    return fake


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[tuple[str, str]]:
    """(url, unique prefix); every key under the prefix is deleted after the test.

    Unlike tests/conftest.py's ``redis_prefix`` (client, prefix), this one gives the URL: the
    budget tests build their own clients (in this process and in others).
    """
    prefix = f"costroute-test:{uuid.uuid4().hex}:"
    yield redis_url, prefix
    import redis

    client = redis.Redis.from_url(redis_url)
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

    url, prefix = request.getfixturevalue("redis_prefix")
    clients: list[Any] = []

    def make() -> RedisBudgetBackend:
        client = redis.Redis.from_url(url)
        clients.append(client)
        return RedisBudgetBackend(client, prefix=prefix)

    yield make
    for client in clients:
        client.close()
