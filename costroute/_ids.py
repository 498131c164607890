"""Ids unique across threads, processes and forks: request ids and budget lease ids.

An id is a random per-process prefix (80 bits) and a counter. The prefix is drawn again in
every child of ``os.fork()`` (gunicorn ``--preload``, celery prefork, ``multiprocessing`` with
fork): a child inherits its parent's memory, so a prefix drawn once at import would repeat in
every worker, and with it every id (colliding ledger rows, budget leases counted twice).

A counter instead of ``uuid4()`` per id: reading ``os.urandom`` costs ~0.6 ms on some virtual
machines; ``next()`` on an ``itertools.count`` is atomic under the GIL.
"""

from __future__ import annotations

import itertools
import os

__all__ = ["new_id"]


class _Source:
    __slots__ = ("counter", "prefix")

    def __init__(self) -> None:
        self.reseed()

    def reseed(self) -> None:
        self.prefix = os.urandom(10).hex()
        self.counter = itertools.count(1)


_SOURCE = _Source()

if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_SOURCE.reseed)


def new_id() -> str:
    """A new id: 20 hex digits of this process's prefix, then a 12-digit hex counter."""
    source = _SOURCE
    return f"{source.prefix}{next(source.counter):012x}"
