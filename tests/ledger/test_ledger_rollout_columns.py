"""Schema 6: the router version that decided each call and the shadowed candidate's first choice,
in both backends; rows written before it read back with None."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest
from ledger_backends import PgRun, Store
from ledger_data import attempt, record
from old_ledgers import pg_at, sqlite_at

from costroute.ledger import SCHEMA_VERSION, PostgresLedger, SQLiteLedger
from costroute.ledger._codec import CALL_COLUMNS, attempts_json, call_row
from costroute.ledger._schema import ROLLOUT_COLUMNS

SHADOWED = {
    "router_version": "default@540955de409d5a1a",
    "shadow_version": "nov@0123456789abcdef",
    "shadow_deployment": "claude-haiku-4-5",
}


def test_the_columns_round_trip_through_records_and_outcomes(store: Store) -> None:
    with store.open() as ledger:
        ledger.append_many(
            [
                record(request_id="shadowed", **SHADOWED),
                record(request_id="decided", router_version="default@540955de409d5a1a"),
                record(request_id="plain"),
            ]
        )
        back = {r.request_id: r for r in ledger.records()}
        assert {k: getattr(back["shadowed"], k) for k in SHADOWED} == SHADOWED
        decided = back["decided"]
        assert (decided.router_version, decided.shadow_version, decided.shadow_deployment) == (
            "default@540955de409d5a1a",
            None,
            None,
        )
        assert back["plain"].router_version is None
        ledger.feedback("shadowed", 0.75, at=back["shadowed"].at)
        (rated,) = ledger.outcomes()
        assert {k: getattr(rated, k) for k in SHADOWED} == SHADOWED
        assert rated.score == 0.75


def _v5_row() -> tuple[list[str], tuple[object, ...]]:
    """A call row as a schema-5 SQLite file takes it (no rollout columns, no purpose)."""
    old = record(request_id="before-6", attempts=(attempt("deepseek-v4-flash"),))
    pairs = [
        (c, v)
        for c, v in zip(CALL_COLUMNS, call_row(old), strict=True)
        if c not in (*ROLLOUT_COLUMNS, "purpose", "embedding")
    ]
    columns = [c for c, _ in pairs] + ["attempts_json"]
    return columns, (*(v for _, v in pairs), attempts_json(old.attempts))


def test_a_v5_sqlite_file_moves_to_v8_and_old_rows_have_no_version(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    conn = sqlite_at(path, 5)
    columns, values = _v5_row()
    marks = ", ".join("?" * len(columns))
    conn.execute(f"INSERT INTO calls ({', '.join(columns)}) VALUES ({marks})", values)
    conn.close()
    with SQLiteLedger(path) as ledger:
        ledger.append(record(request_id="after-6", **SHADOWED))
        back = {r.request_id: r for r in ledger.records()}
    old = back["before-6"]
    assert (old.router_version, old.shadow_version, old.shadow_deployment) == (None, None, None)
    assert back["after-6"].shadow_deployment == "claude-haiku-4-5"
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT version FROM schema_version").fetchone() == (SCHEMA_VERSION,)
    finally:
        conn.close()


@pytest.mark.postgres
def test_a_v5_postgres_schema_moves_to_v8_and_old_rows_have_no_version(
    pg_run: PgRun,
) -> None:
    import psycopg

    schema = f"{pg_run.prefix}v5_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(pg_run.url, autocommit=True) as conn:
        pg_at(conn, schema, 5)
        conn.execute(
            "INSERT INTO calls (ts, request_id, policy, deployment, model, provider, difficulty,"
            " category, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens,"
            " reasoning_tokens, cost_usd, baseline_cost_usd, saved_usd, latency_ms, cached,"
            " retries, fallbacks, status, prompt_hash) VALUES (1793707200000000, 'before-6',"
            " 'balanced', 'deepseek-v4-flash', 'deepseek/deepseek-v4-flash', 'deepseek', 0.2,"
            " 'general', 1000, 0, 0, 200, 0, 0.001, 0.01, 0.009, 700, false, 0, 0, 'ok', 'h')"
        )
    try:
        with PostgresLedger(pg_run.url, schema=schema) as ledger:
            ledger.append(record(request_id="after-6", **SHADOWED))
            back = {r.request_id: r for r in ledger.records()}
        with psycopg.connect(pg_run.url, autocommit=True) as conn:
            row = conn.execute(f'SELECT version FROM "{schema}".schema_version').fetchone()
            version = row[0] if row else None
    finally:
        pg_run.drop(schema)
    old = back["before-6"]
    assert (old.router_version, old.shadow_version, old.shadow_deployment) == (None, None, None)
    assert {k: getattr(back["after-6"], k) for k in SHADOWED} == SHADOWED
    assert version == SCHEMA_VERSION == 8
