"""Ledgers as older costroute versions left them, to test that they are migrated forward.

Version 1 of each backend's schema is frozen here, as costroute 0.1's first releases created it
(the library itself now creates only the latest version); later versions are built from it with
the library's own migration steps.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from costroute.ledger._migrate import migrate, migrate_pg
from costroute.ledger._schema import statements

if TYPE_CHECKING:
    from psycopg import Connection

SQLITE_V1 = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE calls (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,                 -- microseconds since 1970-01-01 UTC
    request_id TEXT NOT NULL UNIQUE,
    "user" TEXT,
    tenant TEXT,
    tags TEXT NOT NULL DEFAULT '{}',     -- JSON object of str -> str
    policy TEXT NOT NULL,
    deployment TEXT NOT NULL,
    model TEXT NOT NULL,
    provider TEXT NOT NULL,
    difficulty REAL NOT NULL,
    category TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    cached_input_tokens INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    reasoning_tokens INTEGER NOT NULL,
    cost_usd TEXT NOT NULL,              -- exact Decimal USD
    baseline_model TEXT,
    baseline_cost_usd TEXT NOT NULL,
    saved_usd TEXT NOT NULL,
    latency_ms REAL NOT NULL,
    cached INTEGER NOT NULL,             -- 1 when costroute's response cache answered
    retries INTEGER NOT NULL,
    fallbacks INTEGER NOT NULL,
    status TEXT NOT NULL,                -- ok | error | refused
    error_class TEXT,
    prompt_hash TEXT NOT NULL,
    prompt_text TEXT                     -- NULL unless the application opted in
);
CREATE INDEX calls_ts ON calls (ts);
CREATE TABLE attempts (
    call_id INTEGER NOT NULL REFERENCES calls (id),
    idx INTEGER NOT NULL,
    deployment TEXT NOT NULL,
    model TEXT NOT NULL,
    provider TEXT NOT NULL,
    status TEXT NOT NULL,                -- ok | error | interrupted
    status_code INTEGER,
    error TEXT,
    latency_ms REAL NOT NULL,
    input_tokens INTEGER NOT NULL,
    cached_input_tokens INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    reasoning_tokens INTEGER NOT NULL,
    cost_usd TEXT NOT NULL,
    PRIMARY KEY (call_id, idx)
) WITHOUT ROWID;
INSERT INTO schema_version (version) VALUES (1);
"""


PG_V1 = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE calls (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ts BIGINT NOT NULL,
    request_id TEXT NOT NULL UNIQUE,
    "user" TEXT,
    tenant TEXT,
    tags JSONB NOT NULL DEFAULT '{}',
    policy TEXT NOT NULL,
    deployment TEXT NOT NULL,
    model TEXT NOT NULL,
    provider TEXT NOT NULL,
    difficulty DOUBLE PRECISION NOT NULL,
    category TEXT NOT NULL,
    input_tokens BIGINT NOT NULL,
    cached_input_tokens BIGINT NOT NULL,
    cache_write_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    reasoning_tokens BIGINT NOT NULL,
    cost_usd NUMERIC NOT NULL,
    baseline_model TEXT,
    baseline_cost_usd NUMERIC NOT NULL,
    saved_usd NUMERIC NOT NULL,
    latency_ms DOUBLE PRECISION NOT NULL,
    cached BOOLEAN NOT NULL,
    retries INTEGER NOT NULL,
    fallbacks INTEGER NOT NULL,
    status TEXT NOT NULL,
    error_class TEXT,
    prompt_hash TEXT NOT NULL,
    prompt_text TEXT
);
CREATE INDEX calls_ts ON calls (ts);
CREATE TABLE attempts (
    call_id BIGINT NOT NULL REFERENCES calls (id),
    idx INTEGER NOT NULL,
    deployment TEXT NOT NULL,
    model TEXT NOT NULL,
    provider TEXT NOT NULL,
    status TEXT NOT NULL,
    status_code INTEGER,
    error TEXT,
    latency_ms DOUBLE PRECISION NOT NULL,
    input_tokens BIGINT NOT NULL,
    cached_input_tokens BIGINT NOT NULL,
    cache_write_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    reasoning_tokens BIGINT NOT NULL,
    cost_usd NUMERIC NOT NULL,
    PRIMARY KEY (call_id, idx)
);
INSERT INTO schema_version (version) VALUES (1)
"""


def sqlite_at(path: Path | str, version: int) -> sqlite3.Connection:
    """A new SQLite file at ``version`` (1 to the latest), and an autocommit connection to it."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(SQLITE_V1)
    if version > 1:
        migrate(conn, 1, to=version)
    return conn


def pg_at(conn: Connection, schema: str, version: int) -> None:
    """Create ``schema`` at ``version`` and leave ``conn`` (autocommit) in it."""
    conn.execute(f'CREATE SCHEMA "{schema}"')
    conn.execute(f'SET search_path TO "{schema}"')
    for stmt in statements(PG_V1):
        conn.execute(stmt)
    if version > 1:
        migrate_pg(conn, 1, to=version)
