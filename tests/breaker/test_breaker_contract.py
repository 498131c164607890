"""One contract for every Breakers backend (memory, Redis), on an injected clock."""

from __future__ import annotations

import threading
from collections.abc import Callable

from costroute.breaker import BreakerConfig, Breakers, BreakerState
from costroute.testing import FakeClock

Make = Callable[..., Breakers]
STREAK = BreakerConfig(consecutive_failures=3, failure_rate=None, cooldown_s=30, probe_timeout_s=10)
RATE = BreakerConfig(consecutive_failures=None, failure_rate=0.5, min_calls=10, window_s=60)


def fail(b: Breakers, name: str, times: int) -> list[str]:
    return [b.record_failure(name) for _ in range(times)]


def test_a_new_deployment_is_closed(make_breakers: Make) -> None:
    b = make_breakers()
    assert b.allow("d") is True
    assert b.state("d") == BreakerState("closed", 0, None, None)
    assert b.open_set(["d", "e"]) == frozenset()


def test_consecutive_failures_open_it(make_breakers: Make, clock: FakeClock) -> None:
    b = make_breakers(STREAK)
    assert fail(b, "d", 2) == ["closed", "closed"]
    assert b.record_success("d") == "closed"  # the streak starts again
    assert fail(b, "d", 2) == ["closed", "closed"]
    clock.advance(5)
    assert b.record_failure("d") == "open"
    assert b.allow("d") is False
    assert b.state("d") == BreakerState("open", 3, 5.0, 35.0)
    assert b.open_set(["d", "other"]) == frozenset({"d"})
    assert b.allow("other") is True


def test_failure_rate_opens_it_once_min_calls_is_reached(make_breakers: Make) -> None:
    b = make_breakers(RATE)
    assert fail(b, "d", 3) == ["closed"] * 3  # rate 1.0 but only 3 calls < min_calls
    for _ in range(6):
        b.record_success("d")
    assert b.record_failure("d") == "closed"  # 4 / 10 = 0.4
    assert b.record_failure("d") == "closed"  # 5 / 11 = 0.45
    assert b.state("d").window_calls == 11 and b.state("d").window_failures == 5
    assert b.record_failure("d") == "open"  # 6 / 12 = 0.5


def test_the_rate_window_slides(make_breakers: Make, clock: FakeClock) -> None:
    b = make_breakers(RATE)
    fail(b, "d", 9)  # 9 calls, all failed, at t=0
    clock.advance(61)  # those fall out of the 60 s window
    assert b.record_failure("d") == "closed"  # 1 call in the window
    assert (b.state("d").window_calls, b.state("d").window_failures) == (1, 1)


def test_cooldown_then_exactly_one_probe(make_breakers: Make, clock: FakeClock) -> None:
    b = make_breakers(STREAK)
    fail(b, "d", 3)
    clock.advance(29.9)
    assert b.allow("d") is False
    assert b.open_set(["d"]) == {"d"}
    clock.advance(0.1)
    assert b.open_set(["d"]) == frozenset()  # due a probe: planning may pick it
    assert b.allow("d") is True  # the probe
    assert b.allow("d") is False  # everyone else waits for it
    assert b.open_set(["d"]) == {"d"}
    assert b.state("d").state == "half_open"


def test_a_successful_probe_closes_it(make_breakers: Make, clock: FakeClock) -> None:
    b = make_breakers(STREAK)
    fail(b, "d", 3)
    clock.advance(30)
    assert b.allow("d")
    assert b.record_success("d") == "closed"
    assert b.state("d") == BreakerState("closed", 0, None, None)
    assert b.allow("d") and b.allow("d")
    assert fail(b, "d", 2) == ["closed", "closed"]  # the streak restarted from zero


def test_a_failed_probe_reopens_it_for_a_new_cooldown(
    make_breakers: Make, clock: FakeClock
) -> None:
    b = make_breakers(STREAK)
    fail(b, "d", 3)
    clock.advance(30)
    assert b.allow("d")
    assert b.record_failure("d") == "open"
    assert b.state("d") == BreakerState("open", 4, 30.0, 60.0)
    clock.advance(29)
    assert b.allow("d") is False
    clock.advance(1)
    assert b.allow("d") is True
    assert b.record_success("d") == "closed"


def test_a_probe_that_never_reports_is_replaced(make_breakers: Make, clock: FakeClock) -> None:
    b = make_breakers(STREAK)
    fail(b, "d", 3)
    clock.advance(30)
    assert b.allow("d")
    clock.advance(9.9)
    assert b.allow("d") is False
    clock.advance(0.1)  # probe_timeout_s=10 passed
    assert b.allow("d") is True
    assert b.allow("d") is False


def test_results_while_open_are_ignored(make_breakers: Make, clock: FakeClock) -> None:
    b = make_breakers(STREAK)
    fail(b, "d", 3)
    clock.advance(10)
    assert b.record_success("d") == "open"  # a call that started before it opened
    assert b.record_failure("d") == "open"  # does not extend the cooldown
    assert b.state("d").retry_at == 30.0


def race_allow(b: Breakers, name: str, n: int) -> list[bool]:
    """``allow(name)`` from ``n`` threads released at the same moment."""
    barrier = threading.Barrier(n)
    granted: list[bool] = []
    lock = threading.Lock()

    def race() -> None:
        barrier.wait()
        got = b.allow(name)
        with lock:
            granted.append(got)

    threads = [threading.Thread(target=race) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return granted


def test_exactly_one_probe_among_20_threads(make_breakers: Make, clock: FakeClock) -> None:
    b = make_breakers(STREAK)
    for round_ in range(3):
        fail(b, "d", 3)
        clock.advance(30)
        granted = race_allow(b, "d", 20)
        assert len(granted) == 20 and granted.count(True) == 1, f"round {round_}"
        assert b.record_success("d") == "closed"
