"""The ledger's schema in PostgreSQL: the same tables and versions as SQLite's, native types.

Versions mean the same thing in both backends (see ``_schema``): version 1 has ``calls`` and
``attempts``, version 2 adds streaming (``stream``, ``ttft_ms``), version 5 the feature vector
(``calls.features``) and ``outcomes``, version 6 the rollout columns (``router_version``,
``shadow_version``, ``shadow_deployment``), version 7 ``calls.purpose``. Differences, all of
type only:

* money is ``NUMERIC`` (exact, any precision; the sums run in SQL), so the SQLite-only integer
  picodollar columns (``cost_pusd``, ``baseline_pusd``) do not exist here;
* ``tags`` is ``JSONB``, ``cached`` and ``stream`` are ``BOOLEAN``;
* ``ts`` is ``BIGINT`` microseconds since the epoch, UTC, as in SQLite (one day-of-month
  expression serves both backends; ``to_timestamp(ts / 1e6)`` reads it as a time).

The tables live in one PostgreSQL schema (``costroute`` unless told otherwise). Creating or
migrating it takes a transaction-scoped advisory lock first, so processes that start at once on
an empty or old database migrate it exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from costroute.errors import LedgerError
from costroute.ledger._schema import PURPOSE_COLUMN, ROLLOUT_COLUMNS, SCHEMA_VERSION

if TYPE_CHECKING:
    from psycopg import Connection

__all__ = ["PG_V1_DDL", "ensure_pg_schema", "read_pg_version"]

PG_V1_DDL = """
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


def _v1_to_v2(conn: Connection) -> None:
    for stmt in (
        "ALTER TABLE calls ADD COLUMN stream BOOLEAN NOT NULL DEFAULT FALSE",
        "ALTER TABLE calls ADD COLUMN ttft_ms DOUBLE PRECISION",
        "ALTER TABLE attempts ADD COLUMN ttft_ms DOUBLE PRECISION",
    ):
        conn.execute(stmt)


# PG_MIGRATIONS[n] takes a schema from version n + 1 to n + 2, like _schema.MIGRATIONS.
def _v2_to_v3(conn: Connection) -> None:
    """Nothing to do: version 3 changes how SQLite writes attempts (one INSERT and a trigger);
    PostgreSQL already writes a call and its attempts in one statement."""


def _v3_to_v4(conn: Connection) -> None:
    """Nothing to do: version 4 makes SQLite's ``attempts`` a view over ``calls.attempts_json``;
    PostgreSQL keeps its ``attempts`` table (one statement writes both, no trigger)."""


def _v4_to_v5(conn: Connection) -> None:
    """The feature vector of each call (``JSONB``) and the ``outcomes`` table, as in SQLite."""
    for stmt in (
        "ALTER TABLE calls ADD COLUMN features JSONB",
        "CREATE TABLE outcomes (request_id TEXT NOT NULL, source TEXT NOT NULL,"
        " score DOUBLE PRECISION NOT NULL, note TEXT, ts BIGINT NOT NULL,"
        " PRIMARY KEY (request_id, source))",
        "CREATE INDEX outcomes_ts ON outcomes (ts)",
    ):
        conn.execute(stmt)


def _add_rollout_columns(conn: Connection) -> None:
    """Schema 6, as in SQLite: the deciding router version and the shadow version's choice."""
    for column in ROLLOUT_COLUMNS:
        conn.execute(f"ALTER TABLE calls ADD COLUMN {column} TEXT")


def _add_purpose(conn: Connection) -> None:
    """Schema 7: ``calls.purpose`` (``route`` or ``labeling``), the same statement as SQLite's."""
    conn.execute(PURPOSE_COLUMN)


PG_MIGRATIONS: tuple[Callable[[Connection], None], ...] = (
    _v1_to_v2,
    _v2_to_v3,
    _v3_to_v4,
    _v4_to_v5,
    _add_rollout_columns,
    _add_purpose,
)
assert 1 + len(PG_MIGRATIONS) == SCHEMA_VERSION, "both backends share the version numbers"


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


def ensure_pg_schema(conn: Connection, schema: str, where: str) -> int:
    """Create or migrate ``schema`` to :data:`SCHEMA_VERSION`; return the version found.

    ``conn`` is in autocommit mode with ``search_path`` set to ``schema``.
    """
    from psycopg import sql

    version = read_pg_version(conn, schema)
    if version == SCHEMA_VERSION:
        return version
    if version > SCHEMA_VERSION:
        raise LedgerError(
            f"The ledger {where} is at schema version {version}; this costroute knows up to"
            f" {SCHEMA_VERSION}.",
            field="ledger",
            fix="upgrade costroute (schemas are migrated forward, never back)",
        )
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"costroute.ledger:{schema}",))
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        version = read_pg_version(conn, schema)  # another process may have migrated meanwhile
        found = version
        if version == 0:
            for stmt in (s.strip() for s in PG_V1_DDL.split(";")):
                if stmt:
                    conn.execute(stmt)
        version = max(version, 1)
        for step in PG_MIGRATIONS[version - 1 :]:
            step(conn)
        conn.execute("UPDATE schema_version SET version = %s", (SCHEMA_VERSION,))
    return found
