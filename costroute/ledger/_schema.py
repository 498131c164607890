"""The ledger's SQL schema, its version, and the forward migrations between versions.

``schema_version`` holds one row: the version the file is at. Opening a file runs every migration
above that version, in order, inside one ``BEGIN IMMEDIATE`` transaction (so two processes that
open an old file at once migrate it once). A file newer than this code is refused, never
downgraded.

=======  ===================================================================================
version  change
=======  ===================================================================================
1        ``calls`` and ``attempts``; money as exact Decimal text
2        streaming (``stream``, ``ttft_ms``) and integer picodollar columns (``cost_pusd``,
         ``baseline_pusd``) for exact SQL sums, back-filled from the text columns
3        ``calls.attempts_json`` and a trigger that expands it into ``attempts`` rows (then
         clears it): a call and its attempts are written by ONE autocommit INSERT, which costs
         a third of BEGIN + two INSERTs + COMMIT right after a provider call
4        ``calls.attempts_json`` keeps the attempts and ``attempts`` becomes a view over it
         (one row per attempt, the same columns): no trigger, so an append writes one row and
         touches two indexes, about 35 µs less right after a provider call
5        ``calls.features`` (the difficulty feature vector, JSON) and the ``outcomes`` table
         (``feedback()``: one score per call and source)
6        safe rollout: ``calls.router_version`` (the router version that decided the call),
         ``calls.shadow_version`` and ``calls.shadow_deployment`` (a proposed version's first
         choice, recorded beside it); NULL in older rows
7        ``calls.purpose``: ``route`` (an application's call; every older row) or ``labeling``
         (a sampled labelling call, reported apart)
=======  ===================================================================================
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

from costroute.errors import LedgerError
from costroute.ledger._money import from_text, to_pico

__all__ = [
    "ATTEMPT_FIELDS",
    "PURPOSE_COLUMN",
    "ROLLOUT_COLUMNS",
    "SCHEMA_VERSION",
    "V1_DDL",
    "ensure_schema",
    "read_version",
]

V1_DDL = """
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


def _v1_to_v2(conn: sqlite3.Connection) -> None:
    for stmt in (
        "ALTER TABLE calls ADD COLUMN stream INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE calls ADD COLUMN ttft_ms REAL",
        "ALTER TABLE calls ADD COLUMN cost_pusd INTEGER",
        "ALTER TABLE calls ADD COLUMN baseline_pusd INTEGER",
        "ALTER TABLE attempts ADD COLUMN ttft_ms REAL",
    ):
        conn.execute(stmt)
    rows = conn.execute("SELECT id, cost_usd, baseline_cost_usd FROM calls").fetchall()
    conn.executemany(
        "UPDATE calls SET cost_pusd = ?, baseline_pusd = ? WHERE id = ?",
        [(to_pico(from_text(c)), to_pico(from_text(b)), i) for i, c, b in rows],
    )


ATTEMPT_FIELDS = (
    "deployment",
    "model",
    "provider",
    "status",
    "status_code",
    "error",
    "latency_ms",
    "ttft_ms",
    "input_tokens",
    "cached_input_tokens",
    "cache_write_tokens",
    "output_tokens",
    "reasoning_tokens",
    "cost_usd",
)
"""The order of an attempt's values in ``calls.attempts_json`` (one JSON array per attempt)."""
_EXTRACT_FIELDS = ", ".join(f"json_extract(j.value, '$[{i}]')" for i in range(len(ATTEMPT_FIELDS)))

_EXPAND_ATTEMPTS = f"""
CREATE TRIGGER calls_expand_attempts AFTER INSERT ON calls WHEN NEW.attempts_json IS NOT NULL
BEGIN
    INSERT INTO attempts (call_id, idx, {", ".join(ATTEMPT_FIELDS)})
    SELECT NEW.id, CAST(j.key AS INTEGER),
           {_EXTRACT_FIELDS}
    FROM json_each(NEW.attempts_json) AS j;
    UPDATE calls SET attempts_json = NULL WHERE id = NEW.id;
END
"""


def _v2_to_v3(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE calls ADD COLUMN attempts_json TEXT")
    conn.execute(_EXPAND_ATTEMPTS)


ATTEMPTS_VIEW = f"""
CREATE VIEW attempts (call_id, idx, {", ".join(ATTEMPT_FIELDS)}) AS
SELECT c.id, j.key,
       {_EXTRACT_FIELDS}
FROM calls AS c, json_each(c.attempts_json) AS j
"""
"""Schema 4: one row per attempt, read from the call's ``attempts_json`` array."""


def _v3_to_v4(conn: sqlite3.Connection) -> None:
    """Fold the ``attempts`` table back into ``calls.attempts_json``; make ``attempts`` a view."""
    conn.execute("DROP TRIGGER calls_expand_attempts")
    folded: dict[int, list[list[object]]] = {}
    for call_id, *values in conn.execute(
        f"SELECT call_id, {', '.join(ATTEMPT_FIELDS)} FROM attempts ORDER BY call_id, idx"
    ):
        folded.setdefault(call_id, []).append(values)
    conn.executemany(
        "UPDATE calls SET attempts_json = ? WHERE id = ?",
        [(json.dumps(rows, separators=(",", ":")), call_id) for call_id, rows in folded.items()],
    )
    conn.execute("DROP TABLE attempts")
    conn.execute(ATTEMPTS_VIEW)


OUTCOMES_DDL = """
CREATE TABLE outcomes (
    request_id TEXT NOT NULL,            -- calls.request_id
    source TEXT NOT NULL,                -- who judged: user, tests, app...
    score REAL NOT NULL,                 -- 0 (bad) to 1 (good)
    note TEXT,
    ts INTEGER NOT NULL,                 -- recorded at, microseconds since 1970-01-01 UTC
    PRIMARY KEY (request_id, source)
) WITHOUT ROWID;
CREATE INDEX outcomes_ts ON outcomes (ts);
"""


def _v4_to_v5(conn: sqlite3.Connection) -> None:
    """The feature vector of each call, and outcomes joined to calls by request id."""
    conn.execute("ALTER TABLE calls ADD COLUMN features TEXT")
    for stmt in _statements(OUTCOMES_DDL):
        conn.execute(stmt)


ROLLOUT_COLUMNS = ("router_version", "shadow_version", "shadow_deployment")
"""Schema 6's columns of ``calls`` (all TEXT, NULL when unknown), in both backends."""


def _add_rollout_columns(conn: sqlite3.Connection) -> None:
    """Safe rollout: which router version decided each call, and what a proposed version in
    shadow mode would have chosen first."""
    for column in ROLLOUT_COLUMNS:
        conn.execute(f"ALTER TABLE calls ADD COLUMN {column} TEXT")


PURPOSE_COLUMN = "ALTER TABLE calls ADD COLUMN purpose TEXT NOT NULL DEFAULT 'route'"
"""Schema 7, both backends: why each call was made (every call before it was routed)."""


def _add_purpose(conn: sqlite3.Connection) -> None:
    """Schema 7: ``calls.purpose`` (``route`` or ``labeling``), ``route`` for every older row."""
    conn.execute(PURPOSE_COLUMN)


# MIGRATIONS[n] takes a file from version n + 1 to n + 2 (index 0: v1 -> v2).
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _v1_to_v2,
    _v2_to_v3,
    _v3_to_v4,
    _v4_to_v5,
    _add_rollout_columns,
    _add_purpose,
)
SCHEMA_VERSION = 1 + len(MIGRATIONS)


def read_version(conn: sqlite3.Connection) -> int:
    """The file's schema version; 0 for a new, empty file."""
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if found is None:
        return 0
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def ensure_schema(conn: sqlite3.Connection, where: str) -> int:
    """Create or migrate the schema to :data:`SCHEMA_VERSION`; return the version found."""
    version = read_version(conn)
    if version == SCHEMA_VERSION:
        return version
    if version > SCHEMA_VERSION:
        raise LedgerError(
            f"The ledger {where} is at schema version {version}; this costroute knows up to"
            f" {SCHEMA_VERSION}.",
            field="ledger",
            fix="upgrade costroute (files are migrated forward, never back)",
        )
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = read_version(conn)  # another process may have migrated meanwhile
        found = version
        for stmt in _statements(V1_DDL) if version == 0 else ():
            conn.execute(stmt)
        version = max(version, 1)
        for step in MIGRATIONS[version - 1 :]:
            step(conn)
        conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return found


def _statements(script: str) -> list[str]:
    """Split a DDL script into statements (no statement here contains a ';' in a literal)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
