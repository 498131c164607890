"""What only PostgreSQL has: its schema and migrations, NUMERIC money, the pool, many processes.

The behaviour every backend shares (records, reports, spent, threads) is the contract suite in
test_ledger_store.py and test_ledger_report.py, which runs on PostgreSQL too.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from ledger_backends import PgRun
from ledger_data import known_month, record, varied
from old_ledgers import pg_at

from costroute.errors import LedgerError
from costroute.ledger import GROUP_KEYS, SCHEMA_VERSION, PostgresLedger, SQLiteLedger, open_ledger

pytestmark = pytest.mark.postgres

D = Decimal
GROUPS = [None, *(k for k in GROUP_KEYS if k != "tag:<key>"), "tag:feature"]
ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"]


@pytest.fixture
def schema(pg_run: PgRun) -> Iterator[str]:
    name = pg_run.new_schema()
    yield name
    pg_run.drop(name)


def _sql(pg_run: PgRun, query: str, *params: Any) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(pg_run.url, autocommit=True) as conn:
        cur = conn.execute(query, params or None)
        return cur.fetchall() if cur.description else []


def _version(pg_run: PgRun, schema: str) -> int:
    return int(_sql(pg_run, f'SELECT version FROM "{schema}".schema_version')[0][0])


def test_open_ledger_selects_postgres_by_url(pg_run: PgRun, schema: str) -> None:
    with open_ledger(f"{pg_run.url}?schema={schema}") as ledger:
        assert isinstance(ledger, PostgresLedger) and ledger.schema == schema
        ledger.append(record(cost="0.5"))
    assert _sql(pg_run, f'SELECT cost_usd FROM "{schema}".calls') == [(D("0.5"),)]


def test_new_schema_is_at_the_current_version_with_numeric_money(
    pg_run: PgRun, schema: str
) -> None:
    PostgresLedger(pg_run.url, schema=schema).close()
    assert _version(pg_run, schema) == SCHEMA_VERSION == 8
    types = dict(
        _sql(
            pg_run,
            "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = %s",
            schema,
        )
    )
    for column in ("calls.cost_usd", "calls.baseline_cost_usd", "calls.saved_usd"):
        assert types[column] == "numeric"
    assert types["attempts.cost_usd"] == "numeric"
    assert (types["calls.tags"], types["calls.ts"], types["calls.stream"]) == (
        "jsonb",
        "bigint",
        "boolean",
    )


def test_v1_schema_is_migrated_forward(pg_run: PgRun, schema: str) -> None:
    import psycopg

    with psycopg.connect(pg_run.url, autocommit=True) as conn:
        pg_at(conn, schema, 1)
        conn.execute(
            "INSERT INTO calls (ts, request_id, policy, deployment, model, provider, difficulty,"
            " category, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens,"
            " reasoning_tokens, cost_usd, baseline_cost_usd, saved_usd, latency_ms, cached,"
            " retries, fallbacks, status, prompt_hash) VALUES (1793707200000000, 'old-0',"
            " 'balanced', 'deepseek-v4-flash', 'deepseek/deepseek-v4-flash', 'deepseek', 0.2,"
            " 'general', 1000, 0, 0, 200, 0, 1E-13, 0.0150, 0.0149999999999, 700, false, 0, 0,"
            " 'ok', 'h')"
        )
    assert _version(pg_run, schema) == 1
    with PostgresLedger(pg_run.url, schema=schema) as ledger:
        assert _version(pg_run, schema) == SCHEMA_VERSION
        (old,) = ledger.records()
        assert (old.request_id, old.stream, old.ttft_ms, old.cost_usd) == (
            "old-0",
            False,
            None,
            D("1E-13"),
        )
        ledger.append(record(cost="0.5", baseline="1", stream=True, ttft_ms=30.0))
        r = ledger.report("2026-11")
        assert (r.spend_usd, r.baseline_usd) == (D("0.5000000000001"), D("1.0150"))
        ledger.feedback("old-0", 1.0, at=old.at)  # schema 5: outcomes of calls made before it
        (rated,) = ledger.outcomes()
        assert (rated.request_id, rated.features, rated.cost_usd) == ("old-0", None, D("1E-13"))


def test_newer_schema_is_refused(pg_run: PgRun, schema: str) -> None:
    PostgresLedger(pg_run.url, schema=schema).close()
    _sql(pg_run, f'UPDATE "{schema}".schema_version SET version = 99')
    with pytest.raises(LedgerError, match="upgrade costroute") as info:
        PostgresLedger(pg_run.url, schema=schema)
    assert "99" in str(info.value) and schema in str(info.value)
    assert info.value.field == "ledger"


def test_prompt_text_is_not_stored_unless_opted_in(pg_run: PgRun, schema: str) -> None:
    with PostgresLedger(pg_run.url, schema=schema) as ledger:
        ledger.append_many(
            [record(prompt_hash="h1"), record(prompt_hash="h2", prompt_text="opted in")]
        )
    rows = _sql(pg_run, f'SELECT prompt_hash, prompt_text FROM "{schema}".calls ORDER BY id')
    assert rows == [("h1", None), ("h2", "opted in")]


def test_dead_pooled_connections_are_replaced(pg_run: PgRun, schema: str) -> None:
    # The URL's application_name names this ledger's connections alone (other test runs may
    # share the server: their ledgers' connections must not be cut).
    sep = "&" if "?" in pg_run.url else "?"
    url = f"{pg_run.url}{sep}application_name=costroute-ledger-{schema}"
    cut = (
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        f" WHERE application_name = 'costroute-ledger-{schema}' AND pid <> pg_backend_pid()"
    )
    with PostgresLedger(url, schema=schema, pool_size=2) as ledger:
        ledger.append(record(request_id="before"))
        assert _sql(pg_run, cut)  # cut every connection of this ledger, as a restart would
        ledger.append(record(request_id="after"))  # retried on a fresh connection
        assert {r.request_id for r in ledger.records()} == {"before", "after"}
        assert _sql(pg_run, cut)
        assert ledger.report("2026-11").calls == 2


def test_unknown_database_is_a_ledger_error(pg_run: PgRun) -> None:
    url = pg_run.url.rsplit("/", 1)[0] + "/no_such_database_costroute"
    with pytest.raises(LedgerError) as info:
        PostgresLedger(url)
    assert "no_such_database_costroute" in str(info.value)


@pytest.mark.parametrize("tz", ZONES)
def test_reports_equal_sqlites_on_the_same_calls(pg_run: PgRun, schema: str, tz: str) -> None:
    calls = known_month() + [varied(0, i) for i in range(300)]
    with (
        PostgresLedger(pg_run.url, schema=schema) as pg,
        SQLiteLedger(":memory:") as lite,
    ):
        pg.append_many(calls)
        lite.append_many(calls)
        for month in ("2026-10", "2026-11", "2026-12"):
            for group_by in GROUPS:
                a, b = pg.report(month, group_by, tz), lite.report(month, group_by, tz)
                assert a == b, (month, group_by)
                assert a.to_json() == b.to_json()
        assert pg.records(month="2026-11", tz=tz) == lite.records(month="2026-11", tz=tz)


PROCESSES, APPENDS = 4, 250


def _pg_worker(url: str, schema: str, worker: int, count: int) -> None:
    """Child process: its own ledger (and pool) on the shared schema, ``count`` appends."""
    sys.path.insert(0, str(Path(__file__).parent))
    from ledger_data import varied

    with PostgresLedger(url, schema=schema) as ledger:
        for i in range(count):
            ledger.append(varied(worker, i))


def test_multi_process_run_every_call_once_and_reports_equal_sqlites(
    pg_run: PgRun, schema: str
) -> None:
    # The schema does not exist yet: the children also race to create it (advisory lock).
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=_pg_worker, args=(pg_run.url, schema, w, APPENDS))
        for w in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * PROCESSES
    expected = [varied(w, i) for w in range(PROCESSES) for i in range(APPENDS)]
    with PostgresLedger(pg_run.url, schema=schema) as pg, SQLiteLedger(":memory:") as lite:
        stored = pg.records()
        ids = [r.request_id for r in stored]
        assert len(ids) == len(set(ids)) == PROCESSES * APPENDS
        assert sorted(stored, key=lambda r: r.request_id) == sorted(
            expected, key=lambda r: r.request_id
        )
        lite.append_many(expected)
        for group_by in GROUPS:
            for tz in ("UTC", "Europe/Paris"):
                assert pg.report("2026-11", group_by, tz) == lite.report("2026-11", group_by, tz)
    assert _version(pg_run, schema) == SCHEMA_VERSION


def test_v5_schema_moves_to_v6_its_calls_routed(pg_run: PgRun, schema: str) -> None:
    import psycopg

    with psycopg.connect(pg_run.url, autocommit=True) as conn:
        pg_at(conn, schema, 5)
    with PostgresLedger(pg_run.url, schema=schema) as ledger:
        assert _version(pg_run, schema) == SCHEMA_VERSION == 8
        ledger.append(record(request_id="routed", cost="0.25", baseline="1"))
        ledger.append(record(request_id="label", cost="0.5", baseline="0.5", purpose="labeling"))
        assert {r.request_id: r.purpose for r in ledger.records()} == {
            "routed": "route",
            "label": "labeling",
        }
        r = ledger.report("2026-11")
        assert (r.calls, r.labeling_calls, r.labeling_usd, r.net_saved_usd) == (
            1,
            1,
            D("0.5"),
            D("0.25"),
        )
    assert _sql(pg_run, f'SELECT column_default FROM information_schema.columns'
                f" WHERE table_schema = '{schema}' AND table_name = 'calls'"
                " AND column_name = 'purpose'") == [("'route'::text",)]  # fmt: skip
