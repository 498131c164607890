"""Appending and reading back: records, from_call, spent(), threads and the async twins.

Contract tests: every test taking ``ledger`` or ``store`` runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from ledger_backends import Store
from ledger_data import at, attempt, known_month, record

from costroute.errors import InvalidRequestError, LedgerError
from costroute.ledger import CallRecord, Ledger, SQLiteLedger, hash_prompt
from costroute.types import CallInfo, Usage

D = Decimal


def _info(**kw: object) -> CallInfo:
    fields: dict[str, object] = {
        "request_id": "req-info",
        "deployment": "gpt-5.4-mini",
        "model": "openai/gpt-5.4-mini",
        "provider": "openai",
        "policy": "balanced",
        "difficulty": 0.42,
        "reasons": ("cheap enough",),
        "cost_usd": D("0.00031"),
        "baseline_model": "anthropic/claude-sonnet-5-5",
        "baseline_cost_usd": D("0.0042"),
        "usage": Usage(1200, 300, cached_input_tokens=1000),
        "attempts": (
            attempt("gpt-5.4-mini", "error", status_code=429, error="RateLimitError"),
            attempt("gpt-5.4-mini", cost="0.00031", ttft_ms=120.0),
        ),
        "latency_ms": 640.0,
        "category": "code",
    }
    fields.update(kw)
    return CallInfo(**fields)  # type: ignore[arg-type]


def test_from_call_keeps_every_figure() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    rec = CallRecord.from_call(
        _info(),
        at=dt.datetime(2026, 11, 3, 13, 0, tzinfo=paris),
        user="u1",
        tenant="t1",
        tags={"feature": "search"},
        policy="cheap",
        prompt_hash="abc",
        stream=True,
        ttft_ms=99.0,
    )
    assert rec.at == at(11, 3, 12) and rec.at.tzinfo == dt.UTC
    assert (rec.deployment, rec.model, rec.provider, rec.policy) == (
        "gpt-5.4-mini",
        "openai/gpt-5.4-mini",
        "openai",
        "cheap",
    )
    assert (rec.cost_usd, rec.baseline_cost_usd, rec.saved_usd) == (
        D("0.00031"),
        D("0.0042"),
        D("0.00389"),
    )
    assert (rec.retries, rec.fallbacks, rec.stream, rec.ttft_ms) == (1, 0, True, 99.0)
    assert (rec.category, rec.status, rec.prompt_text) == ("code", "ok", None)
    assert len(rec.attempts) == 2


def test_from_call_defaults_policy_and_ttft_from_the_info() -> None:
    rec = CallRecord.from_call(_info(ttft_ms=55.0), at=at(11, 3))
    assert (rec.policy, rec.ttft_ms, rec.tags, rec.user) == ("balanced", 55.0, {}, None)


def test_records_round_trip(ledger: Ledger) -> None:
    originals = known_month()
    originals.append(
        CallRecord.from_call(
            _info(request_id="rich"), at=at(11, 4), prompt_hash="h", stream=True, ttft_ms=12.5
        )
    )
    ledger.append_many(originals)
    back = ledger.records()
    assert sorted(back, key=lambda r: r.request_id) == sorted(originals, key=lambda r: r.request_id)
    assert [r.request_id for r in ledger.records(month="2026-10")] == ["r8"]
    assert len(ledger.records(month="2026-11", tz="Europe/Paris")) == 9


def test_attempts_round_trip_exactly(ledger: Ledger) -> None:
    """Every attempt field comes back as it went in: money to the last digit, text with quotes
    and non-ASCII, missing codes and times (PostgreSQL sends the attempts as one JSON value)."""
    tries = (
        attempt("claude-haiku-4-5", "error", status_code=529, error='Overloaded "ü" \\ ,)'),
        attempt("deepseek-v4-flash", "interrupted", cost="0.000000123456789", ttft_ms=7.25),
        attempt("deepseek-v4-flash", "ok", cost="12345.6789012345678901", latency_ms=0.1,
                usage=Usage(10, 5, 4, 3, 2)),
    )  # fmt: skip
    ledger.append(record(request_id="tries", attempts=tries, cost="12345.6789013580"))
    (back,) = ledger.records()
    assert back.attempts == tries


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"at": dt.datetime(2026, 11, 1)}, "at"),
        ({"status": "maybe"}, "status"),
        ({"tags": {"feature": 3}}, "tags"),
    ],
)
def test_bad_record(kw: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidRequestError) as info:
        record(**kw)
    assert info.value.field == field


def test_duplicate_request_id(ledger: Ledger) -> None:
    ledger.append(record(request_id="same"))
    with pytest.raises(LedgerError) as info:
        ledger.append(record(request_id="same"))
    assert info.value.field == "request_id"
    assert len(ledger.records()) == 1


def test_append_many_is_all_or_nothing(ledger: Ledger) -> None:
    with pytest.raises(LedgerError):
        ledger.append_many([record(request_id="x"), record(request_id="x")])
    assert ledger.records() == []


def test_closed_ledger_refuses(store: Store) -> None:
    ledger = store.open()
    ledger.close()
    ledger.close()
    with pytest.raises(LedgerError, match="closed") as info:
        ledger.append(record())
    assert info.value.field == "ledger" and info.value.fix
    with pytest.raises(LedgerError, match="closed"):
        ledger.report("2026-11")


def test_spent_filters(known: Ledger) -> None:
    nov = at(11, 1, 0)
    assert known.spent(nov) == D("0.0448")
    assert known.spent(nov, at(11, 10, 12, 30)) == D("0.0052") + D("0.0090")
    assert known.spent(at(10, 1, 0)) == D("1.0448")
    assert known.spent(nov, user="alice") == D("0.0013")
    assert known.spent(nov, tenant="acme") == D("0.0057")
    assert known.spent(nov, tag=("feature", "chat")) == D("0.0045")
    assert known.spent(nov, user="alice", tag=("feature", "search")) == D("0.0012")
    assert known.spent(nov, user="nobody") == D(0)


def test_spent_needs_aware_times(known: Ledger) -> None:
    with pytest.raises(InvalidRequestError) as info:
        known.spent(dt.datetime(2026, 11, 1))
    assert info.value.field == "since"


def test_spent_survives_a_restart(store: Store) -> None:
    with store.open() as first:
        first.append(record(cost="0.25"))
    with store.open() as second:
        assert second.spent(at(11, 1)) == D("0.25")


def test_threads_share_one_ledger(ledger: Ledger) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                ledger.append(record(request_id=f"t{n}-{i}", cost="0.01"))
                if i % 10 == 0:
                    ledger.report("2026-11")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    r = ledger.report("2026-11")
    assert (r.calls, r.spend_usd) == (400, D("4.00"))


async def test_async_twins_run_off_the_loop(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop_thread = threading.get_ident()
    seen: list[int] = []
    append = ledger.append

    def spy(rec: Any) -> None:
        seen.append(threading.get_ident())
        append(rec)

    monkeypatch.setattr(ledger, "append", spy)
    await ledger.aappend(record(request_id="a1", cost="0.5"))
    assert seen and seen[0] != loop_thread
    report = await ledger.areport("2026-11", "model")
    assert report == ledger.report("2026-11", "model")
    assert await ledger.aspent(at(11, 1), user=None) == D("0.5")
    results = await asyncio.gather(*(ledger.aappend(record()) for _ in range(20)))
    assert results == [None] * 20
    assert len(ledger.records()) == 21


def test_every_backend_is_a_ledger(ledger: Ledger, store: Store) -> None:
    assert isinstance(ledger, Ledger)
    if store.kind == "sqlite":
        assert repr(ledger) == f"<SQLiteLedger {store.where!r} synchronous=normal>"
    else:
        assert repr(ledger).startswith("<PostgresLedger ") and store.where in repr(ledger)


def test_synchronous_mode_is_checked(db_path: object) -> None:
    with pytest.raises(InvalidRequestError) as info:
        SQLiteLedger(str(db_path), synchronous="off")  # type: ignore[arg-type]
    assert info.value.field == "synchronous"


def test_hash_prompt_is_stable_and_hides_the_text() -> None:
    messages = [{"role": "user", "content": "hello"}]
    digest = hash_prompt(messages)
    assert digest == hash_prompt([{"content": "hello", "role": "user"}])
    assert len(digest) == 64 and "hello" not in digest
    assert digest != hash_prompt([{"role": "user", "content": "hello!"}])
