"""The ResponseCache contract, run against every backend, and the bad-input checks."""

from __future__ import annotations

from typing import Any

import pytest

import costroute
from costroute.cache import MemoryResponseCache, RedisResponseCache, ResponseCache, open_cache
from costroute.errors import ConfigError
from costroute.testing import FakeClock

ENTRY = {"v": 1, "deployment": "deepseek-v4-flash", "baseline_usd": "0.001", "response": {}}


def test_get_after_set_and_miss(any_cache: Any) -> None:
    assert isinstance(any_cache, ResponseCache)
    assert any_cache.get("absent") is None
    any_cache.set("k1", ENTRY)
    assert any_cache.get("k1") == ENTRY
    any_cache.set("k1", {**ENTRY, "deployment": "gpt-5.4"})
    assert any_cache.get("k1")["deployment"] == "gpt-5.4"  # type: ignore[index]


def test_memory_entries_expire_after_ttl(timer: FakeClock) -> None:
    cache = MemoryResponseCache(maxsize=4, ttl_s=10, timer=timer)
    cache.set("k", ENTRY)
    timer.advance(9.9)
    assert cache.get("k") == ENTRY
    timer.advance(0.2)
    assert cache.get("k") is None


def test_memory_per_entry_ttl_is_honoured(timer: FakeClock) -> None:
    cache = MemoryResponseCache(ttl_s=10, timer=timer)
    cache.set("short", ENTRY, ttl_s=2)
    cache.set("long", ENTRY)
    timer.advance(3)
    assert cache.get("short") is None and cache.get("long") == ENTRY


def test_memory_is_size_bounded_least_recently_used_first(timer: FakeClock) -> None:
    cache = MemoryResponseCache(maxsize=2, ttl_s=60, timer=timer)
    cache.set("a", ENTRY)
    cache.set("b", ENTRY)
    cache.get("a")
    cache.set("c", ENTRY)
    assert len(cache) == 2 and cache.get("b") is None and cache.get("a") == ENTRY
    assert "2/2" in repr(cache)


@pytest.mark.redis
def test_redis_entries_expire_on_the_server(redis_cache: RedisResponseCache) -> None:
    # The expiry is Redis's own (SET ... PX): the key carries it; Redis deletes it, not us.
    redis_cache.set("k", ENTRY, ttl_s=30)
    assert 0 < redis_cache.client.pttl(redis_cache.prefix + "k") <= 30_000
    redis_cache.set("default", ENTRY)  # the cache's ttl_s (60 s in the fixture)
    assert 30_000 < redis_cache.client.pttl(redis_cache.prefix + "default") <= 60_000
    redis_cache.set("tiny", ENTRY, ttl_s=0.0001)  # rounded up to 1 ms, still an expiry
    # 1 or 0 ms left, or already gone (-2); never -1, a key without expiry
    assert redis_cache.client.pttl(redis_cache.prefix + "tiny") in (1, 0, -2)


def test_from_url_bounds_connects_and_commands() -> None:
    # A Redis that hangs must not block a call: the client gives up (a miss) after the timeout.
    cache = RedisResponseCache.from_url("redis://127.0.0.1:6379/0", prefix="p:")
    options = cache.client.connection_pool.connection_kwargs
    assert (options["socket_connect_timeout"], options["socket_timeout"]) == (2.0, 2.0)
    assert cache.prefix == "p:"
    quick = RedisResponseCache.from_url("redis://127.0.0.1:6379/0", timeout_s=0.5)
    options = quick.client.connection_pool.connection_kwargs
    assert (options["socket_connect_timeout"], options["socket_timeout"]) == (0.5, 0.5)
    cache.client.close()
    quick.client.close()


@pytest.mark.redis
def test_redis_is_shared_between_instances(redis_cache: RedisResponseCache) -> None:
    other = RedisResponseCache(redis_cache.client, prefix=redis_cache.prefix)
    redis_cache.set("shared", ENTRY)
    assert other.get("shared") == ENTRY


def test_redis_outage_is_a_miss(caplog: pytest.LogCaptureFixture) -> None:
    class Down:
        def get(self, key: str) -> Any:
            raise ConnectionError("redis is down")

        def set(self, *args: Any, **kwargs: Any) -> Any:
            raise ConnectionError("redis is down")

    cache = RedisResponseCache(Down())
    assert cache.get("k") is None
    assert "lookup failed" in caplog.text


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: MemoryResponseCache(ttl_s=0), "ttl_s"),
        (lambda: MemoryResponseCache(ttl_s=-5), "ttl_s"),
        (lambda: MemoryResponseCache(ttl_s=float("inf")), "ttl_s"),
        (lambda: MemoryResponseCache(ttl_s="1h"), "ttl_s"),
        (lambda: MemoryResponseCache(maxsize=-1), "maxsize"),
        (lambda: MemoryResponseCache(maxsize=0), "maxsize"),
        (lambda: MemoryResponseCache(maxsize=2.5), "maxsize"),
        (lambda: MemoryResponseCache().set("k", ENTRY, ttl_s=0), "ttl_s"),
        (lambda: RedisResponseCache(object()), "client"),
        (lambda: RedisResponseCache(FakeRedis(), ttl_s=0), "ttl_s"),
        (lambda: open_cache("bogus"), "cache"),
        (lambda: open_cache(42), "cache"),
        (lambda: costroute.Router(cache={"not": "a cache"}), "cache"),
    ],
)
def test_bad_cache_settings_are_typed(build: Any, field: str) -> None:
    with pytest.raises(ConfigError) as err:
        build()
    assert err.value.field == field and err.value.fix


class FakeRedis:
    def get(self, key: str) -> Any:
        return None

    def set(self, *args: Any, **kwargs: Any) -> Any:
        return True


def test_open_cache_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COSTROUTE_CACHE", raising=False)
    assert open_cache(None) is None and open_cache(False) is None
    assert isinstance(open_cache(True), MemoryResponseCache)
    assert isinstance(open_cache("memory"), MemoryResponseCache)
    mine = MemoryResponseCache()
    assert open_cache(mine) is mine
    monkeypatch.setenv("COSTROUTE_CACHE", "memory")
    assert isinstance(open_cache(None), MemoryResponseCache)
    assert open_cache(None, environ={}) is None
