"""A new ledger is created at the latest schema directly; an older one migrated forward ends with
the same schema: tables and views, columns (order, type, NOT NULL, default), keys, indexes."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from ledger_backends import PgRun
from old_ledgers import pg_at, sqlite_at

from costroute.ledger import SCHEMA_VERSION, PostgresLedger, SQLiteLedger

OLDER = range(1, SCHEMA_VERSION)


def _sqlite_schema(path: Path) -> dict[str, Any]:
    """Everything SQLite says about a file's schema, but the text of its CREATE TABLEs."""
    conn = sqlite3.connect(path)
    try:
        out: dict[str, Any] = {
            "version": conn.execute("SELECT version FROM schema_version").fetchall(),
            "tables": conn.execute(
                "SELECT name, type, ncol, wr, strict FROM pragma_table_list"
                " WHERE schema = 'main' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            ).fetchall(),
        }
        objects = conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name"
        ).fetchall()
        for kind, name, table, sql in objects:
            entry: dict[str, Any] = {"type": kind, "table": table}
            if kind in ("table", "view"):
                entry["columns"] = conn.execute(f"PRAGMA table_xinfo('{name}')").fetchall()
                entry["foreign_keys"] = conn.execute(
                    f"PRAGMA foreign_key_list('{name}')"
                ).fetchall()
                entry["indexes"] = [
                    (*index, conn.execute(f"PRAGMA index_xinfo('{index[1]}')").fetchall())
                    for index in conn.execute(f"PRAGMA index_list('{name}')").fetchall()
                ]
            if kind != "table" and sql is not None:  # a view's, an index's or trigger's text
                entry["sql"] = " ".join(sql.split())
            out[name] = entry
        return out
    finally:
        conn.close()


def test_sqlite_new_file_has_the_tables_the_ledger_uses(tmp_path: Path) -> None:
    SQLiteLedger(tmp_path / "new.sqlite").close()
    new = _sqlite_schema(tmp_path / "new.sqlite")
    assert new["version"] == [(SCHEMA_VERSION,)]
    assert [t[:2] for t in new["tables"]] == [
        ("attempts", "view"),
        ("calls", "table"),
        ("outcomes", "table"),
        ("schema_version", "table"),
    ]
    assert [c[1] for c in new["calls"]["columns"]][-3:] == [
        "shadow_deployment",
        "purpose",
        "embedding",
    ]
    assert sorted(k for k, v in new.items() if isinstance(v, dict) and v["type"] == "index") == [
        "calls_ts",
        "outcomes_ts",
        "sqlite_autoindex_calls_1",  # request_id UNIQUE; outcomes, WITHOUT ROWID, is its key
    ]
    assert [i[1:4] for i in new["outcomes"]["indexes"]] == [
        ("outcomes_ts", 0, "c"),
        ("sqlite_autoindex_outcomes_1", 1, "pk"),
    ]


@pytest.mark.parametrize("version", OLDER)
def test_sqlite_older_file_migrated_equals_a_new_one(tmp_path: Path, version: int) -> None:
    SQLiteLedger(tmp_path / "new.sqlite").close()
    old = tmp_path / f"v{version}.sqlite"
    sqlite_at(old, version).close()
    assert _sqlite_schema(old)["version"] == [(version,)]
    SQLiteLedger(old).close()
    assert _sqlite_schema(old) == _sqlite_schema(tmp_path / "new.sqlite")


def _pg_schema(url: str, schema: str) -> dict[str, Any]:
    """What PostgreSQL's catalogs say about ``schema``: relations, columns, constraints, indexes
    (the schema's name written as ``<schema>``)."""
    import psycopg

    queries = {
        "version": f'SELECT version FROM "{schema}".schema_version',
        "relations": "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n"
        " ON n.oid = c.relnamespace WHERE n.nspname = %(s)s ORDER BY 1",
        "columns": "SELECT table_name, ordinal_position, column_name, data_type, is_nullable,"
        " column_default, is_identity, identity_generation FROM information_schema.columns"
        " WHERE table_schema = %(s)s ORDER BY 1, 2",
        "constraints": "SELECT r.relname, k.conname, k.contype, pg_get_constraintdef(k.oid)"
        " FROM pg_constraint k JOIN pg_class r ON r.oid = k.conrelid JOIN pg_namespace n"
        " ON n.oid = k.connamespace WHERE n.nspname = %(s)s ORDER BY 1, 2",
        "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes"
        " WHERE schemaname = %(s)s ORDER BY 1, 2",
    }
    with psycopg.connect(url, autocommit=True) as conn:
        return {
            what: [
                tuple(v.replace(schema, "<schema>") if isinstance(v, str) else v for v in row)
                for row in conn.execute(query, {"s": schema}).fetchall()
            ]
            for what, query in queries.items()
        }


@pytest.mark.postgres
def test_postgres_new_schema_has_the_tables_the_ledger_uses(pg_run: PgRun) -> None:
    fresh = pg_run.new_schema()
    try:
        PostgresLedger(pg_run.url, schema=fresh).close()
        new = _pg_schema(pg_run.url, fresh)
    finally:
        pg_run.drop(fresh)
    assert new["version"] == [(SCHEMA_VERSION,)]
    assert [r for r in new["relations"] if r[1] == "r"] == [
        ("attempts", "r"),
        ("calls", "r"),
        ("outcomes", "r"),
        ("schema_version", "r"),
    ]
    assert [c[2] for c in new["columns"] if c[0] == "calls"][-2:] == [
        "purpose",
        "embedding",
    ]
    assert ("attempts", "attempts_call_id_fkey", "f") in [c[:3] for c in new["constraints"]]
    assert [i[1] for i in new["indexes"]] == [
        "attempts_pkey",
        "calls_pkey",
        "calls_request_id_key",
        "calls_ts",
        "outcomes_pkey",
        "outcomes_ts",
    ]


@pytest.mark.postgres
@pytest.mark.parametrize("version", OLDER)
def test_postgres_older_schema_migrated_equals_a_new_one(pg_run: PgRun, version: int) -> None:
    import psycopg

    fresh, old = pg_run.new_schema(), pg_run.new_schema()
    try:
        PostgresLedger(pg_run.url, schema=fresh).close()
        with psycopg.connect(pg_run.url, autocommit=True) as conn:
            pg_at(conn, old, version)
        assert _pg_schema(pg_run.url, old)["version"] == [(version,)]
        PostgresLedger(pg_run.url, schema=old).close()
        migrated = _pg_schema(pg_run.url, old)
        new = _pg_schema(pg_run.url, fresh)
    finally:
        pg_run.drop(fresh)
        pg_run.drop(old)
    assert migrated == new
