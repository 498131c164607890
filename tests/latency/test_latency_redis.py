"""What only the Redis backend promises: shared state, bounded keys, round trips, async twins."""

from __future__ import annotations

from typing import Any

import pytest

from costroute.breaker import BreakerConfig, RedisBreakers
from costroute.errors import ConfigError
from costroute.latency import Prior, RedisLatencyStats
from costroute.testing import FakeClock

pytestmark = pytest.mark.redis
PRIOR = Prior(500.0, 50.0)


def test_two_instances_share_statistics(redis_prefix: tuple[Any, str], clock: FakeClock) -> None:
    client, prefix = redis_prefix
    a = RedisLatencyStats(client, prefix, clock=clock, min_samples=2)
    b = RedisLatencyStats(client, prefix, clock=clock, min_samples=2)
    a.record("d", 300.0, 100.0, 100)
    b.record("d", 300.0, 100.0, 100)
    snap = a.snapshot("d")
    assert snap is not None and snap.n == 2
    assert b.predict_ms("d", 50, PRIOR) == pytest.approx(100.0 + 50 * 2.0)


def test_keys_are_bounded_and_namespaced(redis_prefix: tuple[Any, str], clock: FakeClock) -> None:
    client, prefix = redis_prefix
    stats = RedisLatencyStats(client, prefix, clock=clock, window=25)
    pipe = client.pipeline(transaction=False)
    for i in range(500):
        stats.queue_record(pipe, "d", float(i), 1.0, 3)
    pipe.execute()
    h, totals, ttfts = stats.keys("d")
    assert h == f"{prefix}lat:{{d}}"
    assert client.llen(totals) == 25 and client.llen(ttfts) == 25
    assert sorted(client.scan_iter(match=prefix + "*")) == sorted(
        k.encode() for k in (h, totals, ttfts)
    )


def test_predictions_take_one_round_trip(
    redis_prefix: tuple[Any, str], round_trips: Any, clock: FakeClock
) -> None:
    _, prefix = redis_prefix
    stats = RedisLatencyStats(round_trips.client, prefix, clock=clock, min_samples=1)
    stats.record("a", 300.0, 100.0, 100)
    assert round_trips.count == 1
    round_trips.count = 0
    names = [(f"dep{i}", PRIOR) for i in range(8)] + [("a", PRIOR)]
    got = stats.predictions(names, 50)
    assert round_trips.count == 1
    assert got["a"] == pytest.approx(200.0) and got["dep0"] == 1500.0


def routed_call(client: Any, stats: RedisLatencyStats, breakers: RedisBreakers) -> None:
    """What the router does per call: one pipeline before planning, one after the attempt."""
    names = ["a", "b", "c"]
    pipe = client.pipeline(transaction=False)
    read_pred = stats.queue_predictions(pipe, [(n, PRIOR) for n in names], 100)
    read_open = breakers.queue_open_set(pipe, names)
    results = pipe.execute()
    assert read_open(results) == frozenset()
    assert set(read_pred(results)) == set(names)
    assert breakers.allow("a")  # answered from the open_set hint: no round trip
    pipe = client.pipeline(transaction=False)
    stats.queue_record(pipe, "a", 800.0, None, 100)
    read_state = breakers.queue_record(pipe, "a", ok=True)
    assert read_state(pipe.execute()) == "closed"


def test_a_routed_call_needs_at_most_two_round_trips(
    redis_prefix: tuple[Any, str], round_trips: Any, clock: FakeClock
) -> None:
    _, prefix = redis_prefix
    client = round_trips.client
    stats = RedisLatencyStats(client, prefix, clock=clock, min_samples=1)
    breakers = RedisBreakers(client, prefix, BreakerConfig(), clock=clock)
    round_trips.count = 0
    for _ in range(3):
        clock.advance(1.0)  # cache and hints expired: read everything again
        routed_call(client, stats, breakers)
    assert round_trips.count == 2 * 3
    round_trips.count = 0
    for _ in range(3):
        clock.advance(0.2)  # within cache_s / hint_s: only the records go out
        routed_call(client, stats, breakers)
    assert round_trips.count == 3
    snap = stats.snapshot("a")
    assert snap is not None and snap.n == 6


def test_the_local_copy_follows_own_records_and_others_within_cache_s(
    redis_prefix: tuple[Any, str], round_trips: Any, clock: FakeClock
) -> None:
    client, prefix = redis_prefix
    mine = RedisLatencyStats(round_trips.client, prefix, clock=clock, min_samples=1)
    other = RedisLatencyStats(client, prefix, clock=clock, min_samples=1, cache_s=0)
    assert mine.predictions([("d", PRIOR)], 50) == {"d": 1500.0}  # prior; now cached
    mine.record("d", 300.0, 100.0, 100)
    round_trips.count = 0
    assert mine.predictions([("d", PRIOR)], 50) == {"d": pytest.approx(200.0)}
    assert round_trips.count == 0  # the copy took its own sample
    other.record("d", 100.0, 100.0, 100)  # no generation time: 1 ms per token on average
    assert mine.predict_ms("d", 50, PRIOR) == pytest.approx(200.0)  # not seen yet
    clock.advance(1.0)
    assert mine.predict_ms("d", 50, PRIOR) == pytest.approx(other.predict_ms("d", 50, PRIOR))
    assert round_trips.count == 1
    with pytest.raises(ConfigError) as err:
        RedisLatencyStats(client, prefix, cache_s=-1)
    assert err.value.field == "RedisLatencyStats.cache_s"


def test_from_url(redis_url: str, redis_prefix: tuple[Any, str]) -> None:
    _, prefix = redis_prefix
    stats = RedisLatencyStats.from_url(redis_url, prefix, min_samples=1)
    try:
        stats.record("d", 300.0, 100.0, 100)
        assert stats.predictions([("d", PRIOR)], 50)["d"] == pytest.approx(200.0)
        assert "costroute-test" in repr(stats)
    finally:
        stats.client.close()
