"""The SQLite ledger's inbox: on a call's path, an append is one line written to a side file.

Why: right after a provider call (the process has been waiting on the network, its caches are
cold) an SQLite commit costs about 95-160 µs on a small virtual machine: a table page and two
index pages framed into the WAL and six lock calls. Writing one line costs about 15 µs. The line
is exactly as durable as a WAL commit with ``synchronous=NORMAL``: once ``write(2)`` returns the
kernel holds it, so no crash of the process (``SIGKILL`` included) can lose it; a power loss can
lose the last ones, as it can the last WAL commits.

Protocol, for any number of threads and processes on one file ``<ledger>-inbox``:

* A writer holds a shared ``flock(2)`` on its own descriptor while it writes one whole line
  (``O_APPEND``: the kernel puts it at the end of the file, whatever other writers do).
* A fold takes the exclusive lock on a descriptor of its own, so no line is half written and
  none can start; it reads every line, inserts the records into SQLite in ONE transaction,
  commits, and only then truncates the file and lets the writers go on.
* A crash between that commit and the truncation leaves lines whose records are already in
  SQLite: the next fold finds each one by request id, identical, and skips it (so appending the
  same record twice stores it once). A record whose request id is already taken by a different
  record is stored under ``<request id>#2`` (``#3`` ...) and logged: never dropped.
* A line that does not parse (a write cut short on a full disk), or parses into no valid record,
  is moved, as it is, to ``<ledger>-inbox.rejected`` and logged: never dropped either, and never
  in the way of the other records. Every record is written with a
  newline before and after it, so such a fragment never runs into the next record.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import weakref
from collections.abc import Sequence
from typing import Any

from costroute.ledger._codec import (
    CALL_COLUMNS,
    INSERT_CALL_WITH_ATTEMPTS,
    encode_attempt_values,
)

try:
    import fcntl
except ImportError:  # Windows: no flock; the ledger then commits each record directly
    fcntl = None  # type: ignore[assignment]

__all__ = ["HAS_FLOCK", "Inbox"]

log = logging.getLogger("costroute.ledger")

HAS_FLOCK = fcntl is not None

_ROW_COLUMNS = len(CALL_COLUMNS) + 1  # the call's columns, then the attempts' values
_FEATURES = CALL_COLUMNS.index("features")  # schema 5; lines of older processes lack it
_REQUEST_ID = CALL_COLUMNS.index("request_id")
_SAME_ROW = f"SELECT {', '.join(CALL_COLUMNS)}, attempts_json FROM calls WHERE request_id = ?"
_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


class Inbox:
    """The side file ``path`` of one ledger: :meth:`write` lines, :meth:`fold` them into SQLite.

    Not thread-safe by itself: the ledger calls it under its write lock.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.rejected_path = path + ".rejected"
        self._fd: int | None = None
        self._closer: weakref.finalize | None = None  # type: ignore[type-arg]
        self._open()
        _LIVE.add(self)

    def _open(self) -> None:
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._closer = weakref.finalize(self, os.close, self._fd)  # also when never closed

    def _reopen_in_child(self) -> None:
        """After fork: a descriptor of our own (flock locks belong to the open file, which the
        child would otherwise share with its parent, so one's unlock would free the other)."""
        if self._fd is not None and self._closer is not None:
            self._closer()
            self._open()

    def write(self, row: Sequence[Any]) -> None:
        """Append one record's row as one line: ``call_row`` then ``attempt_values`` (the fold
        encodes those as ``attempts_json``: one JSON encoding on the call's path, not two)."""
        # A newline before and after: a line some failed write cut short (a full disk) is then
        # ended by the next one, so it never swallows a record written later.
        line = ("\n" + _encode(row) + "\n").encode("utf-8")
        fd = self._live()
        fcntl.flock(fd, fcntl.LOCK_SH)
        try:
            written = os.write(fd, line)
            while written < len(line):  # a short write: only on a full disk, in practice
                written += os.write(fd, line[written:])
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def fold(self, conn: sqlite3.Connection, *, wait: bool = True) -> int | None:
        """Move every line into SQLite through ``conn`` (autocommit mode); return how many
        records are now stored (found already stored after a crash included).

        ``wait=False`` (a fold on a call's path) gives up at once, returning ``None``, when
        another fold holds the inbox (it takes our lines too) or another writer holds the
        database; the lines wait for the next fold. Raises ``sqlite3.Error`` or ``OSError``
        with the lines still in the file.
        """
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return None
            data = _read_all(fd)
            if not data:
                return 0
            rows, bad = _parse(data)
            if not _begin(conn, wait):
                return None
            stored = 0
            try:
                for raw, row in rows:
                    try:
                        _insert(conn, row)
                        stored += 1
                    except (sqlite3.IntegrityError, sqlite3.InterfaceError):
                        bad.append(raw)  # parses, yet no valid record: aside, not in the way
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            if bad:
                self._reject(bad)
            os.ftruncate(fd, 0)
            return stored
        finally:
            os.close(fd)  # closing releases the lock

    @property
    def closed(self) -> bool:
        return self._fd is None

    def close(self) -> None:
        self._fd = None
        if self._closer is not None:
            self._closer()  # closes the descriptor once

    def _live(self) -> int:
        if self._fd is None:
            raise OSError(f"the ledger inbox {self.path} is closed")
        return self._fd

    def _reject(self, lines: list[bytes]) -> None:
        fd = os.open(self.rejected_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, b"".join(line + b"\n" for line in lines))
        finally:
            os.close(fd)
        log.error(
            "costroute: %d line(s) of the ledger inbox hold no valid record (a write cut short,"
            " e.g. on a full disk, or an edited file): moved to %s, kept there as they were",
            len(lines),
            self.rejected_path,
        )


_LIVE: weakref.WeakSet[Inbox] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for inbox in list(_LIVE):
        inbox._reopen_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _begin(conn: sqlite3.Connection, wait: bool) -> bool:
    """``BEGIN IMMEDIATE``; without ``wait``, False at once when another writer holds the file."""
    if wait:
        conn.execute("BEGIN IMMEDIATE")
        return True
    (waited,) = conn.execute("PRAGMA busy_timeout").fetchone()
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        conn.execute("BEGIN IMMEDIATE")
        return True
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return False
        raise
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(waited)}")


def _read_all(fd: int) -> bytes:
    chunks: list[bytes] = []
    offset = 0
    while chunk := os.pread(fd, 1 << 20, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def _parse(data: bytes) -> tuple[list[tuple[bytes, list[Any]]], list[bytes]]:
    """Each complete, well-formed line with its row; the other lines as they were."""
    rows: list[tuple[bytes, list[Any]]] = []
    bad: list[bytes] = []
    for line in data.split(b"\n"):
        if not line:
            continue
        try:
            row = json.loads(line)
            if isinstance(row, list) and len(row) == _ROW_COLUMNS - 1:
                row.insert(_FEATURES, None)  # written by a costroute of schema 4
            if not isinstance(row, list) or len(row) != _ROW_COLUMNS:
                raise ValueError("not a ledger row")
            row[-1] = encode_attempt_values(row[-1])
        except (ValueError, TypeError):
            bad.append(line)
            continue
        rows.append((line, row))
    return rows, bad


def _insert(conn: sqlite3.Connection, row: list[Any]) -> None:
    """Insert one row; an identical row already there is skipped, a different one renamed."""
    try:
        conn.execute(INSERT_CALL_WITH_ATTEMPTS, row)
        return
    except sqlite3.IntegrityError as exc:
        if "request_id" not in str(exc):  # NOT NULL, CHECK...: not a clash of ids
            raise
    request_id = row[_REQUEST_ID]
    found = conn.execute(_SAME_ROW, (request_id,)).fetchone()
    if found is not None and list(found) == row:
        return  # folded before a crash stopped the truncation: already stored
    for n in range(2, 1_000_000):
        row[_REQUEST_ID] = f"{request_id}#{n}"
        found = conn.execute(_SAME_ROW, (row[_REQUEST_ID],)).fetchone()
        if found is None:
            conn.execute(INSERT_CALL_WITH_ATTEMPTS, row)
            log.warning(
                "costroute: two different ledger records share request id %r; the later one"
                " is stored as %r",
                request_id,
                row[_REQUEST_ID],
            )
            return
        if list(found) == row:
            return
    raise sqlite3.IntegrityError(f"request id {request_id!r} is taken a million times over")
