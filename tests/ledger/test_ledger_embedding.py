"""``calls.embedding`` (schema 8): a prompt's sentence embedding kept as half floats, on every
backend; read back by ``records()`` and ``outcomes()``; NULL in rows of older ledgers."""

from __future__ import annotations

import math
import sqlite3
import struct
from pathlib import Path

import pytest
from ledger_backends import PgRun
from ledger_data import at, record
from old_ledgers import pg_at, sqlite_at

from costroute.errors import InvalidRequestError
from costroute.ledger import SCHEMA_VERSION, Ledger, PostgresLedger, SQLiteLedger
from costroute.ledger._codec import CALL_COLUMNS, attempts_json, call_row
from costroute.ledger._embedding import pack_embedding, unpack_embedding

NOW = at(11, 12)


def unit(dim: int, seed: int) -> list[float]:
    """A deterministic unit vector (what a sentence encoder returns), no encoder needed."""
    raw = [math.sin(seed * 7.1 + i * 0.37) for i in range(dim)]
    norm = math.sqrt(sum(v * v for v in raw))
    return [v / norm for v in raw]


def test_an_embedding_is_kept_at_half_precision_two_bytes_a_value() -> None:
    vec = unit(384, 1)
    rec = record(embedding=vec)
    assert rec.embedding is not None and len(rec.embedding) == 384
    assert rec.embedding != tuple(vec)  # rounded: what the ledger gives back
    assert max(abs(a - b) for a, b in zip(rec.embedding, vec, strict=True)) < 2e-4
    blob = pack_embedding(rec.embedding)
    assert len(blob) == 768 and unpack_embedding(blob) == rec.embedding
    assert blob[:2] == struct.pack("<e", vec[0])  # little-endian IEEE half floats
    row = dict(zip(CALL_COLUMNS, call_row(rec), strict=True))
    assert row["embedding"] == blob and call_row(record())[CALL_COLUMNS.index("embedding")] is None


def test_a_numpy_vector_is_taken_as_floats() -> None:
    np = pytest.importorskip("numpy")
    vec = np.asarray(unit(8, 2), dtype=np.float32)
    rec = record(embedding=vec)
    assert rec.embedding == unpack_embedding(struct.pack("<8e", *vec.tolist()))
    assert all(type(v) is float for v in rec.embedding)


@pytest.mark.parametrize(
    "bad",
    [[], [float("nan")], [1.0, float("inf")], [1e6], ["0.5"], [True, 0.0], "abc", 3.0],
)
def test_a_bad_embedding_is_refused_naming_the_field(bad: object) -> None:
    with pytest.raises(InvalidRequestError) as err:
        record(embedding=bad)
    assert err.value.field == "embedding" and "finite" in str(err.value)


def test_records_and_outcomes_read_the_embedding_back(ledger: Ledger) -> None:
    kept = record(embedding=unit(384, 3), features={"length": 0.5})
    plain = record(features={"length": 0.25})
    ledger.append_many([kept, plain])
    for r in (kept, plain):
        ledger.feedback(r.request_id, 1.0, at=NOW)
    back = {r.request_id: r for r in ledger.records()}
    assert back[kept.request_id] == kept and back[plain.request_id] == plain
    assert back[plain.request_id].embedding is None
    rated = {r.request_id: r for r in ledger.outcomes()}
    assert rated[kept.request_id].embedding == kept.embedding
    assert rated[plain.request_id].embedding is None
    assert not hasattr(rated[kept.request_id], "prompt_text")


def test_a_v7_sqlite_file_moves_to_v8_its_rows_without_embedding(tmp_path: Path) -> None:
    path = tmp_path / "v7.sqlite"
    conn = sqlite_at(path, 7)
    old = record(request_id="v7-call", features={"length": 0.5})
    keep = [i for i, c in enumerate(CALL_COLUMNS) if c != "embedding"]
    row = call_row(old)
    columns = [CALL_COLUMNS[i] for i in keep]
    conn.execute(
        f"INSERT INTO calls ({', '.join(columns)}, attempts_json)"
        f" VALUES ({', '.join('?' * (len(columns) + 1))})",
        (*(row[i] for i in keep), attempts_json(old.attempts)),
    )
    conn.close()
    with SQLiteLedger(path) as ledger:
        new = record(request_id="v8-call", embedding=unit(16, 4))
        ledger.append(new)
        back = {r.request_id: r for r in ledger.records()}
    assert back["v7-call"] == old and back["v7-call"].embedding is None
    assert back["v8-call"] == new
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT version FROM schema_version").fetchone() == (SCHEMA_VERSION,)
        assert conn.execute("SELECT length(embedding) FROM calls ORDER BY id").fetchall() == [
            (None,),
            (32,),
        ]
    finally:
        conn.close()


@pytest.mark.postgres
def test_a_v7_postgres_schema_moves_to_v8_and_keeps_bytes(pg_run: PgRun) -> None:
    import psycopg

    schema = pg_run.new_schema()
    try:
        with psycopg.connect(pg_run.url, autocommit=True) as conn:
            pg_at(conn, schema, 7)
        with PostgresLedger(pg_run.url, schema=schema) as ledger:
            new = record(request_id="v8-call", embedding=unit(384, 5))
            ledger.append(new)
            (back,) = ledger.records()
        with psycopg.connect(pg_run.url, autocommit=True) as conn:
            size = conn.execute(f'SELECT octet_length(embedding) FROM "{schema}".calls').fetchone()
            version = conn.execute(f'SELECT version FROM "{schema}".schema_version').fetchone()
    finally:
        pg_run.drop(schema)
    assert back == new and size == (768,) and version == (SCHEMA_VERSION,)
