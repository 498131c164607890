"""The SQLite ledger under threads in one process and across fork()."""

from __future__ import annotations

import os
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from ledger_data import record

from costroute.ledger import SQLiteLedger


def test_threads_and_two_ledgers_on_one_file_lose_nothing(db_path: Path) -> None:
    """8 threads on two ledger objects of one file while a reader reports: every record is
    stored once and the spend is exact."""
    ledgers = [SQLiteLedger(db_path), SQLiteLedger(db_path)]
    errors: list[BaseException] = []
    stop = threading.Event()

    def writer(k: int) -> None:
        try:
            for i in range(200):
                ledgers[k % 2].append(record(request_id=f"t{k}-{i}", cost="0.001"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def reader() -> None:
        try:
            while not stop.is_set():
                ledgers[0].report("2026-11")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    watcher = threading.Thread(target=reader)
    watcher.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    watcher.join()
    assert errors == []
    for ledger in ledgers:
        ledger.close()
    with SQLiteLedger(db_path) as ledger:
        ids = [r.request_id for r in ledger.records()]
        assert len(ids) == len(set(ids)) == 1600
        assert ledger.report("2026-11").spend_usd == Decimal("1.600")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_children_write_through_connections_of_their_own(db_path: Path) -> None:
    """A ledger opened (and used, and locked) before fork(): each child appends and reads
    through its own connections; the parent's keep working and close cleanly afterwards."""
    ledger = SQLiteLedger(db_path)
    ledger.append(record(request_id="parent-0", cost="0.001"))
    inherited = ledger._writer
    children = []
    for c in range(3):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child's exit code is the assertion
            code = 1
            try:
                for i in range(50):
                    ledger.append(record(request_id=f"child{c}-{i}", cost="0.001"))
                mine = ledger._writer is not inherited
                code = 0 if mine and len(ledger.records()) >= 51 else 2
                ledger.close()
            finally:
                os._exit(code)
        children.append(pid)
    codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]
    assert codes == [0, 0, 0]
    assert ledger._writer is inherited
    ledger.append(record(request_id="parent-1", cost="0.001"))
    assert len(ledger.records()) == 152
    assert ledger.report("2026-11").spend_usd == Decimal("0.152")
    ledger.close()
