"""``Ledger.aappend``: records from async code are committed in groups by the ledger's own thread
(costroute/ledger/_writer.py), each committed before its ``aappend`` returns, on both backends.

A gate holds the writer on a first record, written alone, while the others queue behind it, so
that the grouping these tests assert does not depend on thread timing.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterable

import pytest
from ledger_backends import Store
from ledger_data import record

from costroute.errors import LedgerError
from costroute.ledger import CallRecord, Ledger, SQLiteLedger


class Gated:
    """Wraps a ledger's writes: notes the size of each batch of several records, and holds the
    first write until ``gate`` is set."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.batches: list[int] = []
        self.gate = threading.Event()
        self.holding = threading.Event()
        ledger.append = self.append  # type: ignore[method-assign]
        ledger.append_many = self.append_many  # type: ignore[method-assign]
        self._append, self._append_many = type(ledger).append, type(ledger).append_many

    def append(self, rec: CallRecord) -> None:
        self._hold()
        self._append(self.ledger, rec)

    def append_many(self, records: Iterable[CallRecord]) -> None:
        self._hold()
        batch = list(records)
        if len(batch) > 1:  # (PostgreSQL's append is an append_many of one)
            self.batches.append(len(batch))
        self._append_many(self.ledger, batch)

    def _hold(self) -> None:
        if not self.holding.is_set():  # the first write only
            self.holding.set()
            self.gate.wait(timeout=30)

    async def held(self, ledger: Ledger) -> asyncio.Future[None]:
        """A first record's ``aappend``, once the writer holds it (alone: nothing else queued)."""
        first = asyncio.ensure_future(ledger.aappend(record()))
        await self.queued(0)
        return first

    async def queued(self, count: int) -> None:
        """Yield to the loop until ``count`` records wait behind the held one."""
        while not self.holding.is_set() or self._waiting() < count:
            await asyncio.sleep(0)

    def _waiting(self) -> int:
        writer = self.ledger.__dict__.get("_group_writer")
        return 0 if writer is None else int(writer._queue.qsize())


async def test_concurrent_appends_are_committed_in_one_batch(ledger: Ledger) -> None:
    gated = Gated(ledger)
    first = await gated.held(ledger)
    records = [record() for _ in range(40)]
    tasks = [asyncio.ensure_future(ledger.aappend(r)) for r in records]
    await gated.queued(40)
    gated.gate.set()
    await asyncio.gather(first, *tasks)
    assert gated.batches == [40]
    stored = {r.request_id for r in ledger.records(month="2026-11")}
    assert {r.request_id for r in records} <= stored and len(stored) == 41


async def test_a_duplicate_fails_its_own_caller_and_no_other(ledger: Ledger) -> None:
    taken = record()
    ledger.append(taken)
    gated = Gated(ledger)
    first = await gated.held(ledger)
    before, after = record(), record()
    again = record(request_id=taken.request_id)
    tasks = [asyncio.ensure_future(ledger.aappend(r)) for r in (before, again, after)]
    await gated.queued(3)
    gated.gate.set()
    results = await asyncio.gather(first, *tasks, return_exceptions=True)
    assert results[:2] == [None, None] and results[3] is None
    assert isinstance(results[2], LedgerError) and results[2].field == "request_id"
    assert gated.batches == [3]  # the batch of three failed as one, then went one by one
    stored = [r.request_id for r in ledger.records(month="2026-11")]
    assert len(stored) == 4 and {taken.request_id, before.request_id, after.request_id} <= set(
        stored
    )


async def test_a_cancelled_caller_leaves_its_record_to_be_committed(store: Store) -> None:
    ledger = store.open()
    gated = Gated(ledger)
    first = await gated.held(ledger)
    cancelled = record()
    second = asyncio.ensure_future(ledger.aappend(cancelled))
    await gated.queued(1)
    second.cancel()
    with pytest.raises(asyncio.CancelledError):
        await second
    gated.gate.set()
    await first
    ledger.close()  # waits for the writer: what was queued is committed
    with store.open() as reopened:
        stored = {r.request_id for r in reopened.records(month="2026-11")}
    assert len(stored) == 2 and cancelled.request_id in stored


async def test_a_write_error_reaches_every_caller_of_the_batch(sqlite_ledger: SQLiteLedger) -> None:
    sqlite_ledger.close()
    results = await asyncio.gather(
        *(sqlite_ledger.aappend(record()) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, LedgerError) and "closed" in str(r) for r in results)


def test_a_forked_child_commits_through_a_writer_of_its_own(sqlite_ledger: SQLiteLedger) -> None:
    parent_record, child_record = record(), record()
    asyncio.run(sqlite_ledger.aappend(parent_record))  # the parent's writer thread runs
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 1
        try:
            asyncio.run(sqlite_ledger.aappend(child_record))
            code = 0
        finally:
            os._exit(code)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    stored = {r.request_id for r in sqlite_ledger.records(month="2026-11")}
    assert stored == {parent_record.request_id, child_record.request_id}
