"""The default ledger: one SQLite file in WAL mode, shared safely by threads and processes.

* Durability: each append is one ``BEGIN IMMEDIATE ... COMMIT`` transaction. With WAL, the
  commit has written the record to the write-ahead log before ``append`` returns, so a crash of
  the process (even ``SIGKILL``) cannot lose it. ``synchronous="normal"`` (the default) does
  not fsync each commit: a power loss or kernel panic may drop the last commits (never corrupt
  the file). ``synchronous="full"`` fsyncs every commit for power-loss durability, at the cost
  of one disk flush per call.
* Concurrency: one writer connection behind a lock, one reader connection behind another (so
  a report never stalls an append in the same process), ``busy_timeout`` for other processes.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from costroute.errors import InvalidRequestError, LedgerError
from costroute.ledger._base import Ledger, assemble
from costroute.ledger._codec import (
    ATTEMPT_COLUMNS,
    CALL_COLUMNS,
    INSERT_CALL_WITH_ATTEMPTS,
    attempts_json,
    call_row,
    record_from_rows,
)
from costroute.ledger._periods import month_period, parse_group, spent_filter
from costroute.ledger._query import Filter, aggregate, key_sql, latencies
from costroute.ledger._record import CallRecord
from costroute.ledger._report import SavingsReport
from costroute.ledger._schema import ensure_schema

__all__ = ["SQLiteLedger"]

Synchronous = Literal["normal", "full"]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SQLiteLedger(Ledger):
    """A ledger in the SQLite file ``path`` (``":memory:"`` for a throw-away one).

    The folder must exist. ``synchronous`` is ``"normal"`` (durable across process crashes) or
    ``"full"`` (also across power loss); ``busy_timeout_s`` is how long an append waits for
    other processes holding the write lock; ``clock`` gives "now" for ``report(month=None)``.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        synchronous: Synchronous = "normal",
        busy_timeout_s: float = 30.0,
        clock: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
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

    def _error(self, doing: str, exc: sqlite3.Error) -> LedgerError:
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

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """A read connection holding one snapshot for the whole block."""
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
                    yield conn
                finally:
                    conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise self._error("read", exc) from exc

    # -- writes --------------------------------------------------------------------------------

    def append(self, record: CallRecord) -> None:
        """Commit one record and its attempts before returning.

        One autocommit INSERT of one row (its own transaction; the attempts travel in the row's
        ``attempts_json``, which the ``attempts`` view reads): the cheapest durable write there
        is, and the one on every call's path.
        """
        row = (*call_row(record), attempts_json(record.attempts))
        with self._wlock:
            conn = self._live(self._writer)
            try:
                _when_free(lambda: conn.execute(INSERT_CALL_WITH_ATTEMPTS, row))
            except sqlite3.IntegrityError as exc:
                raise self._duplicate() from exc
            except sqlite3.Error as exc:
                raise self._error("write to", exc) from exc

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
                self._begin(conn)
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

    @staticmethod
    def _begin(conn: sqlite3.Connection) -> None:
        """Take the write lock now; the busy timeout waits for other processes, then retry."""
        for attempt in range(3):
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if attempt == 2 or ("locked" not in str(exc) and "busy" not in str(exc)):
                    raise

    # -- reads ---------------------------------------------------------------------------------

    def report(
        self, month: str | None = None, group_by: str | None = None, tz: str = "UTC"
    ) -> SavingsReport:
        """The savings report of ``month`` in ``tz``, optionally grouped (see :class:`Ledger`)."""
        kind, tag_key = parse_group(group_by)
        period = month_period(month, tz, self._clock())
        where: Filter = ("ts >= ? AND ts < ?", [period.start_us, period.end_us])
        key = key_sql(kind, tag_key, period)
        with self._reading() as conn:
            cells = aggregate(conn, [key, key_sql("day", None, period)], where)
            lat = latencies(conn, key, where)
        return assemble(period, group_by, cells, lat)

    def spent(
        self,
        since: dt.datetime,
        until: dt.datetime | None = None,
        *,
        user: str | None = None,
        tenant: str | None = None,
        tag: tuple[str, str] | None = None,
    ) -> Decimal:
        """Settled spend (exact USD) in ``[since, until)``, every status included."""
        where = spent_filter(
            since,
            until,
            user,
            tenant,
            tag,
            mark="?",
            tag_condition=lambda key, value: ("json_extract(tags, ?) = ?", [f'$."{key}"', value]),
        )
        with self._reading() as conn:
            found = aggregate(conn, [], where)
        return found[()].spend if found else Decimal(0)

    def records(self, month: str | None = None, *, tz: str = "UTC") -> list[CallRecord]:
        """Every record (of ``month`` in ``tz`` if given), oldest first, attempts included."""
        where, params = "1", []
        if month is not None:
            period = month_period(month, tz, self._clock())
            where, params = "ts >= ? AND ts < ?", [period.start_us, period.end_us]
        with self._reading() as conn:
            calls = conn.execute(
                f"SELECT id, {', '.join(CALL_COLUMNS)} FROM calls WHERE {where} ORDER BY ts, id",
                params,
            ).fetchall()
            attempts: dict[int, list[Any]] = {}
            for row in conn.execute(
                f"SELECT {', '.join(ATTEMPT_COLUMNS)} FROM attempts WHERE call_id IN"
                f" (SELECT id FROM calls WHERE {where}) ORDER BY call_id, idx",
                params,
            ):
                attempts.setdefault(row[0], []).append(row)
        return [record_from_rows(row, attempts.get(row[0], ())) for row in calls]

    def close(self) -> None:
        """Close both connections (idempotent)."""
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
