"""Fixtures of the ledger tests (the data lives in ledger_data.py).

The contract tests take ``ledger`` (or ``store``, to open several ledgers on one database) and
run once per backend: SQLite on a temporary file, and PostgreSQL in a schema of its own, dropped
after the test. The PostgreSQL runs need ``COSTROUTE_TEST_POSTGRES_URL`` (e.g.
``postgresql://postgres@127.0.0.1:5432/test``; the ``postgres_url`` fixture of tests/conftest.py):
skipped, with the reason, when it is unset, failed when it is set and the server does not
answer; they carry the ``postgres`` marker (``-m "not postgres"``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from ledger_backends import PgRun, Store
from ledger_data import known_month, record

from costroute.ledger import CallRecord, Ledger, SQLiteLedger

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def pg_run(postgres_url: str) -> Iterator[PgRun]:
    """This run's schemas on the test PostgreSQL (``postgres_url``, tests/conftest.py)."""
    run = PgRun(postgres_url)
    yield run
    run.drop()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param.startswith("sqlite"):
        yield Store(request.param, str(tmp_path / "ledger.sqlite"))
        return
    run: PgRun = request.getfixturevalue("pg_run")
    schema = run.new_schema()
    yield Store("postgres", schema, run.url)
    run.drop(schema)


@pytest.fixture
def make_record() -> Callable[..., CallRecord]:
    return record


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "ledger.sqlite"


@pytest.fixture
def ledger(store: Store) -> Iterator[Ledger]:
    with store.open() as opened:
        yield opened


@pytest.fixture
def sqlite_ledger(db_path: Path) -> Iterator[SQLiteLedger]:
    with SQLiteLedger(db_path) as opened:
        assert isinstance(opened, SQLiteLedger)
        yield opened


@pytest.fixture
def known(ledger: Ledger) -> Ledger:
    ledger.append_many(known_month())
    return ledger
