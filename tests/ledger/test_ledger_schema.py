"""Schema versions and migrations, and files that cannot be opened."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import sqlite3
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from ledger_data import at, record
from old_ledgers import sqlite_at

from costroute.errors import LedgerError
from costroute.ledger import SCHEMA_VERSION, CallRecord, SQLiteLedger
from costroute.ledger._codec import (
    ATTEMPT_COLUMNS,
    CALL_COLUMNS,
    attempts_json,
    call_row,
)
from costroute.ledger._schema import ROLLOUT_COLUMNS
from costroute.types import Attempt, Usage

D = Decimal

_V1_CALL = (
    'INSERT INTO calls (ts, request_id, "user", tenant, tags, policy, deployment, model,'
    " provider, difficulty, category, input_tokens, cached_input_tokens, cache_write_tokens,"
    " output_tokens, reasoning_tokens, cost_usd, baseline_model, baseline_cost_usd, saved_usd,"
    " latency_ms, cached, retries, fallbacks, status, error_class, prompt_hash, prompt_text)"
    " VALUES (?, ?, 'alice', NULL, '{\"feature\": \"search\"}', 'balanced', 'deepseek-v4-flash',"
    " 'deepseek/deepseek-v4-flash', 'deepseek', 0.2, 'general', 1000, 0, 0, 200, 0, ?,"
    " 'anthropic/claude-sonnet-5-5', ?, '0', 700.0, 0, 0, 0, 'ok', NULL, 'h', NULL)"
)
_V1_ATTEMPT = (
    "INSERT INTO attempts VALUES (?, 0, 'deepseek-v4-flash', 'deepseek/deepseek-v4-flash',"
    " 'deepseek', 'ok', NULL, NULL, 700.0, 1000, 0, 0, 200, 0, ?)"
)
_NOV_3 = 1_793_707_200_000_000  # 2026-11-03T12:00:00Z in microseconds


def _make_v1(path: Path) -> None:
    conn = sqlite_at(path, 1)
    with conn:
        for i, (cost, base) in enumerate([("0.0012", "0.0150"), ("1E-13", "0.0000003")]):
            cur = conn.execute(_V1_CALL, (_NOV_3 + i, f"old-{i}", cost, base))
            conn.execute(_V1_ATTEMPT, (cur.lastrowid, cost))
    conn.close()


def _version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT version FROM schema_version").fetchone()[0])
    finally:
        conn.close()


def test_new_file_is_at_the_current_version(db_path: Path) -> None:
    SQLiteLedger(db_path).close()
    assert _version(db_path) == SCHEMA_VERSION == 8


def test_v1_file_is_migrated_forward(db_path: Path) -> None:
    _make_v1(db_path)
    assert _version(db_path) == 1
    with SQLiteLedger(db_path) as ledger:
        assert _version(db_path) == SCHEMA_VERSION
        old = ledger.records()
        assert [r.request_id for r in old] == ["old-0", "old-1"]
        assert (old[0].stream, old[0].ttft_ms, old[0].tags) == (False, None, {"feature": "search"})
        assert old[0].at == at(11, 3, 12)
        assert old[0].attempts[0].cost_usd == D("0.0012")
        ledger.feedback("old-1", 0.5, at=old[1].at)  # schema 5: calls made before it
        assert [(o.request_id, o.features) for o in ledger.outcomes()] == [("old-1", None)]
        ledger.append(record(cost="0.5", baseline="1", stream=True, ttft_ms=30.0))
        r = ledger.report("2026-11")
        assert r.spend_usd == D("0.5012") + D("1E-13")
        assert r.baseline_usd == D("1.0150003")
    conn = sqlite3.connect(db_path)
    pusd = conn.execute("SELECT cost_pusd FROM calls ORDER BY id").fetchall()
    conn.close()
    assert pusd == [(1_200_000_000,), (None,), (500_000_000_000,)]  # 1e-13 has no exact pUSD


def test_reopening_does_not_migrate_again(db_path: Path) -> None:
    _make_v1(db_path)
    SQLiteLedger(db_path).close()
    with SQLiteLedger(db_path) as ledger:
        assert len(ledger.records()) == 2
    assert _version(db_path) == SCHEMA_VERSION


def test_migrations_load_only_to_upgrade_an_older_file(tmp_path: Path) -> None:
    """Creating a file and reopening a current one never import the migrations; an older
    file does, to migrate it."""
    new, old = tmp_path / "new.sqlite", tmp_path / "old.sqlite"
    sqlite_at(old, 1).close()
    code = textwrap.dedent(
        """
        import json, sys
        from costroute.ledger import SQLiteLedger
        loaded = []
        for path in sys.argv[1:]:
            SQLiteLedger(path).close()
            loaded.append("costroute.ledger._migrate" in sys.modules)
        print(json.dumps(loaded))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(new), str(new), str(old)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [False, False, True]
    assert _version(new) == _version(old) == SCHEMA_VERSION


def test_newer_file_is_refused(db_path: Path) -> None:
    SQLiteLedger(db_path).close()
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("UPDATE schema_version SET version = 99")
    conn.close()
    with pytest.raises(LedgerError, match="upgrade costroute") as info:
        SQLiteLedger(db_path)
    assert "99" in str(info.value) and str(db_path) in str(info.value)
    assert info.value.field == "ledger"


def test_missing_folder_names_the_path_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "ledger.sqlite"
    with pytest.raises(LedgerError) as info:
        SQLiteLedger(path)
    message = str(info.value)
    assert str(path) in message
    assert f"mkdir -p {path.parent}" in message
    assert not path.parent.exists()


def test_corrupt_file_names_the_file(db_path: Path) -> None:
    db_path.write_bytes(random.Random(7).randbytes(8192))
    with pytest.raises(LedgerError) as info:
        SQLiteLedger(db_path)
    assert str(db_path) in str(info.value)
    assert "not a valid SQLite database" in str(info.value)
    assert info.value.fix is not None and "aside" in info.value.fix


def test_wal_mode_and_synchronous(db_path: Path) -> None:
    with SQLiteLedger(db_path, synchronous="full") as ledger:
        ledger.append(record())
        writer = ledger._writer
        assert writer is not None
        assert writer.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert writer.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    with SQLiteLedger(db_path) as ledger:
        writer = ledger._writer
        assert writer is not None
        assert writer.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def _two_tries() -> tuple[Attempt, Attempt]:
    return (
        Attempt("a", "m/a", "deepseek", "error", 12.5, error="RateLimitError", status_code=429),
        Attempt(
            "a", "m/a", "deepseek", "ok", 80.0, Usage(10, 5), Decimal("0.000009"), ttft_ms=40.0
        ),
    )


def _record_with(tries: tuple[Attempt, ...], request_id: str = "r1") -> CallRecord:
    return CallRecord(
        request_id=request_id,
        at=dt.datetime(2026, 11, 5, tzinfo=dt.UTC),
        deployment="a",
        model="m/a",
        provider="deepseek",
        policy="p",
        difficulty=0.1,
        cost_usd=Decimal("0.000009"),
        attempts=tries,
    )


_VIEW_ROWS = [
    (1, 0, "a", "m/a", "deepseek", "error", 429, "RateLimitError", 12.5, None, 0, 0, 0, 0, 0, "0"),
    (1, 1, "a", "m/a", "deepseek", "ok", None, None, 80.0, 40.0, 10, 0, 0, 5, 0, "0.000009"),
]


def test_one_row_holds_the_call_and_attempts_is_a_view_of_it(db_path: Path) -> None:
    """Schema 4: one INSERT of one row; the attempts view gives one typed row per attempt."""
    tries = _two_tries()
    with SQLiteLedger(db_path) as ledger:
        ledger.append(_record_with(tries))
        ledger.append(_record_with((), request_id="refused"))  # no attempts: no view rows
        back = ledger.records()
    assert [r.attempts for r in back] == [tries, ()]
    conn = sqlite3.connect(db_path)
    try:
        kind = conn.execute("SELECT type FROM sqlite_master WHERE name = 'attempts'").fetchone()
        assert kind == ("view",)
        assert conn.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'"
        ).fetchone() == (0,)
        assert (
            conn.execute(
                f"SELECT {', '.join(ATTEMPT_COLUMNS)} FROM attempts ORDER BY call_id, idx"
            ).fetchall()
            == _VIEW_ROWS
        )
    finally:
        conn.close()


def _older_insert(row: tuple[Any, ...], *later: str) -> tuple[str, tuple[Any, ...]]:
    """Today's call row (``call_row`` + attempts_json) without the columns ``later`` added."""
    keep = [i for i, c in enumerate(CALL_COLUMNS) if c not in later]
    columns = [CALL_COLUMNS[i] for i in keep]
    values = (*(row[i] for i in keep), row[-1])
    marks = ", ".join("?" * (len(columns) + 1))
    return f"INSERT INTO calls ({', '.join(columns)}, attempts_json) VALUES ({marks})", values


def _v3_insert(row: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """Today's call row as a schema-3 file takes it: without ``features`` (schema 5), the
    rollout columns (schema 6), ``purpose`` (schema 7) and ``embedding`` (schema 8)."""
    return _older_insert(row, "features", *ROLLOUT_COLUMNS, "purpose", "embedding")


def test_v3_file_folds_its_attempts_table_into_the_calls(db_path: Path) -> None:
    """A schema-3 file (attempts table + trigger) migrates to 4 with every attempt kept."""
    conn = sqlite_at(db_path, 3)  # as costroute 3 left files
    tries = _two_tries()
    row = (*call_row(_record_with(tries)), attempts_json(tries))
    conn.execute(*_v3_insert(row))  # the v3 trigger expands it into attempts rows
    assert conn.execute("SELECT COUNT(*), MAX(attempts_json) FROM attempts, calls").fetchone() == (
        2,
        None,
    )
    conn.close()
    with SQLiteLedger(db_path) as ledger:
        (back,) = ledger.records()
        ledger.append(_record_with(tries, request_id="r2"))
    assert back.attempts == tries
    assert _version(db_path) == SCHEMA_VERSION
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute(
            f"SELECT {', '.join(ATTEMPT_COLUMNS)} FROM attempts WHERE call_id = 1 ORDER BY idx"
        ).fetchall()
        assert rows == _VIEW_ROWS
        assert conn.execute("SELECT COUNT(*) FROM attempts").fetchone() == (4,)
        assert conn.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'"
        ).fetchone() == (0,)
    finally:
        conn.close()


def test_a_v4_file_moves_to_v5(db_path: Path) -> None:
    """A schema-4 file (no features): its calls kept, and they take outcomes."""
    conn = sqlite_at(db_path, 4)
    stored = record(request_id="in-table", features={"length": 0.5})
    conn.execute(*_v3_insert((*call_row(stored), attempts_json(stored.attempts))))
    conn.close()
    with SQLiteLedger(db_path) as ledger:
        back = {r.request_id: r for r in ledger.records()}
        assert back["in-table"].features is None
        assert dataclasses.replace(back["in-table"], features=stored.features) == stored
        ledger.feedback("in-table", 1.0, at=stored.at)
        assert len(ledger.outcomes()) == 1
    assert _version(db_path) == SCHEMA_VERSION


def test_a_v5_file_moves_to_v8_its_calls_routed(db_path: Path) -> None:
    """A schema-5 file (no rollout columns, no purpose): its calls are routed ones, and a labelling call added
    after the migration is reported apart."""
    conn = sqlite_at(db_path, 5)
    stored = record(request_id="v5-call", cost="0.25", baseline="1", features={"length": 0.5})
    row = (*call_row(stored), attempts_json(stored.attempts))
    conn.execute(*_older_insert(row, *ROLLOUT_COLUMNS, "purpose", "embedding"))
    conn.close()
    with SQLiteLedger(db_path) as ledger:
        (back,) = ledger.records()
        assert back == stored and back.purpose == "route"
        ledger.append(record(request_id="label-1", cost="0.5", baseline="0.5", purpose="labeling"))
        r = ledger.report("2026-11")
        assert (r.calls, r.spend_usd, r.saved_usd) == (1, D("0.25"), D("0.75"))
        assert (r.labeling_calls, r.labeling_usd, r.net_saved_usd) == (1, D("0.5"), D("0.25"))
    assert _version(db_path) == SCHEMA_VERSION == 8
