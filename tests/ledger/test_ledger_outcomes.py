"""Outcomes (``feedback()``/``outcomes()``) on every backend: stored, replaced, refused, joined."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from ledger_backends import Store
from ledger_data import at, record

from costroute.errors import (
    ConfigError,
    FeedbackTooLate,
    InvalidRequestError,
    LedgerError,
    UnknownCallError,
)
from costroute.ledger import DEFAULT_FEEDBACK_WINDOW, Ledger, RatedCall

FEATURES = {"length": 0.4375, "numbers": 0.2310490601866484, "math_terms": 1 / 3}
NOW = at(11, 12)  # two days after ledger_data's default call time (Nov 10, 12:00)


def test_feedback_is_stored_joined_to_its_call(ledger: Ledger) -> None:
    call = record("deepseek-v4-pro", cost="0.0042", difficulty=0.61, features=FEATURES)
    ledger.append(call)
    ledger.feedback(call.request_id, 0.8, source="tests", note="3 of 4 passed", at=NOW)
    (row,) = ledger.outcomes()
    assert row == RatedCall(
        request_id=call.request_id,
        at=call.at,
        deployment="deepseek-v4-pro",
        model="deepseek/deepseek-v4-pro",
        provider="deepseek",
        policy="balanced",
        category="general",
        difficulty=0.61,
        cost_usd=Decimal("0.0042"),
        features=FEATURES,  # exactly the floats given, in every backend
        status="ok",
        source="tests",
        score=0.8,
        note="3 of 4 passed",
        recorded_at=NOW,
    )
    assert ledger.records()[0].features == FEATURES


def test_a_call_without_features_reads_back_none(ledger: Ledger) -> None:
    call = record()
    ledger.append(call)
    ledger.feedback(call.request_id, 1, at=NOW)  # an int is a number too
    (row,) = ledger.outcomes()
    assert (row.features, row.score, row.source, row.note) == (None, 1.0, "user", None)
    assert ledger.records()[0].features is None


def test_one_outcome_per_call_and_source_a_repeat_replaces_it(ledger: Ledger) -> None:
    call = record()
    ledger.append(call)
    ledger.feedback(call.request_id, 0.0, note="thumbs down", at=NOW)
    later = NOW + dt.timedelta(minutes=5)
    ledger.feedback(call.request_id, 1.0, note=None, at=later)  # the user changed their mind
    ledger.feedback(call.request_id, 0.5, source=" tests ", at=later)  # stripped: "tests"
    rows = {r.source: (r.score, r.note, r.recorded_at) for r in ledger.outcomes()}
    assert rows == {"user": (1.0, None, later), "tests": (0.5, None, later)}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"score": 1.01}, "score"),
        ({"score": -0.1}, "score"),
        ({"score": float("nan")}, "score"),
        ({"score": float("inf")}, "score"),
        ({"score": "0.5"}, "score"),
        ({"score": None}, "score"),
        ({"score": True}, "score"),
        ({"source": ""}, "source"),
        ({"source": "   "}, "source"),
        ({"source": None}, "source"),
        ({"note": 42}, "note"),
        ({"request_id": ""}, "request_id"),
        ({"request_id": 7}, "request_id"),
        ({"at": dt.datetime(2026, 11, 12)}, "at"),  # naive
    ],
)
def test_bad_arguments_are_refused_naming_the_field(
    ledger: Ledger, kwargs: dict[str, Any], field: str
) -> None:
    call = record()
    ledger.append(call)
    args: dict[str, Any] = {"request_id": call.request_id, "score": 0.5, "at": NOW, **kwargs}
    with pytest.raises(InvalidRequestError) as info:
        ledger.feedback(args.pop("request_id"), args.pop("score"), **args)
    assert info.value.field == field and info.value.fix
    assert ledger.outcomes() == []


def test_an_unknown_request_id_is_refused(ledger: Ledger) -> None:
    ledger.append(record())
    with pytest.raises(UnknownCallError) as info:
        ledger.feedback("req-nobody-made", 1.0, at=NOW)
    assert info.value.field == "request_id" and info.value.request_id == "req-nobody-made"
    assert "resp.costroute.request_id" in str(info.value)
    assert ledger.outcomes() == []


def test_a_call_older_than_the_window_is_refused(store: Store) -> None:
    call = record(when=at(10, 1, 9))
    with store.open(clock=lambda: at(10, 31, 9)) as ledger:  # 30 days later, by its clock
        assert ledger.feedback_window == DEFAULT_FEEDBACK_WINDOW == dt.timedelta(days=30)
        ledger.append(call)
        ledger.feedback(call.request_id, 1.0)  # exactly 30 days: still inside
        with pytest.raises(FeedbackTooLate) as info:
            ledger.feedback(call.request_id, 0.0, at=at(10, 31, 9) + dt.timedelta(seconds=1))
        assert info.value.called_at == call.at and info.value.field == "request_id"
        assert "30 days" in str(info.value) and "feedback_window" in str(info.value)
        assert [r.score for r in ledger.outcomes()] == [1.0]  # the refused one changed nothing
    with store.open(feedback_window=dt.timedelta(days=90)) as wider:
        wider.feedback(call.request_id, 0.0, at=at(12, 1))
        assert [r.score for r in wider.outcomes()] == [0.0]
        wider.feedback_window = dt.timedelta(hours=1)
        with pytest.raises(FeedbackTooLate, match="1:00:00"):
            wider.feedback(call.request_id, 0.0, at=at(12, 1))


@pytest.mark.parametrize("window", [dt.timedelta(0), dt.timedelta(days=-1), 30, None])
def test_a_bad_window_is_a_config_error(store: Store, window: Any) -> None:
    with pytest.raises(ConfigError) as info:
        store.open(feedback_window=window)
    assert info.value.field == "feedback_window"


def test_outcomes_filter_by_recording_time_and_source(ledger: Ledger) -> None:
    a, b = record(), record()
    ledger.append_many([a, b])
    ledger.feedback(a.request_id, 1.0, at=at(11, 11))
    ledger.feedback(a.request_id, 0.0, source="tests", at=at(11, 12))
    ledger.feedback(b.request_id, 0.5, at=at(11, 13))
    assert [(r.request_id, r.source) for r in ledger.outcomes(since=at(11, 12))] == [
        (a.request_id, "tests"),
        (b.request_id, "user"),
    ]
    assert [r.score for r in ledger.outcomes(until=at(11, 12))] == [1.0]
    assert [r.request_id for r in ledger.outcomes(source="user")] == [a.request_id, b.request_id]
    with pytest.raises(InvalidRequestError) as info:
        ledger.outcomes(since=dt.datetime(2026, 11, 1))
    assert info.value.field == "since"


def test_feedback_sees_a_call_another_ledger_object_just_appended(store: Store) -> None:
    """The call was appended a moment ago through another ledger object (or process)."""
    with store.open() as writer, store.open() as rater:
        call = record()
        writer.append(call)
        rater.feedback(call.request_id, 1.0, at=NOW)
        assert [r.request_id for r in writer.outcomes()] == [call.request_id]


def test_feedback_from_many_threads_keeps_one_row_per_call_and_source(ledger: Ledger) -> None:
    calls = [record() for _ in range(30)]
    ledger.append_many(calls[:15])
    for call in calls[15:]:
        ledger.append(call)
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def rate(worker: int) -> None:
        try:
            start.wait()
            for call in calls:
                # two threads per source: each (call, source) is written twice, concurrently
                ledger.feedback(call.request_id, worker / 10, source=f"s{worker % 4}", at=NOW)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=rate, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = ledger.outcomes()
    assert len(rows) == 30 * 4
    assert {(r.request_id, r.source) for r in rows} == {
        (c.request_id, f"s{k}") for c in calls for k in range(4)
    }
    for r in rows:  # the score of one of the two threads of its source, never a mix
        k = int(r.source[1])
        assert r.score in (k / 10, (k + 4) / 10)


async def test_async_twins(ledger: Ledger) -> None:
    call = record(features=FEATURES)
    await ledger.aappend(call)
    await ledger.afeedback(call.request_id, 0.25, source="app", note="retried", at=NOW)
    (row,) = await ledger.aoutcomes(source="app")
    assert (row.request_id, row.score, row.note, row.features) == (
        call.request_id,
        0.25,
        "retried",
        FEATURES,
    )
    with pytest.raises(UnknownCallError):
        await ledger.afeedback("req-unknown", 1.0, at=NOW)


def test_a_ledger_subclass_without_outcomes_says_so() -> None:
    class RecordsOnly(Ledger):
        def append(self, record: Any) -> None: ...
        def report(self, month: Any = None, group_by: Any = None, tz: str = "UTC") -> Any: ...
        def spent(self, since: Any, until: Any = None, **filters: Any) -> Any: ...
        def records(self, month: Any = None, *, tz: str = "UTC") -> Any: ...
        def close(self) -> None: ...

    ledger = RecordsOnly()
    for read_or_write in (lambda: ledger.feedback("req-1", 1.0), ledger.outcomes):
        with pytest.raises(LedgerError) as info:
            read_or_write()
        assert info.value.field == "ledger" and "RecordsOnly keeps no outcomes" in str(info.value)
