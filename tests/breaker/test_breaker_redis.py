"""What only the Redis breakers promise: state shared across instances and processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any

import pytest

from costroute.breaker import BreakerConfig, RedisBreakers
from costroute.testing import FakeClock

pytestmark = pytest.mark.redis
STREAK = BreakerConfig(consecutive_failures=3, failure_rate=None, cooldown_s=30)


def test_two_instances_see_each_others_state(
    redis_url: str, redis_prefix: tuple[Any, str], clock: FakeClock
) -> None:
    import redis

    client, prefix = redis_prefix
    other = redis.Redis.from_url(redis_url)
    try:
        a = RedisBreakers(client, prefix, STREAK, clock=clock, hint_s=0)
        b = RedisBreakers(other, prefix, STREAK, clock=clock, hint_s=0)
        for _ in range(3):
            a.record_failure("d")
        assert b.allow("d") is False
        assert b.open_set(["d"]) == {"d"}
        assert b.state("d").state == "open"
        clock.advance(30)
        assert b.allow("d") is True  # b holds the probe ...
        assert a.allow("d") is False  # ... so a waits
        assert a.state("d").state == "half_open"
        assert b.record_success("d") == "closed"
        assert a.allow("d") is True
    finally:
        other.close()


CHILD = textwrap.dedent(
    """
    import sys
    import redis
    from costroute.breaker import BreakerConfig, RedisBreakers

    url, prefix = sys.argv[1], sys.argv[2]
    cfg = BreakerConfig(consecutive_failures=3, failure_rate=None, cooldown_s=30)
    b = RedisBreakers(redis.Redis.from_url(url), prefix, cfg, clock=lambda: 1000.0, hint_s=0)
    seen = b.allow("parent-opened")
    for _ in range(3):
        b.record_failure("child-opened")
    print("allow(parent-opened)=" + str(seen))
    """
)


def test_a_breaker_opened_in_one_process_is_seen_by_another(
    redis_url: str, redis_prefix: tuple[Any, str]
) -> None:
    client, prefix = redis_prefix
    clock = FakeClock()
    clock.t = 1000.0
    here = RedisBreakers(client, prefix, STREAK, clock=clock, hint_s=0)
    for _ in range(3):
        here.record_failure("parent-opened")
    done = subprocess.run(
        [sys.executable, "-c", CHILD, redis_url, prefix],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "allow(parent-opened)=False"
    assert here.allow("child-opened") is False
    assert here.open_set(["child-opened", "parent-opened", "x"]) == {
        "child-opened",
        "parent-opened",
    }


def test_the_open_set_hint_saves_round_trips(
    redis_prefix: tuple[Any, str], round_trips: Any, clock: FakeClock
) -> None:
    client, prefix = redis_prefix
    b = RedisBreakers(round_trips.client, prefix, STREAK, clock=clock, hint_s=1.0)
    other = RedisBreakers(client, prefix, STREAK, clock=clock, hint_s=0)
    assert b.open_set(["d"]) == frozenset()
    assert round_trips.count == 1
    assert b.allow("d") and b.allow("d")
    assert round_trips.count == 1  # both answered from the hint
    for _ in range(3):
        other.record_failure("d")
    assert b.allow("d") is True  # the hint is up to hint_s stale ...
    clock.advance(1.0)
    assert b.allow("d") is False  # ... then Redis answers
    assert b.open_set(["d"]) == {"d"}
    count = round_trips.count
    assert b.allow("d") is False  # cooling: from the hint again
    assert round_trips.count == count
    clock.advance(30)
    assert b.allow("d") is True  # a probe always asks Redis
    assert b.allow("d") is False
    assert round_trips.count == count + 2
    assert b.record_failure("d") == "open"
    assert b.allow("d") is False


def test_keys_expire_and_buckets_stay_bounded(
    redis_prefix: tuple[Any, str], clock: FakeClock
) -> None:
    client, prefix = redis_prefix
    cfg = BreakerConfig(consecutive_failures=None, failure_rate=0.9, min_calls=5, window_s=10)
    b = RedisBreakers(client, prefix, cfg, clock=clock, hint_s=0)
    for _ in range(1000):  # 1000 s of traffic, a bucket per second, now and then a failure
        clock.advance(1)
        b.record_success("d")
        if int(clock.t) % 7 == 0:
            assert b.record_failure("d") == "closed"
    key = b.key("d")
    assert key == f"{prefix}brk:{{d}}"
    buckets = [f for f in client.hkeys(key) if f.startswith(b"b:")]
    assert len(buckets) <= 2 * 11
    assert 0 < client.pttl(key) <= 1000 * (2 * (10 + 30 + 60) + 60)
    state = b.state("d")
    assert state.state == "closed" and 9 <= state.window_calls <= 12


def test_from_url(redis_url: str, redis_prefix: tuple[Any, str]) -> None:
    _, prefix = redis_prefix
    b = RedisBreakers.from_url(redis_url, prefix, STREAK)
    try:
        assert b.allow("d") and b.record_failure("d") == "closed"
        assert b.state("d").failures == 1
        assert repr(b) == f"<RedisBreakers prefix={prefix!r} hint_s=1.0>"
    finally:
        b.client.close()
