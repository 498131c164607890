"""The SQLite ledger's inbox: appends as lines, folded into the tables, nothing ever lost."""

from __future__ import annotations

import gc
import json
import logging
import os
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from ledger_data import record

from costroute.errors import LedgerError
from costroute.ledger import SQLiteLedger
from costroute.ledger import _inbox as inbox_module
from costroute.ledger._codec import CALL_COLUMNS

D = Decimal


def _table_ids(path: Path) -> list[str]:
    """Request ids in the SQLite table, read by a plain SQL client."""
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT request_id FROM calls ORDER BY id")]
    finally:
        conn.close()


def _inbox(path: Path) -> Path:
    return Path(str(path) + "-inbox")


def _lines(path: Path) -> int:
    """Records waiting in the inbox of the ledger at ``path``."""
    return len(_inbox(path).read_bytes().split())


class Ticks:
    """An injected monotonic clock."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_an_append_is_a_line_until_folded_and_reads_fold_first(db_path: Path) -> None:
    with SQLiteLedger(db_path, monotonic=Ticks()) as ledger:
        ledger.append(record(request_id="a", cost="0.25"))
        assert _table_ids(db_path) == []  # not in the table yet...
        assert _lines(db_path) == 1  # ...but written
        assert [r.request_id for r in ledger.records()] == ["a"]  # a read folds first
        assert _table_ids(db_path) == ["a"]
        assert _inbox(db_path).stat().st_size == 0
        ledger.append(record(request_id="b", cost="0.5"))
        assert ledger.report("2026-11").spend_usd == D("0.75")
        ledger.append(record(request_id="c", cost="1"))
        assert ledger.fold() == 1 and ledger.fold() == 0
        assert _table_ids(db_path) == ["a", "b", "c"]


def test_folds_after_fold_every_appends_or_fold_after_s(db_path: Path) -> None:
    ticks = Ticks()
    with SQLiteLedger(db_path, fold_every=3, fold_after_s=5.0, monotonic=ticks) as ledger:
        ledger.append(record(request_id="a"))
        ledger.append(record(request_id="b"))
        assert _table_ids(db_path) == []
        ledger.append(record(request_id="c"))  # the third append folds
        assert _table_ids(db_path) == ["a", "b", "c"]
        ledger.append(record(request_id="d"))
        ticks.now = 4.9
        ledger.append(record(request_id="e"))
        assert _table_ids(db_path) == ["a", "b", "c"]
        ticks.now = 5.0  # five seconds after the last fold: the next append folds
        ledger.append(record(request_id="f"))
        assert _table_ids(db_path) == ["a", "b", "c", "d", "e", "f"]


def _run_child(db_path: Path, body: str) -> None:
    """Run ``body`` in a new interpreter with ``ledger`` open on ``db_path``."""
    script = (
        "import os, sys; sys.path.insert(0, sys.argv[2])\n"
        "from ledger_data import record\n"
        "from costroute.ledger import SQLiteLedger\n"
        "ledger = SQLiteLedger(sys.argv[1])\n" + body
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    here = str(Path(__file__).parent)
    subprocess.run([sys.executable, "-c", script, str(db_path), here], check=True, env=env)


def test_close_folds_and_the_next_opener_folds_what_a_crash_left(db_path: Path) -> None:
    ledger = SQLiteLedger(db_path, monotonic=Ticks())
    ledger.append(record(request_id="a"))
    ledger.close()
    assert _table_ids(db_path) == ["a"] and _inbox(db_path).stat().st_size == 0
    # A process that dies with lines in its inbox (os._exit runs no finalizer, like a crash).
    _run_child(db_path, "ledger.append(record(request_id='b'))\nos._exit(0)\n")
    assert _table_ids(db_path) == ["a"] and _lines(db_path) == 1
    SQLiteLedger(db_path).close()
    assert _table_ids(db_path) == ["a", "b"]


def test_a_ledger_collected_without_close_folds_its_inbox(db_path: Path) -> None:
    ledger = SQLiteLedger(db_path, monotonic=Ticks())
    ledger.append(record(request_id="a"))
    del ledger
    gc.collect()
    assert _table_ids(db_path) == ["a"] and _inbox(db_path).stat().st_size == 0


def test_a_refold_after_a_crash_between_commit_and_truncate_stores_once(db_path: Path) -> None:
    with SQLiteLedger(db_path, monotonic=Ticks()) as ledger:
        ledger.append(record(request_id="a", cost="0.25"))
        ledger.append(record(request_id="b", cost="0.5"))
        lines = _inbox(db_path).read_bytes()
        assert ledger.fold() == 2
        with open(_inbox(db_path), "ab") as f:  # as if the truncation never happened
            f.write(lines)
        assert ledger.fold() == 2  # read again...
        assert _table_ids(db_path) == ["a", "b"]  # ...stored once
        assert ledger.report("2026-11").spend_usd == D("0.75")


def test_the_same_id_for_a_different_record_is_kept_under_a_new_id(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with SQLiteLedger(db_path, monotonic=Ticks()) as ledger:
        ledger.append(record(request_id="x", cost="0.25"))
        with pytest.raises(LedgerError) as info:  # caught at once within one process
            ledger.append(record(request_id="x", cost="0.5"))
        assert info.value.field == "request_id"
        ledger.fold()
        # After a fold (or from another process) it is caught when folded: kept, renamed.
        with caplog.at_level(logging.WARNING, logger="costroute.ledger"):
            ledger.append(record(request_id="x", cost="0.5"))
            records = ledger.records()
        assert sorted(r.request_id for r in records) == ["x", "x#2"]
        assert sum(r.cost_usd for r in records) == D("0.75")
        assert "'x#2'" in caplog.text


def test_an_unreadable_line_is_moved_aside_and_the_rest_folded(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with SQLiteLedger(db_path, monotonic=Ticks()) as ledger:
        ledger.append(record(request_id="a"))
        with open(_inbox(db_path), "ab") as f:  # a write cut short: no newline at its end
            f.write(b'["half a line, the disk was full"')
        ledger.append(record(request_id="b"))  # starts on a line of its own all the same
        with caplog.at_level(logging.ERROR, logger="costroute.ledger"):
            assert sorted(r.request_id for r in ledger.records()) == ["a", "b"]
    rejected = Path(str(db_path) + "-inbox.rejected").read_bytes()
    assert rejected == b'["half a line, the disk was full"\n'
    assert "inbox.rejected" in caplog.text and "no valid record" in caplog.text


def test_a_line_that_parses_into_no_valid_record_never_blocks_the_others(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A row with the right shape that SQLite refuses (here: no policy) is moved aside; the
    fold commits every other record instead of failing on it again and again."""
    with SQLiteLedger(db_path, monotonic=Ticks()) as ledger:
        ledger.append(record(request_id="a"))
        row = json.loads(_inbox(db_path).read_bytes().strip())
        row[CALL_COLUMNS.index("request_id")] = "poison"
        row[CALL_COLUMNS.index("policy")] = None  # NOT NULL in the schema
        poison = json.dumps(row).encode()
        with open(_inbox(db_path), "ab") as f:
            f.write(b"\n" + poison + b"\n")
        ledger.append(record(request_id="b"))
        with caplog.at_level(logging.ERROR, logger="costroute.ledger"):
            assert sorted(r.request_id for r in ledger.records()) == ["a", "b"]
    assert Path(str(db_path) + "-inbox.rejected").read_bytes() == poison + b"\n"
    assert "no valid record" in caplog.text


def test_a_failed_fold_keeps_the_records_and_reads_say_so(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ticks = Ticks()
    ledger = SQLiteLedger(db_path, fold_every=2, monotonic=ticks)
    real_fold = inbox_module.Inbox.fold

    def broken(self: inbox_module.Inbox, conn: sqlite3.Connection, wait: bool = True) -> int:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(inbox_module.Inbox, "fold", broken)
    ledger.append(record(request_id="a"))
    with caplog.at_level(logging.WARNING, logger="costroute.ledger"):
        ledger.append(record(request_id="b"))  # its fold fails: logged, the append stands
        assert caplog.text.count("stay in the inbox") == 1 and "disk I/O error" in caplog.text
        ledger.append(record(request_id="c"))  # no new attempt on every append...
        assert caplog.text.count("stay in the inbox") == 1
        ledger.append(record(request_id="d"))  # ...but again after fold_every more
        assert caplog.text.count("stay in the inbox") == 2
    with pytest.raises(LedgerError, match="disk I/O error") as info:
        ledger.report("2026-11")  # a report without them would be wrong
    assert info.value.field == "ledger" and str(db_path) in str(info.value)
    assert info.value.fix is not None and "disk space" in info.value.fix
    monkeypatch.setattr(inbox_module.Inbox, "fold", real_fold)
    assert sorted(r.request_id for r in ledger.records()) == ["a", "b", "c", "d"]
    ledger.close()


def test_synchronous_full_and_inbox_false_commit_each_append(tmp_path: Path) -> None:
    for name, kw in (("full", {"synchronous": "full"}), ("direct", {"inbox": False})):
        path = tmp_path / f"{name}.sqlite"
        with SQLiteLedger(path, **kw) as ledger:  # type: ignore[arg-type]
            ledger.append(record(request_id=name))
            assert _table_ids(path) == [name]
            assert "inbox=off" in repr(ledger)
        assert not _inbox(path).exists()


def test_the_inbox_file_is_private(db_path: Path) -> None:
    SQLiteLedger(db_path).close()
    assert _inbox(db_path).stat().st_mode & 0o077 == 0


def test_records_are_folded_at_interpreter_exit_without_close(db_path: Path) -> None:
    _run_child(db_path, "for i in range(5): ledger.append(record(request_id=f'exit-{i}'))\n")
    assert _table_ids(db_path) == [f"exit-{i}" for i in range(5)]
    assert _inbox(db_path).stat().st_size == 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_gets_an_inbox_descriptor_of_its_own(db_path: Path) -> None:
    """flock locks belong to the open file: a child sharing its parent's could unlock it."""
    import fcntl

    with SQLiteLedger(db_path) as ledger:
        box = ledger._inbox
        assert box is not None and box._fd is not None
        fcntl.flock(box._fd, fcntl.LOCK_SH)  # the parent is writing a line
        pid = os.fork()
        if pid == 0:  # the child: its exclusive lock must wait for the parent's shared one
            code = 1
            try:
                assert box._fd is not None
                fcntl.flock(box._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                code = 0
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        fcntl.flock(box._fd, fcntl.LOCK_UN)
        assert os.waitstatus_to_exitcode(status) == 0


def test_threads_and_two_ledgers_on_one_file_lose_nothing(db_path: Path) -> None:
    """8 threads on two ledger objects of one file, folding every 5 appends, while a reader
    reports: every record is stored once and the spend is exact."""
    import threading

    ledgers = [SQLiteLedger(db_path, fold_every=5), SQLiteLedger(db_path, fold_every=5)]
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
        assert ledger.report("2026-11").spend_usd == D("1.600")
    assert _inbox(db_path).stat().st_size == 0


def test_a_fold_on_a_calls_path_never_waits_for_the_inbox(db_path: Path) -> None:
    """While another process holds the inbox (here: in the middle of writing its own line), an
    append that is due to fold writes its line and returns without folding."""
    import fcntl
    import threading

    with SQLiteLedger(db_path, fold_every=1) as ledger:
        other = os.open(_inbox(db_path), os.O_WRONLY | os.O_APPEND)
        fcntl.flock(other, fcntl.LOCK_SH)  # another writer's lock: a fold would wait for it
        # Only a safety net: should a regression make the fold wait, the lock goes after 10 s
        # and the assertion below fails instead of the test hanging.
        release = threading.Timer(10.0, fcntl.flock, (other, fcntl.LOCK_UN))
        release.start()
        try:
            ledger.append(record(request_id="a"))
            assert _table_ids(db_path) == [] and _lines(db_path) == 1
        finally:
            release.cancel()
            fcntl.flock(other, fcntl.LOCK_UN)
            os.close(other)
        assert [r.request_id for r in ledger.records()] == ["a"]  # a read waits, and folds


def test_a_fold_on_a_calls_path_never_waits_for_another_writer(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with SQLiteLedger(db_path, fold_every=1, busy_timeout_s=0.5) as ledger:
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process writing (an import, say)
        with caplog.at_level(logging.WARNING, logger="costroute.ledger"):
            ledger.append(record(request_id="a"))  # no fold now, and no 0.5 s wait either
        assert caplog.text == ""  # a fold that had waited would have failed and said so
        assert _lines(db_path) == 1
        other.execute("COMMIT")
        other.close()
        assert [r.request_id for r in ledger.records()] == ["a"]
        assert ledger._writer is not None
        assert ledger._writer.execute("PRAGMA busy_timeout").fetchone() == (500,)


def test_a_close_whose_fold_fails_keeps_the_records_for_the_next_opener(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(self: inbox_module.Inbox, conn: sqlite3.Connection, wait: bool = True) -> int:
        raise sqlite3.OperationalError("disk I/O error")

    ledger = SQLiteLedger(db_path, monotonic=Ticks())
    ledger.append(record(request_id="a"))
    with monkeypatch.context() as patch:
        patch.setattr(inbox_module.Inbox, "fold", broken)
        with caplog.at_level(logging.WARNING, logger="costroute.ledger"):
            ledger.close()  # logged, not raised: the record is safe in the inbox
    assert "disk I/O error" in caplog.text and "stay there" in caplog.text
    assert _table_ids(db_path) == [] and _lines(db_path) == 1
    SQLiteLedger(db_path).close()
    assert _table_ids(db_path) == ["a"]
