"""Fixtures of the breaker tests: a factory over both backends (the Redis fixtures and the
fake clock are in tests/conftest.py).

The Redis variant needs COSTROUTE_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15); each test
gets a fresh random key prefix and its keys are deleted afterwards.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from costroute.breaker import BreakerConfig, Breakers, MemoryBreakers, RedisBreakers
from costroute.testing import FakeClock


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def make_breakers(request: pytest.FixtureRequest, clock: FakeClock) -> Callable[..., Breakers]:
    """Build Breakers of the parameterised backend with the fake clock (Redis: no hint)."""
    if request.param == "memory":
        return lambda config=None: MemoryBreakers(config or BreakerConfig(), clock=clock)
    client, prefix = request.getfixturevalue("redis_prefix")
    return lambda config=None: RedisBreakers(client, prefix, config, clock=clock, hint_s=0)
