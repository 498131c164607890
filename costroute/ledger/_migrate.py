"""Forward migrations of a ledger older than this code, both backends: loaded only to upgrade one.

A new ledger is created at the latest version (``_schema.DDL``, ``_pg_schema.PG_DDL``). An older
one is migrated when opened: every step above its version, in order, inside the transaction
``ensure_schema`` (``BEGIN IMMEDIATE``) or ``ensure_pg_schema`` (an advisory lock) holds, so
processes that open it at once migrate it once. The steps are history: each builds what its
version had, and together they end at the schema a new ledger gets
(tests/ledger/test_ledger_schema_equal.py compares the two).

=======  ===================================================================================
version  change
=======  ===================================================================================
1        ``calls`` and ``attempts``; money as exact Decimal text (``NUMERIC`` in PostgreSQL)
2        streaming (``stream``, ``ttft_ms``); SQLite only: integer picodollar columns
         (``cost_pusd``, ``baseline_pusd``) for exact SQL sums, back-filled from the text columns
3        SQLite only: ``calls.attempts_json`` and a trigger that expanded it into ``attempts``
         rows (a call and its attempts written by one INSERT)
4        SQLite only: ``calls.attempts_json`` keeps the attempts and ``attempts`` becomes a view
         over it (no trigger: an append writes one row, about 35 µs less after a provider call)
5        ``calls.features`` (the difficulty feature vector, JSON) and the ``outcomes`` table
         (``feedback()``: one score per call and source)
6        safe rollout: ``calls.router_version``, ``calls.shadow_version`` and
         ``calls.shadow_deployment``; NULL in older rows
7        ``calls.purpose``: ``route`` (an application's call; every older row) or ``labeling``
8        ``calls.embedding``: the prompt's sentence embedding as half floats (``BLOB``,
         ``BYTEA``), kept only by ``Router(keep_embeddings=True)``; NULL in older rows
=======  ===================================================================================

PostgreSQL's versions 3 and 4 change nothing: it writes a call and its attempts in one
statement and keeps its ``attempts`` table.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

from costroute.ledger._money import from_text, to_pico
from costroute.ledger._schema import ATTEMPT_FIELDS, ATTEMPTS_VIEW, SCHEMA_VERSION

if TYPE_CHECKING:
    from psycopg import Connection

__all__ = ["MIGRATIONS", "PG_MIGRATIONS", "migrate", "migrate_pg"]


def _backfill_pico(conn: sqlite3.Connection) -> None:
    rows = conn.execute("SELECT id, cost_usd, baseline_cost_usd FROM calls").fetchall()
    conn.executemany(
        "UPDATE calls SET cost_pusd = ?, baseline_pusd = ? WHERE id = ?",
        [(to_pico(from_text(c)), to_pico(from_text(b)), i) for i, c, b in rows],
    )


_EXPAND_ATTEMPTS = f"""
CREATE TRIGGER calls_expand_attempts AFTER INSERT ON calls WHEN NEW.attempts_json IS NOT NULL
BEGIN
    INSERT INTO attempts (call_id, idx, {", ".join(ATTEMPT_FIELDS)})
    SELECT NEW.id, CAST(j.key AS INTEGER),
           {", ".join(f"json_extract(j.value, '$[{i}]')" for i in range(len(ATTEMPT_FIELDS)))}
    FROM json_each(NEW.attempts_json) AS j;
    UPDATE calls SET attempts_json = NULL WHERE id = NEW.id;
END
"""


def _fold_attempts(conn: sqlite3.Connection) -> None:
    """Copy the ``attempts`` table's rows into their calls' ``attempts_json`` arrays."""
    folded: dict[int, list[list[object]]] = {}
    for call_id, *values in conn.execute(
        f"SELECT call_id, {', '.join(ATTEMPT_FIELDS)} FROM attempts ORDER BY call_id, idx"
    ):
        folded.setdefault(call_id, []).append(values)
    conn.executemany(
        "UPDATE calls SET attempts_json = ? WHERE id = ?",
        [(json.dumps(rows, separators=(",", ":")), call_id) for call_id, rows in folded.items()],
    )


_V6 = tuple(
    f"ALTER TABLE calls ADD COLUMN {c} TEXT"
    for c in ("router_version", "shadow_version", "shadow_deployment")
)
_V7 = ("ALTER TABLE calls ADD COLUMN purpose TEXT NOT NULL DEFAULT 'route'",)

# MIGRATIONS[n] takes a file from version n + 1 to n + 2 (index 0: v1 -> v2): statements, and
# functions that move rows. The steps are frozen, but for the layout of an attempt in
# attempts_json (ATTEMPT_FIELDS, ATTEMPTS_VIEW), which no version may change without a step.
MIGRATIONS: tuple[tuple[str | Callable[[sqlite3.Connection], None], ...], ...] = (
    (
        "ALTER TABLE calls ADD COLUMN stream INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE calls ADD COLUMN ttft_ms REAL",
        "ALTER TABLE calls ADD COLUMN cost_pusd INTEGER",
        "ALTER TABLE calls ADD COLUMN baseline_pusd INTEGER",
        "ALTER TABLE attempts ADD COLUMN ttft_ms REAL",
        _backfill_pico,
    ),
    ("ALTER TABLE calls ADD COLUMN attempts_json TEXT", _EXPAND_ATTEMPTS),
    ("DROP TRIGGER calls_expand_attempts", _fold_attempts, "DROP TABLE attempts", ATTEMPTS_VIEW),
    (
        "ALTER TABLE calls ADD COLUMN features TEXT",
        "CREATE TABLE outcomes (request_id TEXT NOT NULL, source TEXT NOT NULL, score REAL NOT NULL,"
        " note TEXT, ts INTEGER NOT NULL, PRIMARY KEY (request_id, source)) WITHOUT ROWID",
        "CREATE INDEX outcomes_ts ON outcomes (ts)",
    ),
    _V6,
    _V7,
    ("ALTER TABLE calls ADD COLUMN embedding BLOB",),
)
PG_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        "ALTER TABLE calls ADD COLUMN stream BOOLEAN NOT NULL DEFAULT FALSE",
        "ALTER TABLE calls ADD COLUMN ttft_ms DOUBLE PRECISION",
        "ALTER TABLE attempts ADD COLUMN ttft_ms DOUBLE PRECISION",
    ),
    (),
    (),
    (
        "ALTER TABLE calls ADD COLUMN features JSONB",
        "CREATE TABLE outcomes (request_id TEXT NOT NULL, source TEXT NOT NULL,"
        " score DOUBLE PRECISION NOT NULL, note TEXT, ts BIGINT NOT NULL,"
        " PRIMARY KEY (request_id, source))",
        "CREATE INDEX outcomes_ts ON outcomes (ts)",
    ),
    _V6,
    _V7,
    ("ALTER TABLE calls ADD COLUMN embedding BYTEA",),
)
assert 1 + len(MIGRATIONS) == 1 + len(PG_MIGRATIONS) == SCHEMA_VERSION


def migrate(conn: sqlite3.Connection, version: int, to: int = SCHEMA_VERSION) -> None:
    """Move a SQLite file from ``version`` to ``to``, in the caller's transaction."""
    for step in MIGRATIONS[version - 1 : to - 1]:
        for part in step:
            if isinstance(part, str):
                conn.execute(part)
            else:
                part(conn)
    conn.execute("UPDATE schema_version SET version = ?", (to,))


def migrate_pg(conn: Connection, version: int, to: int = SCHEMA_VERSION) -> None:
    """Move a PostgreSQL schema (the ``search_path``) from ``version`` to ``to``, in the caller's
    transaction."""
    for step in PG_MIGRATIONS[version - 1 : to - 1]:
        for stmt in step:
            conn.execute(stmt)
    conn.execute("UPDATE schema_version SET version = %s", (to,))
