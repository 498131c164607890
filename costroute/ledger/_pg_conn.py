"""PostgreSQL connections for the ledger: URL handling and a small pool.

The pool is deliberately tiny (``psycopg_pool`` is not a dependency): up to ``size``
connections, opened on first use, handed out last-in first-out, each to one thread at a time.
A connection that breaks (server restart, network cut) or is returned mid-transaction is
closed instead of reused; the next call opens a new one. Connections run in autocommit mode:
one ``INSERT`` statement is its own durable transaction, and multi-statement work uses
``with conn.transaction():``.

Fork-safe: in the child of ``os.fork()`` (gunicorn ``--preload``, celery prefork) the pool
starts empty and opens connections of its own. The ones inherited from the parent are dropped,
never closed: ``close()`` would end the parent's session on the server, while psycopg frees a
connection collected in another process than its own without a word to the server.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from costroute._url import mask_url
from costroute.errors import ConfigError, LedgerError

if TYPE_CHECKING:
    from psycopg import Connection

__all__ = ["Pool", "split_url"]


def split_url(url: str, field: str) -> tuple[str, str | None]:
    """``(conninfo for libpq, schema)``: ``?schema=`` is costroute's, the rest goes to libpq.

    ``postgres://`` and SQLAlchemy-style ``postgresql+psycopg://`` are accepted as
    ``postgresql://``.
    """
    scheme, _, rest = url.partition("://")
    if scheme.lower() not in ("postgresql", "postgres") and not scheme.lower().startswith(
        "postgresql+"
    ):
        raise ConfigError(
            f"{mask_url(url)} is not a PostgreSQL URL.",
            field=field,
            fix="write postgresql://user:password@host:5432/dbname",
        )
    parts = urlsplit("postgresql://" + rest)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schemas = [v for k, v in query if k == "schema"]
    if schemas and not schemas[-1]:
        raise ConfigError(
            f"The ledger URL {mask_url(url)} has an empty ?schema=.",
            field=field,
            fix="name the schema, e.g. ?schema=costroute, or leave the option out",
        )
    kept = urlencode([(k, v) for k, v in query if k != "schema"])
    return urlunsplit(parts._replace(query=kept)), (schemas[-1] if schemas else None)


class Pool:
    """At most ``size`` connections made by ``connect``, shared by threads."""

    def __init__(self, connect: Callable[[], Connection], size: int, where: str) -> None:
        if size < 1:
            raise ConfigError(
                f"pool_size={size} leaves the ledger without a connection.",
                field="pool_size",
                fix="pass pool_size=1 or more (4 is the default)",
            )
        self._connect = connect
        self._where = where
        self._slots = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self._idle: list[Connection] = []
        self._closed = False
        self._size = size
        _LIVE.add(self)

    def _forget_parent(self) -> None:
        """In a forked child: the parent's connections (idle or in use) are not ours."""
        self._idle = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self._size)

    def seed(self, conn: Connection) -> None:
        """Keep an already open connection (the one that checked the schema) for reuse."""
        with self._lock:
            self._idle.append(conn)

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A connection for the block; returned to the pool after, or closed when unusable."""
        self._slots.acquire()
        try:
            conn = self._take()
            try:
                yield conn
            finally:
                self._give_back(conn)
        finally:
            self._slots.release()

    def _take(self) -> Connection:
        with self._lock:
            if self._closed:
                raise LedgerError(
                    f"The ledger {self._where} is closed.",
                    field="ledger",
                    fix="open a new one with open_ledger()",
                )
            while self._idle:
                conn = self._idle.pop()
                if not conn.closed and not conn.broken:
                    return conn
                conn.close()
        return self._connect()

    def _give_back(self, conn: Connection) -> None:
        from psycopg.pq import TransactionStatus

        usable = not conn.closed and not conn.broken
        usable = usable and conn.info.transaction_status == TransactionStatus.IDLE
        with self._lock:
            if usable and not self._closed:
                self._idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        """Close the idle connections now; connections in use close when given back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


_LIVE: weakref.WeakSet[Pool] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for pool in list(_LIVE):
        pool._forget_parent()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
