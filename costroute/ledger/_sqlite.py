"""The default ledger: one SQLite file in WAL mode, shared safely by threads and processes.

* Durability: an append is one autocommit INSERT (a WAL commit). Once ``append`` returns, a
  crash of the process (even ``SIGKILL``) cannot lose it under ``synchronous="normal"``; a
  power loss or kernel panic may drop the last ones (never corrupt the file).
  ``synchronous="full"`` fsyncs each commit, for power-loss durability at one disk flush per
  call.
* Concurrency: one writer connection behind a lock, one reader connection behind another (so
  a report never stalls an append in the same process), ``busy_timeout`` for other processes.
* Fork: SQLite connections must not cross a ``fork()``. A child that uses a ledger opened
  before the fork opens connections (and locks) of its own, and never touches (nor closes) the
  parent's.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from costroute.errors import InvalidRequestError, LedgerError
from costroute.ledger._codec import (
    CALL_COLUMNS,
    INSERT_CALL_WITH_ATTEMPTS,
    attempts_json,
    call_row,
)
from costroute.ledger._record import CallRecord
from costroute.ledger._schema import ensure_schema
from costroute.ledger._sql import DEFAULT_FEEDBACK_WINDOW, SQLLedger, utc_now

if TYPE_CHECKING:
    from costroute.ledger._query import Filter

__all__ = ["SQLiteLedger"]

T = TypeVar("T")

log = logging.getLogger("costroute.ledger")

Synchronous = Literal["normal", "full"]


class SQLiteLedger(SQLLedger):
    """A ledger in the SQLite file ``path`` (``":memory:"`` for a throw-away one).

    The folder must exist. ``synchronous`` is ``"normal"`` (durable across process crashes) or
    ``"full"`` (also across power loss); ``busy_timeout_s`` is how long a write waits for
    other processes holding the write lock; ``clock`` gives "now" for ``report(month=None)``.
    ``feedback_window`` is how long after a call :meth:`feedback` may record its outcome.
    """

    _MARK = "?"
    _TRUE = "1"
    _SELECT_CALLS = f"id, {', '.join(CALL_COLUMNS)}"
    _FEATURES = "c.features"

    @staticmethod
    def _tag_condition(key: str, value: str) -> Filter:
        return "json_extract(tags, ?) = ?", [f'$."{key}"', value]

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        synchronous: Synchronous = "normal",
        busy_timeout_s: float = 30.0,
        clock: Callable[[], dt.datetime] = utc_now,
        feedback_window: dt.timedelta = DEFAULT_FEEDBACK_WINDOW,
    ) -> None:
        self.feedback_window = feedback_window
        if synchronous not in ("normal", "full"):
            raise InvalidRequestError(
                f"Unknown synchronous mode {synchronous!r}.",
                field="synchronous",
                fix="use 'normal' (survives process crashes) or 'full' (also power loss)",
            )
        self.path = os.fspath(path)
        self.synchronous: Synchronous = synchronous
        self._memory = self.path == ":memory:"
        self._timeout = busy_timeout_s
        self._clock = clock
        self._where = "in memory" if self._memory else f"file {self.path}"
        if not self._memory:
            folder = Path(self.path).parent
            if not folder.is_dir():
                raise LedgerError(
                    f"The folder of the ledger file {self.path} does not exist.",
                    field="ledger",
                    fix=f"create the folder (mkdir -p {folder}) or choose another path",
                )
        self._pid = os.getpid()
        self._wlock = threading.Lock()
        self._rlock = self._wlock if self._memory else threading.Lock()
        self._closed = False
        self._writer: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None
        self._writer = self._connect(write=True)
        if not self._memory and os.path.exists(self.path + "-inbox"):
            log.warning(
                "costroute: %s-inbox was written by costroute 0.1.0's ledger inbox, which is"
                " gone; fold it with that version before removing it",
                self.path,
            )

    def __repr__(self) -> str:
        return f"<SQLiteLedger {self.path!r} synchronous={self.synchronous}>"

    # -- connections ---------------------------------------------------------------------------

    def _connect(self, *, write: bool) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(
                self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False
            )
            if not self._memory:
                _when_free(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone())
            conn.execute(f"PRAGMA synchronous = {self.synchronous.upper()}")
            conn.execute("PRAGMA foreign_keys = ON")
            if write:
                _when_free(lambda: ensure_schema(conn, self._where))
            return conn
        except sqlite3.Error as exc:
            if conn is not None:
                conn.close()
            raise self._error("open", exc) from exc

    def _error(self, doing: str, exc: sqlite3.Error | OSError) -> LedgerError:
        text = str(exc)
        if isinstance(exc, sqlite3.DatabaseError) and (
            "not a database" in text or "malformed" in text
        ):
            return LedgerError(
                f"The ledger {self._where} is not a valid SQLite database"
                f" (corrupt, or another kind of file): {text}.",
                field="ledger",
                fix=f"move {self.path} aside (costroute then starts a new ledger), or choose"
                " another path",
            )
        return LedgerError(
            f"Cannot {doing} the ledger {self._where}: {text}.",
            field="ledger",
            fix="check the file's permissions and free disk space",
        )

    def _live(self, conn: sqlite3.Connection | None) -> sqlite3.Connection:
        if self._closed or conn is None:
            raise LedgerError(
                f"The ledger {self._where} is closed.",
                field="ledger",
                fix="open a new one with open_ledger()",
            )
        return conn

    def _after_fork(self) -> None:
        """In a forked child: leave the parent's connections alone, open our own."""
        if self._pid == os.getpid():
            return
        self._pid = os.getpid()
        self._wlock = threading.Lock()  # the parent's may have been held at the fork
        self._rlock = self._wlock if self._memory else threading.Lock()
        if self._memory:  # the child's own copy of the database: nothing on disk to share
            return
        _INHERITED.extend(c for c in (self._writer, self._reader) if c is not None)
        self._reader = None
        self._writer = None if self._closed else self._connect(write=True)

    def _read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """``work(conn)`` on the read connection in one snapshot."""
        self._after_fork()
        with self._rlock:
            if self._memory:
                conn = self._live(self._writer)
            else:
                if self._reader is None and not self._closed:
                    self._reader = self._connect(write=False)
                conn = self._live(self._reader)
            try:
                conn.execute("BEGIN")
                try:
                    return work(conn)
                finally:
                    conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise self._error("read", exc) from exc

    # -- writes --------------------------------------------------------------------------------

    def append(self, record: CallRecord) -> None:
        """Make one record and its attempts durable before returning: one autocommit INSERT of
        one row (its own transaction; the attempts travel in the row's ``attempts_json``, which
        the ``attempts`` view reads)."""
        row = (*call_row(record), attempts_json(record.attempts))
        self._after_fork()
        with self._wlock:
            conn = self._live(self._writer)
            try:
                _when_free(lambda: conn.execute(INSERT_CALL_WITH_ATTEMPTS, row))
            except sqlite3.IntegrityError as exc:
                raise self._duplicate() from exc
            except sqlite3.Error as exc:
                raise self._error("write to", exc) from exc

    def _upsert_outcome(self, params: Sequence[Any]) -> bool:
        """The outcome's one autocommit statement."""
        from costroute.ledger._outcomes import UPSERT  # outcomes load with the first feedback

        self._after_fork()
        with self._wlock:
            conn = self._live(self._writer)
            stored: list[int] = []
            try:
                _when_free(lambda: stored.append(conn.execute(UPSERT, params).rowcount))
            except sqlite3.Error as exc:
                raise self._error("write to", exc) from exc
            return stored[-1] > 0

    def _duplicate(self) -> LedgerError:
        return LedgerError(
            f"The ledger {self._where} already holds a record with this request id.",
            field="request_id",
            fix="give every call its own request id",
        )

    def append_many(self, records: Iterable[CallRecord]) -> None:
        """Commit several records in one transaction: all or none."""
        rows = [(*call_row(r), attempts_json(r.attempts)) for r in records]
        self._after_fork()
        with self._wlock:
            conn = self._live(self._writer)
            try:
                _when_free(lambda: conn.execute("BEGIN IMMEDIATE"))
                try:
                    conn.executemany(INSERT_CALL_WITH_ATTEMPTS, rows)
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.IntegrityError as exc:
                raise self._duplicate() from exc
            except sqlite3.Error as exc:
                raise self._error("write to", exc) from exc

    def close(self) -> None:
        """Commit what ``aappend`` queued, then close both connections (idempotent)."""
        self._stop_writer()
        self._after_fork()
        with self._wlock:
            self._closed = True
            if self._writer is not None:
                self._writer.close()
                self._writer = None
        if self._rlock is not self._wlock:
            with self._rlock:
                if self._reader is not None:
                    self._reader.close()
                    self._reader = None


# Connections a forked child inherited: kept referenced so that their finalizers never run
# (closing one in the child could checkpoint or unlock the parent's database).
_INHERITED: list[sqlite3.Connection] = []


def _when_free(step: Callable[[], object], tries: int = 8) -> None:
    """Run ``step``, again after a short pause while SQLite reports the file locked.

    The busy timeout covers waiting for another writer; a few operations report "locked" at
    once instead (switching a new file to WAL, WAL recovery while several processes open the
    same new file). Those clear within milliseconds: retry with a growing pause (1, 2, 4 ...
    ms, about a quarter second in all) before reporting the error.
    """
    for attempt in range(tries):
        try:
            step()
            return
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if attempt == tries - 1 or ("locked" not in text and "busy" not in text):
                raise
            time.sleep(0.001 * 2**attempt)
