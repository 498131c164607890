"""Fixtures of the latency tests: a factory over both backends (the Redis fixtures and the
fake clock are in tests/conftest.py).

The Redis variant needs COSTROUTE_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15); each test
gets a fresh random key prefix and its keys are deleted afterwards.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from costroute.latency import LatencyStats, MemoryLatencyStats, RedisLatencyStats
from costroute.testing import FakeClock


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def make_stats(request: pytest.FixtureRequest, clock: FakeClock) -> Callable[..., LatencyStats]:
    """Build a LatencyStats of the parameterised backend with the fake clock."""
    if request.param == "memory":
        return lambda **kw: MemoryLatencyStats(clock=clock, **kw)
    client, prefix = request.getfixturevalue("redis_prefix")
    return lambda **kw: RedisLatencyStats(client, prefix, clock=clock, **kw)
