"""The ledger's schema in PostgreSQL at its latest version: SQLite's tables, native types.

Versions mean the same thing in both backends (``_migrate`` lists them). Differences, all of
type only:

* money is ``NUMERIC`` (exact, any precision; the sums run in SQL), so the SQLite-only integer
  picodollar columns (``cost_pusd``, ``baseline_pusd``) do not exist here;
* ``tags`` and ``features`` are ``JSONB``, ``cached`` and ``stream`` are ``BOOLEAN``,
  ``embedding`` is ``BYTEA`` (SQLite's ``BLOB``: the same bytes);
* ``ts`` is ``BIGINT`` microseconds since the epoch, UTC, as in SQLite (one day-of-month
  expression serves both backends; ``to_timestamp(ts / 1e6)`` reads it as a time);
* ``attempts`` is a table (SQLite's is a view over ``calls.attempts_json``): one statement
  writes a call and its attempts.

The tables live in one PostgreSQL schema (``costroute`` unless told otherwise). Creating or
migrating it takes a transaction-scoped advisory lock first, so processes that start at once on
an empty or old database create or migrate it exactly once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from costroute.ledger._schema import SCHEMA_VERSION, statements, too_new

if TYPE_CHECKING:
    from psycopg import Connection

__all__ = ["PG_DDL", "ensure_pg_schema", "read_pg_version"]

# The columns are in the order in which the versions added them, as in a migrated schema.
PG_DDL = f"""
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE calls (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ts BIGINT NOT NULL,
    request_id TEXT NOT NULL UNIQUE,
    "user" TEXT,
    tenant TEXT,
    tags JSONB NOT NULL DEFAULT '{{}}',
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
    prompt_text TEXT,
    stream BOOLEAN NOT NULL DEFAULT FALSE,
    ttft_ms DOUBLE PRECISION,
    features JSONB,
    router_version TEXT,
    shadow_version TEXT,
    shadow_deployment TEXT,
    purpose TEXT NOT NULL DEFAULT 'route',
    embedding BYTEA
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
    ttft_ms DOUBLE PRECISION,
    PRIMARY KEY (call_id, idx)
);
CREATE TABLE outcomes (
    request_id TEXT NOT NULL,
    source TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    note TEXT,
    ts BIGINT NOT NULL,
    PRIMARY KEY (request_id, source)
);
CREATE INDEX outcomes_ts ON outcomes (ts);
INSERT INTO schema_version (version) VALUES ({SCHEMA_VERSION})
"""
"""A new schema's tables: the latest version."""


def read_pg_version(conn: Connection, schema: str) -> int:
    """The schema's version; 0 when its tables do not exist yet."""
    found = conn.execute(
        "SELECT 1 FROM information_schema.tables"
        " WHERE table_schema = %s AND table_name = 'schema_version'",
        (schema,),
    ).fetchone()
    if found is None:
        return 0
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def ensure_pg_schema(conn: Connection, schema: str, where: str) -> None:
    """Create ``schema`` with its tables, or migrate an older one to :data:`SCHEMA_VERSION`.

    ``conn`` is in autocommit mode with ``search_path`` set to ``schema``.
    """
    if read_pg_version(conn, schema) == SCHEMA_VERSION:
        return
    from psycopg import sql

    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"costroute.ledger:{schema}",))
        version = read_pg_version(conn, schema)  # another process may have created or migrated it
        if version > SCHEMA_VERSION:
            raise too_new(where, version)
        if version == 0:
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            for stmt in statements(PG_DDL):
                conn.execute(stmt)
        elif version < SCHEMA_VERSION:
            from costroute.ledger._migrate import migrate_pg  # only for an older schema

            migrate_pg(conn, version)
