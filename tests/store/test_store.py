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


class Ledger:
    """The ledger's answer to ``spent``: the total of every call recorded (one global window)."""

    def __init__(self) -> None:
        self.total = Decimal(0)

    def spent(self, since: Any, until: Any = None, **scope: Any) -> Decimal:
        return self.total


def _manager(
    url: str, clock: FakeClock, on_failure: str, ledger: Ledger | None = None
) -> tuple[BudgetManager, Any]:
    store = redis_store(
        url,
        on_failure=on_failure,  # type: ignore[arg-type]
        clock=clock,
        retry_s=5.0,
        connect_timeout_s=0.5,
        prefix=f"t{os.getpid()}:",
    )
    budget = Budget([Limit(usd=1, window="month")])
    mgr = BudgetManager(
        budget, backend=store.budget, clock=lambda: 1_795_000_000 + clock(), lease_s=600
    )
    if ledger is not None:  # what Router(ledger=...) registers
        store.on_restore(lambda: mgr.load_spent_from(ledger))
    return mgr, store


def _month(mgr: BudgetManager) -> tuple[Decimal, Decimal]:
    window = next(w for w in mgr.status().windows if w.window == "month")
    return window.spent, window.reserved


@pytest.mark.redis
def test_fail_closed_refuses_while_down_then_the_window_equals_the_ledger(
    own_redis: Any,
) -> None:
    clock, ledger = FakeClock(), Ledger()
    mgr, _ = _manager(own_redis.url, clock, "closed", ledger)
    done = mgr.reserve(Decimal("0.10"))
    mgr.settle(done, Decimal("0.10"))
    ledger.total += Decimal("0.10")
    in_flight = mgr.reserve(Decimal("0.20"))

    own_redis.kill()
    mgr.settle(in_flight, Decimal("0.15"))  # cannot reach Redis: not kept; the ledger has it
    ledger.total += Decimal("0.15")
    with pytest.raises(BackendUnavailable) as err:
        mgr.reserve(Decimal("0.01"))
    assert "failing closed" in str(err.value)

    own_redis.start()  # a new, empty server (no persistence) on the same port
    with pytest.raises(BackendUnavailable):
        mgr.reserve(Decimal("0.01"))  # not tried again before retry_s
    clock.advance(5.0)
    mgr.reserve(Decimal("0.01"))  # tried again: restored from the ledger first
    # both settles (0.10 lived only in the old server, 0.15 never reached Redis): the ledger's
    assert _month(mgr) == (ledger.total, Decimal("0.01"))


@pytest.mark.redis
def test_fail_open_serves_locally_then_the_window_equals_the_ledger(
    own_redis: Any, caplog: pytest.LogCaptureFixture
) -> None:
    clock, ledger = FakeClock(), Ledger()
    mgr, _ = _manager(own_redis.url, clock, "open", ledger)
    first = mgr.reserve(Decimal("0.60"))
    mgr.settle(first, Decimal("0.60"))
    ledger.total += Decimal("0.60")

    own_redis.kill()
    local = mgr.reserve(Decimal("0.30"))  # served from in-process state seeded with the last $0.60
    with pytest.raises(BudgetExceeded):
        mgr.reserve(Decimal("0.20"))  # 0.60 + 0.30 + 0.20 > 1: the local state still enforces it
    mgr.settle(local, Decimal("0.25"))
    ledger.total += Decimal("0.25")
    assert any("unreachable" in r.message for r in caplog.records)

    own_redis.start()
    clock.advance(5.0)
    mgr.release(mgr.reserve(Decimal("0.01")))
    assert _month(mgr) == (Decimal("0.85"), 0)  # the ledger's total, nothing left reserved


@pytest.mark.redis
def test_without_a_ledger_the_spend_of_an_outage_is_missing(own_redis: Any) -> None:
    clock = FakeClock()
    mgr, _ = _manager(own_redis.url, clock, "open")  # no restore hook: nothing to restore from
    own_redis.persist = True  # Redis keeps what it had
    own_redis.kill()
    own_redis.start()
    mgr.settle(mgr.reserve(Decimal("0.30")), Decimal("0.30"))
    own_redis.kill()
    mgr.settle(mgr.reserve(Decimal("0.40")), Decimal("0.40"))  # in process memory only
    own_redis.start()
    clock.advance(5.0)
    assert _month(mgr) == (Decimal("0.30"), 0)  # documented in docs/fleet.md


@pytest.mark.redis
def test_a_settle_lost_in_an_outage_leaves_its_lease_to_expire(own_redis: Any) -> None:
    clock, ledger = FakeClock(), Ledger()
    own_redis.persist = True  # Redis comes back with its data: the unsettled lease too
    own_redis.kill()
    own_redis.start()
    mgr, _ = _manager(own_redis.url, clock, "closed", ledger)
    in_flight = mgr.reserve(Decimal("0.20"))

    own_redis.kill()
    mgr.settle(in_flight, Decimal("0.15"))
    ledger.total += Decimal("0.15")
    own_redis.start()
    clock.advance(5.0)
    assert _month(mgr) == (Decimal("0.15"), Decimal("0.20"))  # restored; the lease lingers
    clock.advance(600.0)  # lease_s after the reservation
    assert _month(mgr) == (Decimal("0.15"), 0)
