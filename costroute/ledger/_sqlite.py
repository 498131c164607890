"""The default ledger: one SQLite file in WAL mode, shared safely by threads and processes.

* Durability: an append is one line written to the ledger's inbox (``<path>-inbox``, see
  ``_inbox.py``), folded into SQLite in batches (every ``fold_every`` appends, after
  ``fold_after_s`` seconds, before every read, at close and at exit, by any process that opens
  the file). Once ``append`` returns the kernel holds the record, so a crash of the process
  (even ``SIGKILL``) cannot lose it, exactly as with a WAL commit under
  ``synchronous="normal"``; a power loss or kernel panic may drop the last ones (never corrupt
  the file). ``synchronous="full"`` turns the inbox off and fsyncs each record's own commit,
  for power-loss durability at one disk flush per call; ``inbox=False`` commits each record
  directly without the fsync.
* Concurrency: one writer connection behind a lock, one reader connection behind another (so
  a report never stalls an append in the same process), ``busy_timeout`` for other processes.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

from costroute.errors import InvalidRequestError, LedgerError
from costroute.ledger._codec import (
    CALL_COLUMNS,
    INSERT_CALL_WITH_ATTEMPTS,
    attempt_values,
    attempts_json,
    call_row,
)
from costroute.ledger._inbox import HAS_FLOCK, Inbox
from costroute.ledger._outcomes import DEFAULT_FEEDBACK_WINDOW, UPSERT
from costroute.ledger._query import Filter, aggregate, key_sql
from costroute.ledger._record import CallRecord
from costroute.ledger._schema import ensure_schema
from costroute.ledger._sql import SQLLedger, utc_now

__all__ = ["SQLiteLedger"]

T = TypeVar("T")

log = logging.getLogger("costroute.ledger")

Synchronous = Literal["normal", "full"]


class SQLiteLedger(SQLLedger):
    """A ledger in the SQLite file ``path`` (``":memory:"`` for a throw-away one).

    The folder must exist. ``synchronous`` is ``"normal"`` (durable across process crashes) or
    ``"full"`` (also across power loss); ``busy_timeout_s`` is how long a write waits for
    other processes holding the write lock; ``clock`` gives "now" for ``report(month=None)``.

    ``inbox`` (default on for files, where ``flock`` exists, with ``synchronous="normal"``)
    makes an append one line written to ``<path>-inbox``, folded into the SQLite tables after
    ``fold_every`` appends or ``fold_after_s`` seconds (by the next append), before every read
    and at close: reads always include every record. A plain SQL client sees a record once it
    is folded; :meth:`fold` does it at once. ``monotonic`` is the clock of ``fold_after_s``.
    ``feedback_window`` is how long after a call :meth:`feedback` may record its outcome.
    """

    _MARK = "?"
    _TRUE = "1"
    _SELECT_CALLS = f"id, {', '.join(CALL_COLUMNS)}"
    _FEATURES = "c.features"
    _key_sql = staticmethod(key_sql)
    _aggregate = staticmethod(aggregate)

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
        inbox: bool = True,
        fold_every: int = 256,
        fold_after_s: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
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
        self._wlock = threading.Lock()
        self._rlock = self._wlock if self._memory else threading.Lock()
        self._closed = False
        self._writer: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None
        self._writer = self._connect(write=True)
        self._inbox: Inbox | None = None
        self._fold_every = max(1, fold_every)
        self._fold_after_s = fold_after_s
        self._monotonic = monotonic
        self._unfolded: set[str] = set()  # request ids this object wrote since its last fold
        self._last_fold = monotonic()
        self._since_fold = 0  # appends since the last fold attempt (a failed one counts too)
        if inbox and HAS_FLOCK and not self._memory and synchronous == "normal":
            box: Inbox | None = None
            try:
                box = Inbox(self.path + "-inbox")
                box.fold(self._writer)  # what crashed processes left behind
            except (OSError, sqlite3.Error) as exc:
                if box is not None:
                    box.close()
                self.close()
                raise self._error("open", exc) from exc
            self._inbox = box
            # The last fold: close() runs it, else collection or the interpreter's exit (the
            # callback holds the write side, never the ledger itself).
            self._last_fold_on_exit = weakref.finalize(
                self, _fold_left, self._wlock, self._writer, box
            )

    def __repr__(self) -> str:
        inbox = "on" if self._inbox is not None else "off"
        return f"<SQLiteLedger {self.path!r} synchronous={self.synchronous} inbox={inbox}>"

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
                f"The ledger {self._where} is closed.", fix="open a new one with open_ledger()"
            )
        return conn

    def _read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """``work(conn)`` on the read connection in one snapshot, the inbox folded first."""
        if self._inbox is not None:
            self.fold()
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
        """Make one record and its attempts durable before returning.

        With the inbox: one line written to ``<path>-inbox`` (a fold moves it into the tables).
        Without: one autocommit INSERT of one row (its own transaction; the attempts travel in
        the row's ``attempts_json``, which the ``attempts`` view reads).
        """
        with self._wlock:
            conn = self._live(self._writer)
            inbox = self._inbox
            if inbox is None:
                row = (*call_row(record), attempts_json(record.attempts))
                try:
                    _when_free(lambda: conn.execute(INSERT_CALL_WITH_ATTEMPTS, row))
                except sqlite3.IntegrityError as exc:
                    raise self._duplicate() from exc
                except sqlite3.Error as exc:
                    raise self._error("write to", exc) from exc
                return
            if record.request_id in self._unfolded:
                raise self._duplicate()
            try:
                inbox.write((*call_row(record), attempt_values(record.attempts)))
            except OSError as exc:
                raise self._error("write to", exc) from exc
            self._unfolded.add(record.request_id)
            self._since_fold += 1
            if (
                self._since_fold >= self._fold_every
                or self._monotonic() - self._last_fold >= self._fold_after_s
            ):
                try:  # never waits: when another fold or writer is busy, fold later
                    self._fold(conn, inbox, wait=False)
                except LedgerError as exc:  # the record is safe in the inbox; fold later
                    log.warning("costroute: %s The records stay in the inbox.", exc)

    def fold(self) -> int:
        """Move the inbox's records (of every process) into the SQLite tables now.

        Returns how many were moved; reads and :meth:`close` fold on their own.
        """
        with self._wlock:
            conn = self._live(self._writer)
            return 0 if self._inbox is None else self._fold(conn, self._inbox)

    def _fold(self, conn: sqlite3.Connection, inbox: Inbox, *, wait: bool = True) -> int:
        """Fold under the write lock; a failure keeps the lines and raises LedgerError.

        ``wait=False`` returns 0 without folding when another fold or writer is busy."""
        self._last_fold = self._monotonic()
        self._since_fold = 0
        try:
            moved = inbox.fold(conn, wait=wait)
        except (OSError, sqlite3.Error) as exc:
            raise self._error("fold the inbox into", exc) from exc
        if moved is None:
            return 0
        self._unfolded.clear()
        return moved

    def _upsert_outcome(self, params: Sequence[Any]) -> bool:
        """The outcome's one autocommit statement, after folding the inbox (the call may still
        be a line there)."""
        with self._wlock:
            conn = self._live(self._writer)
            if self._inbox is not None:
                self._fold(conn, self._inbox)
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
        """Fold the inbox, then close both connections (idempotent).

        A fold that fails here is logged; its records stay in the inbox for the next opener.
        """
        with self._wlock:
            inbox, self._inbox = self._inbox, None  # appends from here on commit directly
        if inbox is not None:
            self._last_fold_on_exit()  # the same last fold as at exit: once, under the lock
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


def _fold_left(lock: threading.Lock, conn: sqlite3.Connection, inbox: Inbox) -> None:
    """A ledger's last fold, at ``close()``, when it is collected or at exit (whichever comes
    first: then the inbox is closed and later calls do nothing)."""
    with lock:
        if inbox.closed:
            return
        try:
            inbox.fold(conn)
        except (OSError, sqlite3.Error) as exc:
            log.warning(
                "costroute: could not fold the ledger inbox %s (%s); its records stay there for"
                " the next process that opens the ledger",
                inbox.path,
                exc,
            )
        finally:
            inbox.close()


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
