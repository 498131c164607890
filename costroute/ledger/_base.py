"""The :class:`Ledger` interface every backend implements, the :class:`LedgerLike` protocol a
router records into."""

from __future__ import annotations

import abc
import asyncio
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self, runtime_checkable

from costroute.errors import LedgerError
from costroute.ledger._record import CallRecord

if TYPE_CHECKING:  # the read side loads with the first read (a router only appends)
    from costroute.ledger._outcomes import RatedCall
    from costroute.ledger._report import SavingsReport

__all__ = ["Ledger", "LedgerLike"]


@runtime_checkable
class LedgerLike(Protocol):
    """What a router needs of a ledger: ``append(record)`` for every call it settles.

    ``Router(ledger=...)`` takes any such object. A :class:`Ledger` (SQLite, PostgreSQL, or a
    subclass) is one and does more: its ``spent`` restores budget windows when the router
    starts, and ``router.usage`` (its reports) needs one.
    """

    def append(self, record: CallRecord) -> None:
        """Keep one record before returning; raise if it cannot be kept (the router then
        raises ``LedgerError`` or warns, as ``on_ledger_error`` says)."""
        ...


class Ledger(abc.ABC):
    """Append-only usage records and the reports built from them.

    ``append`` returns once the record is committed: a process crash right after cannot lose
    it. Every method is thread-safe; the ``a``-prefixed twins run the blocking work in a worker
    thread so they never block the event loop.
    """

    @abc.abstractmethod
    def append(self, record: CallRecord) -> None:
        """Commit one record (and its attempts) before returning."""

    def append_many(self, records: Iterable[CallRecord]) -> None:
        """Commit several records; backends may do it in one transaction."""
        for record in records:
            self.append(record)

    @abc.abstractmethod
    def report(
        self, month: str | None = None, group_by: str | None = None, tz: str = "UTC"
    ) -> SavingsReport:
        """The savings report of ``month`` (``"YYYY-MM"``, ``None`` = this month) in ``tz``.

        ``group_by`` is one of ``deployment``, ``model``, ``provider``, ``policy``, ``user``,
        ``tenant``, ``tag:<key>``, ``day``, or ``None`` for totals only.
        """

    @abc.abstractmethod
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
        """Settled spend (exact USD) of the calls in ``[since, until)`` matching every filter.

        ``purpose`` counts the routed calls (``"route"``, the default: what the router's budget
        restores from), the sampled labelling calls (``"labeling"``) or every call (None).
        """

    @abc.abstractmethod
    def records(self, month: str | None = None, *, tz: str = "UTC") -> list[CallRecord]:
        """Every record (of ``month`` in ``tz`` if given), oldest first, attempts included."""

    def feedback(
        self,
        request_id: str,
        score: float,
        *,
        source: str = "user",
        note: str | None = None,
        at: dt.datetime | None = None,
    ) -> None:
        """Record how call ``request_id`` turned out: ``score`` from 0 (bad) to 1 (good).

        One outcome per (call, ``source``): a repeat replaces the score, note and time.
        ``at`` is when it was recorded (default: now). Raises ``UnknownCallError`` when no call
        has this id, ``FeedbackTooLate`` when the call is older than ``feedback_window``, and
        ``InvalidRequestError`` for a bad score, source or note, before any I/O.

        The SQL ledgers keep outcomes; a subclass that does not raises ``LedgerError``.
        """
        raise self._no_outcomes()

    def outcomes(
        self,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        *,
        source: str | None = None,
        request_id: str | None = None,
    ) -> list[RatedCall]:
        """The outcomes recorded in ``[since, until)`` (of ``source``, of call ``request_id``
        if given), each joined to its call, oldest first."""
        raise self._no_outcomes()

    def _no_outcomes(self) -> LedgerError:
        return LedgerError(
            f"{type(self).__name__} keeps no outcomes.",
            field="ledger",
            fix="use a SQLite or PostgreSQL ledger (open_ledger(url)), or implement feedback()"
            " and outcomes() in this subclass",
        )

    @abc.abstractmethod
    def close(self) -> None:
        """Release the backend's connections; the ledger cannot be used afterwards."""

    async def aappend(self, record: CallRecord) -> None:
        """:meth:`append` for async code: the record joins the others waiting and is committed
        with them, in one transaction, by a thread of the ledger's own (group commit,
        costroute/ledger/_writer.py); it returns once the record is committed."""
        writer = self.__dict__.get("_group_writer")
        if writer is None:
            from costroute.ledger._writer import GroupWriter

            writer = self.__dict__.setdefault(
                "_group_writer", GroupWriter(self.append, self.append_many)
            )
        await writer.append(record)

    def _stop_writer(self) -> None:
        """Commit the records :meth:`aappend` queued and end its thread (part of ``close``)."""
        writer = self.__dict__.get("_group_writer")
        if writer is not None:
            writer.stop()

    async def areport(
        self, month: str | None = None, group_by: str | None = None, tz: str = "UTC"
    ) -> SavingsReport:
        """:meth:`report` in a worker thread."""
        return await asyncio.to_thread(self.report, month, group_by, tz)

    async def aspent(
        self, since: dt.datetime, until: dt.datetime | None = None, **filters: Any
    ) -> Decimal:
        """:meth:`spent` in a worker thread."""
        return await asyncio.to_thread(lambda: self.spent(since, until, **filters))

    async def afeedback(
        self,
        request_id: str,
        score: float,
        *,
        source: str = "user",
        note: str | None = None,
        at: dt.datetime | None = None,
    ) -> None:
        """:meth:`feedback` in a worker thread."""
        await asyncio.to_thread(
            lambda: self.feedback(request_id, score, source=source, note=note, at=at)
        )

    async def aoutcomes(
        self,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        *,
        source: str | None = None,
        request_id: str | None = None,
    ) -> list[RatedCall]:
        """:meth:`outcomes` in a worker thread."""
        return await asyncio.to_thread(
            lambda: self.outcomes(since, until, source=source, request_id=request_id)
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
