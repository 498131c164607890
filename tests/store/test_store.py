"""The store: selection by URL, start-up errors, and Redis lost and restarted mid-run."""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import pytest

from costroute.budget import Budget, BudgetManager, Limit
from costroute.errors import BackendUnavailable, BudgetExceeded, ConfigError
from costroute.store import open_store, redis_store
from costroute.testing import FakeClock


def test_default_store_is_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COSTROUTE_STORE_URL", raising=False)
    assert open_store().kind == "memory"
    assert open_store("memory").kind == "memory"


def test_unknown_scheme_names_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as err:
        open_store("mongodb://u:hunter2@host/db")
    assert err.value.field == "store" and "hunter2" not in str(err.value)
    monkeypatch.setenv("COSTROUTE_STORE_URL", "ftp://x")
    with pytest.raises(ConfigError) as err:
        open_store()
    assert err.value.field == "COSTROUTE_STORE_URL"


def test_bad_failure_choice_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as err:
        redis_store("redis://127.0.0.1:1/0", on_failure="maybe")  # type: ignore[arg-type]
    assert err.value.field == "on_store_failure"


def test_unreachable_redis_at_start_names_the_url_with_password_masked(unused_port: int) -> None:
    port = unused_port
    with pytest.raises(BackendUnavailable) as err:
        open_store(f"redis://:s3cret-pw@127.0.0.1:{port}/0", connect_timeout_s=0.5)
    assert f"redis://:***@127.0.0.1:{port}/0" in str(err.value)
    assert "s3cret-pw" not in str(err.value) and err.value.field == "store"


# ---- a Redis server of the test's own (the own_redis fixture), killed and restarted ------------


def _manager(url: str, clock: FakeClock, on_failure: str) -> tuple[BudgetManager, Any]:
    store = redis_store(
        url,
        on_failure=on_failure,
        clock=clock,
        retry_s=5.0,  # type: ignore[arg-type]
        connect_timeout_s=0.5,
        prefix=f"t{os.getpid()}:",
    )
    budget = Budget([Limit(usd=1, window="month")])
    return BudgetManager(budget, backend=store.budget, clock=lambda: 1_795_000_000 + clock()), store


@pytest.mark.redis
def test_fail_closed_refuses_while_down_and_replays_settles(own_redis: Any) -> None:
    clock = FakeClock()
    mgr, store = _manager(own_redis.url, clock, "closed")
    done = mgr.reserve(Decimal("0.10"))
    mgr.settle(done, Decimal("0.10"))
    in_flight = mgr.reserve(Decimal("0.20"))
    restarts: list[bool] = []
    store.health.on_restart.append(lambda: restarts.append(True))

    own_redis.kill()
    mgr.settle(in_flight, Decimal("0.15"))  # the call happened: its money is kept, not lost
    assert store.budget.pending == 1
    with pytest.raises(BackendUnavailable) as err:
        mgr.reserve(Decimal("0.01"))
    assert "failing closed" in str(err.value)

    own_redis.start()  # a new, empty server (no persistence) on the same port
    clock.advance(5.0)
    mgr.reserve(Decimal("0.01"))  # Redis is tried again: the kept settle is replayed first
    assert store.budget.pending == 0 and restarts == [True]
    window = next(w for w in mgr.status().windows if w.window == "month")
    # the replayed 0.15 is in Redis; the 0.10 settled before the restart lived only in the old
    # server's memory: the router restores it from the ledger on the on_restart hook
    assert window.spent == Decimal("0.15") and window.reserved == Decimal("0.01")


@pytest.mark.redis
def test_fail_open_serves_locally_then_reconciles(
    own_redis: Any, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    mgr, store = _manager(own_redis.url, clock, "open")
    first = mgr.reserve(Decimal("0.60"))
    mgr.settle(first, Decimal("0.60"))

    own_redis.kill()
    local = mgr.reserve(Decimal("0.30"))  # served from in-process state seeded with the last $0.60
    with pytest.raises(BudgetExceeded):
        mgr.reserve(Decimal("0.20"))  # 0.60 + 0.30 + 0.20 > 1: the local state still enforces it
    mgr.settle(local, Decimal("0.25"))
    assert any("unreachable" in r.message for r in caplog.records)

    own_redis.start()
    clock.advance(5.0)
    mgr.release(mgr.reserve(Decimal("0.01")))
    window = next(w for w in mgr.status().windows if w.window == "month")
    assert (
        window.spent == Decimal("0.25") and store.budget.pending == 0
    )  # the local spend reached Redis
    assert window.reserved == 0
