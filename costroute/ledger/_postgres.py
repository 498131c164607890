"""The shared ledger: PostgreSQL through psycopg 3 (``pip install costroute[postgres]``).

* Same records, schema versions and reports as :class:`~costroute.ledger.SQLiteLedger`; money
  is ``NUMERIC``, so every amount and every sum is exact.
* Durability: an append is one ``INSERT`` statement (the call and its attempts together) in
  autocommit mode; it returns after the server committed it (with PostgreSQL's default
  ``synchronous_commit = on``, after the WAL flush).
* Concurrency: a small pool of connections (``pool_size``, default 4) shared by threads; any
  number of processes and hosts can append to one database.
* Reports read one snapshot (``REPEATABLE READ, READ ONLY``), so their figures agree.
* A pooled connection that died (server restart, a proxy cutting idle connections) is
  replaced, and the read or write sent once more (an append is idempotent by request id).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from costroute._url import mask_url
from costroute.errors import LedgerError
from costroute.ledger._outcomes import UPSERT
from costroute.ledger._pg_conn import Pool, split_url
from costroute.ledger._pg_query import (
    INSERT_SQL,
    PG_SELECT_CALLS,
    aggregate,
    insert_params,
    key_sql,
)
from costroute.ledger._pg_schema import ensure_pg_schema
from costroute.ledger._query import Filter
from costroute.ledger._record import CallRecord
from costroute.ledger._sql import DEFAULT_FEEDBACK_WINDOW, SQLLedger, utc_now

if TYPE_CHECKING:
    from psycopg import Connection

__all__ = ["PostgresLedger"]

T = TypeVar("T")

DEFAULT_SCHEMA = "costroute"


class PostgresLedger(SQLLedger):
    """A ledger in the PostgreSQL database ``url`` names, in the schema ``schema``.

    ``url`` is a libpq URL (``postgresql://user:password@host:5432/dbname``, any libpq option
    such as ``?sslmode=require``); ``?schema=name`` there, or ``schema=``, picks the schema
    (default ``costroute``; created if missing). The schema is created or migrated on open; a
    server that cannot be reached raises :class:`~costroute.errors.LedgerError` naming the URL
    with its password masked. ``connect_timeout_s`` bounds each connection attempt.
    ``feedback_window`` is how long after a call :meth:`feedback` may record its outcome.
    """

    _MARK = "%s"
    _TRUE = "TRUE"
    _SELECT_CALLS = PG_SELECT_CALLS
    _FEATURES = "c.features::text"
    _key_sql = staticmethod(key_sql)
    _aggregate = staticmethod(aggregate)

    @staticmethod
    def _tag_condition(key: str, value: str) -> Filter:
        return "tags ->> %s = %s", [key, value]

    def __init__(
        self,
        url: str,
        *,
        schema: str | None = None,
        pool_size: int = 4,
        connect_timeout_s: float = 10.0,
        clock: Callable[[], dt.datetime] = utc_now,
        field: str = "ledger",
        feedback_window: dt.timedelta = DEFAULT_FEEDBACK_WINDOW,
    ) -> None:
        self.feedback_window = feedback_window
        conninfo, url_schema = split_url(url, field)
        self.url = mask_url(url)
        self.schema = schema or url_schema or DEFAULT_SCHEMA
        self._conninfo = conninfo
        options = _options(conninfo)
        self._password = options.get("password")
        self._extra: dict[str, Any] = {}
        if "application_name" not in options:  # the URL's own ?application_name= wins
            self._extra["application_name"] = "costroute-ledger"
        if "connect_timeout" not in options:
            self._extra["connect_timeout"] = max(1, round(connect_timeout_s))
        self._clock = clock
        self._field = field
        self._where = f"{self.url} (schema {self.schema})"
        self._pool = Pool(self._connect, pool_size, self._where)
        first = self._connect()
        try:
            ensure_pg_schema(first, self.schema, self._where)
        except LedgerError:
            first.close()
            raise
        except Exception as exc:
            first.close()
            raise self._error("create the schema of", exc) from exc
        self._pool.seed(first)

    def __repr__(self) -> str:
        return f"<PostgresLedger {self.url!r} schema={self.schema!r}>"

    # -- connections ---------------------------------------------------------------------------

    def _connect(self) -> Connection:
        try:
            import psycopg
            from psycopg import sql
        except ImportError as exc:  # pragma: no cover - the extra is installed in tests
            raise LedgerError(
                f"The PostgreSQL ledger {self.url} needs psycopg 3, which is not installed.",
                field=self._field,
                fix="pip install 'costroute[postgres]'",
            ) from exc
        try:
            conn = psycopg.connect(self._conninfo, autocommit=True, **self._extra)
        except psycopg.Error as exc:
            raise LedgerError(
                f"Cannot connect to the PostgreSQL ledger {self.url}: {self._scrub(exc)}.",
                field=self._field,
                fix="check that the server runs and accepts connections from this host, and the"
                " URL's user, password and database name",
            ) from exc
        try:
            conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))
        except psycopg.Error as exc:
            conn.close()
            raise self._error("open", exc) from exc
        return conn

    def _scrub(self, exc: BaseException) -> str:
        """The error text, first line, with the password removed should libpq echo it."""
        text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return text.replace(self._password, "***") if self._password else text

    def _error(self, doing: str, exc: BaseException) -> LedgerError:
        return LedgerError(
            f"Cannot {doing} the ledger {self._where}: {self._scrub(exc)}.",
            field=self._field,
            fix="check the server's logs, that it is reachable, and the user's rights on the schema",
        )

    def _read(self, work: Callable[[Connection], T]) -> T:
        """``work(conn)`` in one read-only snapshot; once more on a fresh connection if the
        pooled one turned out dead (server restart, idle connection cut)."""
        import psycopg

        for retry in (False, True):
            with self._pool.connection() as conn:
                try:
                    with conn.transaction():
                        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                        return work(conn)
                except psycopg.OperationalError as exc:
                    if retry or not conn.broken:
                        raise self._error("read", exc) from exc
                except psycopg.Error as exc:
                    raise self._error("read", exc) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    # -- writes --------------------------------------------------------------------------------

    def append(self, record: CallRecord) -> None:
        """Commit one record and its attempts (one statement) before returning."""
        self.append_many((record,))

    def append_many(self, records: Iterable[CallRecord]) -> None:
        """Commit several records in one transaction: all or none.

        A pooled connection found dead is replaced and the write sent once more. If the first
        send did commit (the connection died before the reply), the retry meets its own request
        id: that means "already stored", not an error.
        """
        import psycopg

        batch = [(INSERT_SQL, insert_params(r)) for r in records]
        if not batch:
            return
        for retry in (False, True):
            with self._pool.connection() as conn:
                try:
                    if len(batch) == 1:
                        conn.execute(*batch[0])
                    else:  # one transaction, sent in one pipeline (one round trip)
                        with conn.transaction(), conn.pipeline():
                            for query, params in batch:
                                conn.execute(query, params)
                    return
                except psycopg.errors.UniqueViolation as exc:
                    if retry:
                        return
                    raise LedgerError(
                        f"The ledger {self._where} already holds a record with this request id.",
                        field="request_id",
                        fix="give every call its own request id",
                    ) from exc
                except psycopg.OperationalError as exc:
                    if retry or not conn.broken:
                        raise self._error("write to", exc) from exc
                except psycopg.Error as exc:
                    raise self._error("write to", exc) from exc

    def _upsert_outcome(self, params: Sequence[Any]) -> bool:
        """The outcome's one autocommit statement; sent once more on a fresh connection if the
        pooled one was dead (an upsert: a second send changes nothing)."""
        import psycopg

        query = UPSERT.replace("?", "%s")
        for retry in (False, True):
            with self._pool.connection() as conn:
                try:
                    return bool(conn.execute(query, params).rowcount > 0)
                except psycopg.OperationalError as exc:
                    if retry or not conn.broken:
                        raise self._error("write to", exc) from exc
                except psycopg.Error as exc:
                    raise self._error("write to", exc) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """Commit what ``aappend`` queued, then close the pool's connections (idempotent); the
        ledger refuses calls afterwards."""
        self._stop_writer()
        self._pool.close()

    def drop_schema(self) -> None:
        """Drop the ledger's schema and every record in it, then close. For tests and tools."""
        from psycopg import sql

        with self._pool.connection() as conn:
            conn.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self.schema))
            )
        self.close()


def _options(conninfo: str) -> dict[str, str]:
    """The libpq options of a URL (to scrub its password from errors); ``{}`` if unparseable."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        return {k: str(v) for k, v in conninfo_to_dict(conninfo).items() if v is not None}
    except Exception:  # psycopg missing or a malformed URL: connecting will say so
        return {}
