"""What only the Redis backend has: scripts, key expiry, prefixes, round trips, pipelines."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import redis

from costroute.budget import Budget, BudgetManager, Limit, RedisBudgetBackend
from costroute.errors import ConfigError
from costroute.testing import FakeClock

pytestmark = pytest.mark.redis
D = Decimal
LIMITS = Budget([Limit(usd=10, window="month"), Limit(usd=1, window="day", scope="user")])


@pytest.fixture
def client(redis_prefix: tuple[str, str]) -> Iterator[redis.Redis]:
    c = redis.Redis.from_url(redis_prefix[0])
    yield c
    c.close()


def _keys(client: redis.Redis, prefix: str) -> set[str]:
    return {k.decode() for k in client.scan_iter(match=f"{prefix}*")}


def test_keys_live_under_the_prefix_and_expire_after_their_window(
    client: redis.Redis, redis_prefix: tuple[str, str], clock: FakeClock
) -> None:
    prefix = redis_prefix[1]
    mgr = BudgetManager(LIMITS, RedisBudgetBackend(client, prefix), clock, lease_s=600)
    res = mgr.reserve(D("0.5"), user="alice")
    assert _keys(client, prefix) == {
        f"{prefix}budget:v2:index",
        f"{prefix}budget:v2:s:month:2026-11:global",
        f"{prefix}budget:v2:l:month:2026-11:global",
        f"{prefix}budget:v2:s:day:2026-11-25:user=alice",
        f"{prefix}budget:v2:l:day:2026-11-25:user=alice",
    }
    # 16 h to the end of the day, + the lease (600 s) + an hour of margin.
    day_ttl = client.ttl(f"{prefix}budget:v2:s:day:2026-11-25:user=alice")
    assert 16 * 3600 + 600 + 3600 - 5 <= day_ttl <= 16 * 3600 + 600 + 3600
    month_end = dt.datetime(2026, 12, 1, tzinfo=dt.UTC).timestamp()
    assert (
        abs(client.ttl(f"{prefix}budget:v2:s:month:2026-11:global") - (month_end - clock() + 4200))
        < 5
    )
    mgr.settle(res, D("0.5"))
    assert client.hget(f"{prefix}budget:v2:s:month:2026-11:global", "s") == b"500000000"  # n$


def test_windows_of_the_picodollar_format_are_ignored(
    client: redis.Redis, redis_prefix: tuple[str, str], clock: FakeClock
) -> None:
    # What costroute 0.1 left in Redis: picodollar strings under budget:s:/budget:l:/budget:index.
    prefix = redis_prefix[1]
    old = f"{prefix}budget:s:month:2026-11:global"
    client.hset(old, mapping={"s": "9500000000000", "r": "0"})  # $9.5 of the $10 limit
    client.zadd(f"{prefix}budget:index", {"month:2026-11:global": clock() + 86400})
    mgr = BudgetManager(LIMITS, RedisBudgetBackend(client, prefix), clock)
    mgr.settle(mgr.reserve(D("2")), D("2"))  # the old $9.5 does not count
    assert [(w.key, w.spent) for w in mgr.status().windows if w.window == "month"] == [
        ("global", D("2"))
    ]
    assert client.hget(old, "s") == b"9500000000000"  # left alone, to expire with its window


def test_scripts_reload_after_a_script_flush(
    client: redis.Redis, redis_prefix: tuple[str, str], clock: FakeClock
) -> None:
    mgr = BudgetManager(LIMITS, RedisBudgetBackend(client, redis_prefix[1]), clock)
    mgr.settle(mgr.reserve(D("0.1")), D("0.1"))
    client.script_flush()
    mgr.settle(mgr.reserve(D("0.1")), D("0.1"))
    assert mgr.status().windows[0].spent == D("0.2")


def test_two_round_trips_per_call_and_a_pipelined_settle(
    redis_prefix: tuple[str, str], clock: FakeClock
) -> None:
    sent = [0]

    class Counting(redis.Connection):
        def send_packed_command(self, command: Any, check_health: bool = True) -> None:
            sent[0] += 1
            super().send_packed_command(command, check_health)  # type: ignore[no-untyped-call]

    url, prefix = redis_prefix
    client = redis.Redis(
        connection_pool=redis.ConnectionPool.from_url(url, connection_class=Counting)
    )
    mgr = BudgetManager(LIMITS, RedisBudgetBackend(client, prefix), clock)
    mgr.settle(mgr.reserve(D("0.01"), user="a"), D("0.01"))  # loads the scripts
    sent[0] = 0
    for _ in range(10):
        mgr.pressure(user="a")  # figures from the last reserve: no round trip
        res = mgr.reserve(D("0.01"), user="a")
        pipe = client.pipeline(transaction=False)
        mgr.settle(res, D("0.01"), pipeline=pipe)
        pipe.hincrby(f"{prefix}stats", "calls", 1)
        pipe.execute()
    assert sent[0] == 20
    clock.advance(5.0)
    mgr.pressure(user="a")  # first use of its script: NOSCRIPT, SCRIPT LOAD, EVALSHA
    clock.advance(5.0)  # the figures are stale now: pressure asks Redis once
    sent[0] = 0
    mgr.pressure(user="a")
    assert sent[0] == 1
    assert mgr.status().windows[0].spent == D("0.11")
    assert mgr.status().windows[0].reserved == 0
    client.close()


def test_decoded_responses_work_too(redis_prefix: tuple[str, str], clock: FakeClock) -> None:
    client = redis.Redis.from_url(redis_prefix[0], decode_responses=True)
    mgr = BudgetManager(LIMITS, RedisBudgetBackend(client, redis_prefix[1]), clock)
    mgr.settle(mgr.reserve(D("0.25"), user="z"), D("0.2"))
    assert {(w.key, w.spent) for w in mgr.status().windows} == {
        ("global", D("0.2")),
        ("user=z", D("0.2")),
    }
    client.close()


def test_the_async_methods_serve_one_event_loop_after_another(
    redis_prefix: tuple[str, str], clock: FakeClock
) -> None:
    """The async methods run the blocking ones in a worker thread, over the sync client: a
    second asyncio.run works (an asyncio client's connections belonged to the first loop, and
    the second one failed with 'Event loop is closed')."""
    url, prefix = redis_prefix
    client = redis.Redis.from_url(url)
    mgr = BudgetManager(LIMITS, RedisBudgetBackend(client, prefix), clock)

    async def call(amount: Decimal) -> None:
        res = await mgr.areserve(D("0.3"), user="u")
        await mgr.aextend(res, D("0.4"))
        await mgr.asettle(res, amount)
        await mgr.arelease(await mgr.areserve(D("0.1"), user="u"))

    asyncio.run(call(D("0.25")))
    asyncio.run(call(D("0.5")))  # a new event loop, the same manager and client
    assert {(w.key, w.spent, w.reserved) for w in mgr.status().windows} == {
        ("global", D("0.75"), D(0)),
        ("user=u", D("0.75"), D(0)),
    }
    client.close()


def test_a_client_is_required() -> None:
    with pytest.raises(ConfigError) as err:
        RedisBudgetBackend(None)  # type: ignore[arg-type]
    assert err.value.field == "client"
