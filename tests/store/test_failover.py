"""FailoverProxy without a server: Redis-backed twin while it answers, in-process twin after."""

from __future__ import annotations

import pytest

from costroute.store._failover import FailoverProxy, Health
from costroute.testing import FakeClock


class Twin:
    def __init__(self, name: str, fail: bool = False) -> None:
        self.name = name
        self.fail = fail
        self.calls: list[str] = []
        self.size = len(name)

    def record(self, key: str) -> str:
        self.calls.append(key)
        if self.fail:
            raise ConnectionError("redis is down")
        return self.name

    async def arecord(self, key: str) -> str:
        return self.record(key)


def _proxy() -> tuple[FailoverProxy, Twin, Twin, Health, FakeClock]:
    clock = FakeClock()
    health = Health("redis://h:6379/0", clock, retry_s=5.0)
    primary, local = Twin("redis"), Twin("local")
    return FailoverProxy(primary, local, health), primary, local, health, clock


def test_the_wrapper_is_built_once_and_kept() -> None:
    proxy, *_ = _proxy()
    first = proxy.record
    assert proxy.record is first  # found on the instance: __getattr__ does not run again
    assert proxy.arecord is proxy.arecord
    assert "record" in vars(proxy)


def test_a_kept_wrapper_reads_the_health_at_call_time(caplog: pytest.LogCaptureFixture) -> None:
    proxy, primary, local, health, clock = _proxy()
    record = proxy.record
    assert record("a") == "redis"
    primary.fail = True
    assert record("b") == "local"  # the failure marks Redis down and the local twin answers
    assert health.down_since is not None and "unreachable" in caplog.text
    assert proxy.record("c") == "local" and primary.calls == ["a", "b"]  # not retried yet
    primary.fail = False
    clock.advance(5.0)
    assert record("d") == "redis" and health.down_since is None
    assert local.calls == ["b", "c"]


async def test_the_async_wrapper_fails_over_too() -> None:
    proxy, primary, _, health, _ = _proxy()
    arecord = proxy.arecord
    assert await arecord("a") == "redis"
    primary.fail = True
    assert await arecord("b") == "local" and health.down_since is not None


def test_plain_attributes_are_read_each_time_not_kept() -> None:
    proxy, primary, *_ = _proxy()
    assert proxy.size == 5
    primary.size = 7
    assert proxy.size == 7 and "size" not in vars(proxy)
