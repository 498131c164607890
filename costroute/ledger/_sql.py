"""What the SQL backends share: reports, spend and records as queries over ``calls``/``attempts``.

A backend (SQLite, PostgreSQL) gives its dialect (placeholder, "true" literal, SELECT list of a
record, how to key a group and sum exactly (SQLite's unless overridden), how to match a tag) and
:meth:`SQLLedger._read`, which runs ``work(conn)`` inside one read snapshot. Everything else is
written once, here.

What the reads need (periods, report sums and assembly, outcome queries) is imported by the
read that needs it: a router that only appends never loads it.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from costroute.errors import ConfigError, FeedbackTooLate, UnknownCallError
from costroute.ledger._base import Ledger
from costroute.ledger._codec import ATTEMPT_COLUMNS, from_us, record_from_rows
from costroute.ledger._record import CallRecord

if TYPE_CHECKING:
    from costroute.ledger._outcomes import RatedCall
    from costroute.ledger._periods import Period
    from costroute.ledger._query import Filter
    from costroute.ledger._report import SavingsReport, Tally

__all__ = ["DEFAULT_FEEDBACK_WINDOW", "SQLLedger", "check_window", "latencies", "utc_now"]

T = TypeVar("T")

DEFAULT_FEEDBACK_WINDOW = dt.timedelta(days=30)
"""How long after a call its outcome may be recorded, unless the ledger is told otherwise."""


def check_window(window: Any) -> dt.timedelta:
    """A valid ``feedback_window`` (a positive :class:`~datetime.timedelta`)."""
    if not isinstance(window, dt.timedelta) or window <= dt.timedelta(0):
        raise ConfigError(
            f"feedback_window={window!r} is not a positive time span.",
            field="feedback_window",
            fix="pass a datetime.timedelta, e.g. timedelta(days=30) (the default)",
        )
    return window


class _Executes(Protocol):
    def execute(self, query: Any, params: Any = ..., /) -> Any: ...


class SQLLedger(Ledger):
    """A :class:`Ledger` whose reads are SQL over the ``calls`` table and ``attempts``."""

    _MARK: ClassVar[str]  # the placeholder: "?" or "%s"
    _TRUE: ClassVar[str]  # a condition every row meets
    _SELECT_CALLS: ClassVar[str]  # "id" then CALL_COLUMNS, as record_from_rows reads them
    _FEATURES: ClassVar[str]  # calls.features as JSON text
    _clock: Callable[[], dt.datetime]
    _where: str
    _window: dt.timedelta = DEFAULT_FEEDBACK_WINDOW

    @property
    def feedback_window(self) -> dt.timedelta:
        """How long after a call :meth:`feedback` may record its outcome (default 30 days)."""
        return self._window

    @feedback_window.setter
    def feedback_window(self, window: dt.timedelta) -> None:
        self._window = check_window(window)

    @abc.abstractmethod
    def _upsert_outcome(self, params: Sequence[Any]) -> bool:
        """Run ``_outcomes.UPSERT`` with ``params``; True when it stored a row (the call is there and
        recent enough)."""

    @abc.abstractmethod
    def _read(self, work: Callable[[Any], T]) -> T:
        """``work(conn)`` inside one read snapshot (a ``LedgerError`` when it cannot be read)."""

    @staticmethod
    def _key_sql(kind: str | None, tag_key: str | None, period: Period | None) -> Filter:
        """The SQL expression of a group key, and its parameters (SQLite's; PostgreSQL has its
        own)."""
        from costroute.ledger._query import key_sql  # the reports' SQL loads with a report

        return key_sql(kind, tag_key, period)

    @staticmethod
    def _aggregate(
        conn: Any, keys: Sequence[Filter], where: Filter
    ) -> dict[tuple[Any, ...], Tally]:
        """Exact sums of the calls matching ``where``, per combination of the ``keys`` (in
        SQLite; PostgreSQL has its own)."""
        from costroute.ledger._query import aggregate

        return aggregate(conn, keys, where)

    @staticmethod
    @abc.abstractmethod
    def _tag_condition(key: str, value: str) -> Filter:
        """The condition "tag ``key`` is ``value``"."""

    def report(
        self, month: str | None = None, group_by: str | None = None, tz: str = "UTC"
    ) -> SavingsReport:
        """The savings report of ``month`` in ``tz``, optionally grouped (see :class:`Ledger`)."""
        from costroute.ledger._periods import month_period, parse_group
        from costroute.ledger._report import Tally, assemble

        kind, tag_key = parse_group(group_by)
        period = month_period(month, tz, self._clock())
        span = f"ts >= {self._MARK} AND ts < {self._MARK} AND purpose = {self._MARK}"
        where: Filter = (span, [period.start_us, period.end_us, "route"])
        labeling: Filter = (span, [period.start_us, period.end_us, "labeling"])
        key = self._key_sql(kind, tag_key, period)
        day = self._key_sql("day", None, period)

        def work(conn: Any) -> SavingsReport:
            cells = self._aggregate(conn, [key, day], where)
            extra = self._aggregate(conn, [], labeling).get((), Tally())
            return assemble(period, group_by, cells, latencies(conn, key, where), extra)

        return self._read(work)

    def spent(
        self,
        since: dt.datetime,
        until: dt.datetime | None = None,
        *,
        user: str | None = None,
        tenant: str | None = None,
        tag: tuple[str, str] | None = None,
        purpose: str | None = "route",
    ) -> Decimal:
        """Settled spend (exact USD) in ``[since, until)``, every status included; the routed
        calls' by default (``purpose="labeling"``: labelling calls', ``None``: every call's)."""
        from costroute.ledger._periods import spent_filter

        where = spent_filter(
            since,
            until,
            user,
            tenant,
            tag,
            mark=self._MARK,
            tag_condition=self._tag_condition,
            purpose=purpose,
        )
        found = self._read(lambda conn: self._aggregate(conn, [], where))
        return found[()].spend if found else Decimal(0)

    def records(self, month: str | None = None, *, tz: str = "UTC") -> list[CallRecord]:
        """Every record (of ``month`` in ``tz`` if given), oldest first, attempts included."""
        where, params = self._TRUE, []
        if month is not None:
            from costroute.ledger._periods import month_period

            period = month_period(month, tz, self._clock())
            where = f"ts >= {self._MARK} AND ts < {self._MARK}"
            params = [period.start_us, period.end_us]

        def work(conn: Any) -> list[CallRecord]:
            calls = conn.execute(
                f"SELECT {self._SELECT_CALLS} FROM calls WHERE {where} ORDER BY ts, id", params
            ).fetchall()
            attempts: dict[int, list[Any]] = {}
            for row in conn.execute(
                f"SELECT {', '.join(ATTEMPT_COLUMNS)} FROM attempts WHERE call_id IN"
                f" (SELECT id FROM calls WHERE {where}) ORDER BY call_id, idx",
                params,
            ):
                attempts.setdefault(row[0], []).append(row)
            return [record_from_rows(row, attempts.get(row[0], ())) for row in calls]

        return self._read(work)

    def feedback(
        self,
        request_id: str,
        score: float,
        *,
        source: str = "user",
        note: str | None = None,
        at: dt.datetime | None = None,
    ) -> None:
        """Record how call ``request_id`` turned out (see :meth:`Ledger.feedback`)."""
        from costroute.ledger._outcomes import CALL_TS, aware_us, check_feedback

        rid, value, src, text = check_feedback(request_id, score, source, note)
        now = aware_us(self._clock() if at is None else at, "at")
        oldest = now - self._window // dt.timedelta(microseconds=1)
        if self._upsert_outcome((src, value, text, now, rid, oldest)):
            return
        query = CALL_TS.replace("?", self._MARK)
        found = self._read(lambda conn: conn.execute(query, (rid,)).fetchone())
        if found is None:
            raise UnknownCallError(rid, self._where)
        raise FeedbackTooLate(rid, from_us(found[0]), self._window)

    def outcomes(
        self,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        *,
        source: str | None = None,
        request_id: str | None = None,
    ) -> list[RatedCall]:
        """The outcomes recorded in ``[since, until)``, joined to their calls, oldest first."""
        from costroute.ledger._outcomes import aware_us, rated_call, select_outcomes

        conds: list[str] = []
        params: list[Any] = []
        for value, field, op in ((since, "since", ">="), (until, "until", "<")):
            if value is not None:
                conds.append(f"o.ts {op} {self._MARK}")
                params.append(aware_us(value, field))
        for text, column in ((source, "o.source"), (request_id, "o.request_id")):
            if text is not None:
                conds.append(f"{column} = {self._MARK}")
                params.append(text)
        query = select_outcomes(self._FEATURES, " AND ".join(conds) or self._TRUE)
        return self._read(lambda conn: [rated_call(r) for r in conn.execute(query, params)])


def utc_now() -> dt.datetime:
    """The default clock of the SQL ledgers (what ``report(month=None)`` calls "now")."""
    return dt.datetime.now(dt.UTC)


def latencies(conn: _Executes, key: Filter, where: Filter) -> dict[Any, list[float]]:
    """Latencies of the calls that answered, per group key (unsorted)."""
    expr, key_params = key
    cond, cond_params = where
    out: dict[Any, list[float]] = {}
    for k, ms in conn.execute(
        f"SELECT {expr}, latency_ms FROM calls WHERE ({cond}) AND status = 'ok'",
        [*key_params, *cond_params],
    ):
        out.setdefault(k, []).append(ms)
    return out
