"""Fixtures of the ledger tests (the data lives in ledger_data.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from ledger_data import known_month, record

from costroute.ledger import CallRecord, SQLiteLedger


@pytest.fixture
def make_record() -> Callable[..., CallRecord]:
    return record


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "ledger.sqlite"


@pytest.fixture
def ledger(db_path: Path) -> Iterator[SQLiteLedger]:
    with SQLiteLedger(db_path) as opened:
        assert isinstance(opened, SQLiteLedger)
        yield opened


@pytest.fixture
def known(ledger: SQLiteLedger) -> SQLiteLedger:
    ledger.append_many(known_month())
    return ledger
