"""Group commit for :meth:`Ledger.aappend`: records handed over by async code are committed in
batches by one thread of the ledger's own.

Under concurrency, a record per transaction costs one commit (and with PostgreSQL one round trip)
per call, and a worker-thread hop for each. Here each ``aappend`` queues its record and awaits a
future; the writer thread takes every record waiting (up to ``max_batch``), commits them with one
``append_many`` and resolves their futures. A record is committed before its ``aappend``
returns, as with ``append``. When a batch fails as a whole (one duplicate request id makes the
transaction fail), its records are written one by one, so that each caller gets its own result.
A caller cancelled while it waits does not take its record back: it is committed all the same.

The thread starts with the first record, again in a forked child (it does not cross a fork), and
``stop()`` (the ledger's ``close``) commits what is queued before it returns.
"""

from __future__ import annotations

import asyncio
import os
import queue
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, InvalidStateError

from costroute.ledger._record import CallRecord

__all__ = ["GroupWriter"]

_Item = tuple[CallRecord, "Future[None]"]


class GroupWriter:
    """One thread that commits queued records in batches through ``append_many``."""

    def __init__(
        self,
        append: Callable[[CallRecord], None],
        append_many: Callable[[Iterable[CallRecord]], None],
        max_batch: int = 256,
    ) -> None:
        self._append = append
        self._append_many = append_many
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    async def append(self, record: CallRecord) -> None:
        """Queue ``record`` and wait until it is committed (or its batch's error)."""
        done: Future[None] = Future()
        self._put((record, done))
        # shielded: a cancelled caller leaves the record to be committed all the same
        await asyncio.shield(asyncio.wrap_future(done))

    def _put(self, item: _Item) -> None:
        with self._lock:
            if self._pid != os.getpid():  # a forked child: the parent's thread is not here
                self._pid = os.getpid()
                self._queue = queue.SimpleQueue()
                self._thread = None
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, args=(self._queue,), name="costroute-ledger", daemon=True
                )
                self._thread.start()
            self._queue.put(item)

    def stop(self) -> None:
        """Commit what is queued, then end the thread (a later record starts a new one)."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is None or self._pid != os.getpid():
                return
            self._queue.put(None)
            self._queue = queue.SimpleQueue()
        thread.join()

    def _run(self, items: queue.SimpleQueue[_Item | None]) -> None:
        while True:
            first = items.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self._max_batch:
                try:
                    item = items.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list[_Item]) -> None:
        try:
            if len(batch) == 1:
                self._append(batch[0][0])
            else:
                self._append_many(record for record, _ in batch)
        except BaseException as exc:
            if len(batch) == 1:
                _settle(batch[0][1], exc)
                return
            for record, done in batch:  # the batch failed as a whole: each on its own
                try:
                    self._append(record)
                except BaseException as one:
                    _settle(done, one)
                else:
                    _settle(done, None)
            return
        for _, done in batch:
            _settle(done, None)


def _settle(done: Future[None], error: BaseException | None) -> None:
    try:
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)
    except InvalidStateError:  # pragma: no cover - the futures are never cancelled
        pass
