"""Several processes on one file, and processes killed with SIGKILL mid-append."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from old_ledgers import sqlite_at

from costroute.ledger import SCHEMA_VERSION, SQLiteLedger

PROCESSES, APPENDS = 4, 500

# The write paths: commits under synchronous=NORMAL (the default) and FULL.
MODES = {"normal": {}, "full": {"synchronous": "full"}}


def _append_worker(path: str, worker: int, count: int, kw: dict[str, Any] | None = None) -> None:
    """Child process: its own ledger on the shared file, ``count`` appends."""
    sys.path.insert(0, str(Path(__file__).parent))
    from ledger_data import record

    with SQLiteLedger(path, **(kw or {})) as ledger:
        for i in range(count):
            ledger.append(record(request_id=f"w{worker}-{i}", cost="0.001"))


@pytest.mark.parametrize("mode", MODES)
def test_four_processes_append_to_one_file(tmp_path: Path, mode: str) -> None:
    path = str(tmp_path / "shared.sqlite")
    SQLiteLedger(path).close()  # created up front; the next test lets the children race
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=_append_worker, args=(path, w, APPENDS, MODES[mode]))
        for w in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0] * PROCESSES
    with SQLiteLedger(path) as ledger:
        rows = ledger.records()
        assert len(rows) == PROCESSES * APPENDS
        assert len({r.request_id for r in rows}) == PROCESSES * APPENDS
        assert ledger.report(month="2026-11").spend_usd == Decimal("2.000")


def test_new_file_created_by_racing_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "fresh.sqlite")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_worker, args=(path, w, 20)) for w in range(PROCESSES)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0] * PROCESSES
    with SQLiteLedger(path) as ledger:
        assert len(ledger.records()) == PROCESSES * 20


def test_an_old_file_migrated_by_racing_processes(tmp_path: Path) -> None:
    """Four processes open a schema-1 file at once: one migrates it, in one transaction, and
    the others find it migrated (a second run of a step would fail: its columns exist)."""
    path = str(tmp_path / "old.sqlite")
    sqlite_at(path, 1).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_worker, args=(path, w, 20)) for w in range(PROCESSES)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0] * PROCESSES
    with SQLiteLedger(path) as ledger:
        assert len(ledger.records()) == PROCESSES * 20
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    finally:
        conn.close()


_CHILD = r"""
import json, os, sys
sys.path.insert(0, sys.argv[3])
from ledger_data import record
from costroute.ledger import SQLiteLedger

ledger = SQLiteLedger(sys.argv[1], **json.loads(sys.argv[4]))
prefix = sys.argv[2]
i = 0
while True:
    rid = f"{prefix}-{i}"
    ledger.append(record(request_id=rid, cost="0.001"))
    os.write(1, (rid + "\n").encode())  # reported only after append returned
    i += 1
"""


@pytest.mark.parametrize("mode", MODES)
def test_sigkill_never_loses_a_returned_append(tmp_path: Path, mode: str) -> None:
    path = str(tmp_path / "crash.sqlite")
    here = str(Path(__file__).parent)
    rng = random.Random(20261101)
    reported: set[str] = set()
    kills = 0
    for round_ in range(20):
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, path, f"k{round_}", here, json.dumps(MODES[mode])],
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert child.stdout is not None
        target = rng.randint(1, 120)  # kill after a random number of reported appends
        seen = 0
        while seen < target:
            line = child.stdout.readline()
            assert line, f"child died early (round {round_})"
            reported.add(line.decode().strip())
            seen += 1
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        kills += child.returncode == -signal.SIGKILL
        reported.update(line.decode().strip() for line in child.stdout.read().splitlines())
        child.stdout.close()

        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        with SQLiteLedger(path) as ledger:
            stored = {r.request_id for r in ledger.records()}
        missing = reported - stored
        assert not missing, f"round {round_}: returned appends lost: {sorted(missing)[:5]}"
        # At most the one append in flight at the kill is stored but unreported.
        assert len(stored - reported) <= round_ + 1
    assert kills == 20
