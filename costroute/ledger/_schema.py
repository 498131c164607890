"""The ledger's SQLite schema at its latest version, and opening a file at that version.

``schema_version`` holds one row: the version the file is at. A new file gets :data:`DDL`, the
latest schema, in one ``BEGIN IMMEDIATE`` transaction (so processes that create it at once
create it once). A file at an older version is migrated forward in the same way by
``costroute.ledger._migrate``, imported only then (its docstring lists the versions). A file
newer than this code is refused, never downgraded.
"""

from __future__ import annotations

import sqlite3

from costroute.errors import LedgerError

__all__ = [
    "ATTEMPTS_VIEW",
    "ATTEMPT_FIELDS",
    "DDL",
    "ROLLOUT_COLUMNS",
    "SCHEMA_VERSION",
    "ensure_schema",
    "read_version",
    "statements",
    "too_new",
]

SCHEMA_VERSION = 8
"""The latest version, the same in both backends."""

ROLLOUT_COLUMNS = ("router_version", "shadow_version", "shadow_deployment")
"""Schema 6's columns of ``calls`` (all TEXT, NULL when unknown), in both backends."""

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

ATTEMPTS_VIEW = f"""
CREATE VIEW attempts (call_id, idx, {", ".join(ATTEMPT_FIELDS)}) AS
SELECT c.id, j.key,
       {", ".join(f"json_extract(j.value, '$[{i}]')" for i in range(len(ATTEMPT_FIELDS)))}
FROM calls AS c, json_each(c.attempts_json) AS j
"""
"""One row per attempt, read from the call's ``attempts_json`` array."""

# The columns are in the order in which the versions added them, as in a migrated file.
DDL = f"""
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE calls (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,                 -- microseconds since 1970-01-01 UTC
    request_id TEXT NOT NULL UNIQUE,
    "user" TEXT,
    tenant TEXT,
    tags TEXT NOT NULL DEFAULT '{{}}',     -- JSON object of str -> str
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
    prompt_text TEXT,                    -- NULL unless the application opted in
    stream INTEGER NOT NULL DEFAULT 0,
    ttft_ms REAL,
    cost_pusd INTEGER,                   -- cost_usd in picodollars (exact SQL sums), or NULL
    baseline_pusd INTEGER,
    attempts_json TEXT,                  -- one array per attempt: ATTEMPT_FIELDS' values
    features TEXT,                       -- the difficulty feature vector, JSON
    router_version TEXT,
    shadow_version TEXT,
    shadow_deployment TEXT,
    purpose TEXT NOT NULL DEFAULT 'route', -- route | labeling
    embedding BLOB                       -- the prompt's embedding, half floats; NULL unless kept
);
CREATE INDEX calls_ts ON calls (ts);
{ATTEMPTS_VIEW};
CREATE TABLE outcomes (
    request_id TEXT NOT NULL,            -- calls.request_id
    source TEXT NOT NULL,                -- who judged: user, tests, app...
    score REAL NOT NULL,                 -- 0 (bad) to 1 (good)
    note TEXT,
    ts INTEGER NOT NULL,                 -- recorded at, microseconds since 1970-01-01 UTC
    PRIMARY KEY (request_id, source)
) WITHOUT ROWID;
CREATE INDEX outcomes_ts ON outcomes (ts);
INSERT INTO schema_version (version) VALUES ({SCHEMA_VERSION});
"""
"""A new file's schema: the latest version."""


def read_version(conn: sqlite3.Connection) -> int:
    """The file's schema version; 0 for a new, empty file."""
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if found is None:
        return 0
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def ensure_schema(conn: sqlite3.Connection, where: str) -> None:
    """Create the schema in a new file, or migrate an older one to :data:`SCHEMA_VERSION`."""
    if read_version(conn) == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = read_version(conn)  # another process may have created or migrated it
        if version > SCHEMA_VERSION:
            raise too_new(where, version)
        if version == 0:
            for stmt in statements(DDL):
                conn.execute(stmt)
        elif version < SCHEMA_VERSION:
            from costroute.ledger._migrate import migrate  # only for a file older than the code

            migrate(conn, version)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def too_new(where: str, version: int) -> LedgerError:
    """The error for a ledger at a version newer than this code (both backends)."""
    return LedgerError(
        f"The ledger {where} is at schema version {version}; this costroute knows up to"
        f" {SCHEMA_VERSION}.",
        field="ledger",
        fix="upgrade costroute (ledgers are migrated forward, never back)",
    )


def statements(script: str) -> list[str]:
    """Split a DDL script into statements (no statement here contains a ';' or '--' in a
    literal)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
