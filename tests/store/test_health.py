"""The store's health without a server: one reconnect attempt per retry_s while Redis is down,
and the restore hooks (the ledger restore) after an outage, a new server or a lost write."""

from __future__ import annotations

import pytest
import redis.exceptions

from costroute.store import Health
from costroute.testing import FakeClock

DOWN = redis.exceptions.ConnectionError("Connection refused")


class Server:
    """The probe of a fake Redis: its run_id, or ConnectionError while it is down."""

    def __init__(self) -> None:
        self.run_id = "first"
        self.down = False
        self.probes = 0

    def __call__(self) -> object:
        self.probes += 1
        if self.down:
            raise DOWN
        return self.run_id


def _health() -> tuple[Health, Server, FakeClock, list[float]]:
    clock, server, restores = FakeClock(), Server(), []
    health = Health("redis://h:6379/0", clock, retry_s=5.0, probe=server, run_id="first")
    health.on_restore.append(lambda: restores.append(clock()))
    return health, server, clock, restores


def test_while_up_nothing_is_asked(caplog: pytest.LogCaptureFixture) -> None:
    health, server, _, restores = _health()
    assert health.ready() and health.ready()
    assert server.probes == 0 and restores == [] and caplog.text == ""


def test_one_reconnect_attempt_per_retry_s_then_a_restore(
    caplog: pytest.LogCaptureFixture,
) -> None:
    health, server, clock, restores = _health()
    server.down = True
    health.failed(DOWN, "reserve")
    assert "unreachable" in caplog.text and "trying again every 5s" in caplog.text
    for _ in range(100):  # a hundred calls in the next 5 s try nothing
        assert not health.ready()
        clock.advance(0.049)
    assert server.probes == 0
    clock.t = 5.0
    assert not health.ready() and server.probes == 1  # the one attempt fails: 5 s more
    assert not health.ready() and server.probes == 1
    clock.t = 9.99
    assert not health.ready() and server.probes == 1
    server.down = False
    clock.t = 10.0
    assert health.ready() and server.probes == 2  # answers again (same server)
    assert restores == [10.0] and "answers again" in caplog.text
    assert health.ready() and server.probes == 2 and restores == [10.0]  # once


def test_a_new_connection_checks_the_run_id() -> None:
    health, server, _, restores = _health()
    health.reconnected = True  # redis-py replaced a pooled connection
    assert health.ready() and server.probes == 1 and restores == []  # same server
    server.run_id = "second"  # restarted between two calls: nothing failed
    health.reconnected = True
    assert health.ready() and server.probes == 2 and restores == [0.0]
    assert health.ready() and server.probes == 2


def test_a_busy_pool_is_not_an_outage_but_a_restore_follows(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from costroute._redis_clients import PoolTimeout

    health, server, clock, restores = _health()
    busy = PoolTimeout(10, 0.5)
    assert isinstance(busy, health.errors) and health.is_busy(busy)  # caught, then told apart
    health.failed(busy, "settle")
    health.failed(busy, "settle")
    assert health.down_since is None and health.ready() and health.pool_timeouts == 2
    assert caplog.text.count("no free connection") == 1  # one line per retry_s, not per call
    assert "unreachable" not in caplog.text
    clock.advance(5.0)  # a settle may have been lost: the windows come back from the ledger
    assert health.ready() and restores == [5.0] and server.probes == 1


def test_redis_pys_own_pool_limit_is_not_an_outage_either() -> None:
    from costroute._redis_clients import pool_busy_errors

    limit = getattr(redis.exceptions, "MaxConnectionsError", None)
    if limit is None:
        pytest.skip("this redis-py has no MaxConnectionsError (5.0 has none)")
    assert limit in pool_busy_errors()
    health, *_ = _health()
    health.failed(limit("Too many connections"), "reserve")
    assert health.down_since is None


def test_a_write_not_sent_while_down_restores_again_after_retry_s() -> None:
    health, _, clock, restores = _health()
    health.failed(DOWN, "reserve")
    clock.t = 3.0
    health.lost()  # a settle skipped at 3 s: its ledger record follows it
    clock.t = 5.0
    assert health.ready() and restores == [5.0]  # recovery restores at once
    clock.t = 8.0
    assert health.ready() and restores == [5.0, 8.0]  # and once more, after the lost write
