"""Fixtures of the breaker tests: a fake clock and a factory over both backends.

The Redis variant needs COSTROUTE_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15); each test
gets a fresh random key prefix and its keys are deleted afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from costroute.breaker import BreakerConfig, Breakers, MemoryBreakers, RedisBreakers
from costroute.testing import FakeClock


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("COSTROUTE_TEST_REDIS_URL")
    if not url:
        pytest.skip("COSTROUTE_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/15)")
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        client.ping()
        client.close()
    except Exception as exc:  # any failure to connect means: skip, and say why
        pytest.skip(f"Redis at COSTROUTE_TEST_REDIS_URL={url} is unreachable: {exc}")
    return url


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[tuple[Any, str]]:
    """A sync client and a unique key prefix; deletes every key under the prefix afterwards."""
    import redis

    client = redis.Redis.from_url(redis_url)
    prefix = f"costroute-test:{uuid.uuid4().hex[:12]}:"
    yield client, prefix
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def make_breakers(request: pytest.FixtureRequest, clock: FakeClock) -> Callable[..., Breakers]:
    """Build Breakers of the parameterised backend with the fake clock (Redis: no hint)."""
    if request.param == "memory":
        return lambda config=None: MemoryBreakers(config or BreakerConfig(), clock=clock)
    client, prefix = request.getfixturevalue("redis_prefix")
    return lambda config=None: RedisBreakers(client, prefix, config, clock=clock, hint_s=0)


class RoundTrips:
    """A Redis client whose connections count what they send: one send is one round trip."""

    def __init__(self, url: str) -> None:
        import redis

        counter = self

        class Counting(redis.Connection):
            def send_packed_command(self, command: Any, check_health: bool = True) -> None:
                counter.count += 1
                super().send_packed_command(command, check_health)  # type: ignore[no-untyped-call]

        self.count = 0
        pool = redis.ConnectionPool.from_url(url, connection_class=Counting)
        self.client = redis.Redis(connection_pool=pool)
        self.client.ping()  # connect (HELLO, CLIENT SETINFO) before counting
        self.count = 0


@pytest.fixture
def round_trips(redis_url: str) -> Iterator[RoundTrips]:
    counted = RoundTrips(redis_url)
    yield counted
    counted.client.close()
