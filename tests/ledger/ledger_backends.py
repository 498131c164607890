"""The two ledger backends of the contract tests: a SQLite file or a PostgreSQL schema."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from costroute.ledger import Ledger, PostgresLedger, SQLiteLedger


class PgRun:
    """This test run's PostgreSQL schemas: ``ct_<run id>_<n>``, every one dropped at the end."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.prefix = f"ct_{uuid.uuid4().hex[:10]}_"
        self._n = itertools.count()

    def new_schema(self) -> str:
        return f"{self.prefix}{next(self._n)}"

    def drop(self, schema: str | None = None) -> None:
        """Drop one schema of this run, or every one (``None``)."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            names = conn.execute(
                "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)", (self.prefix,)
            ).fetchall()
            for (name,) in names:
                if schema is None or name == schema:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


class Store:
    """One database of one backend: ``open()`` gives ledgers on it (same file, same schema)."""

    def __init__(self, kind: str, where: str, url: str | None = None) -> None:
        self.kind, self.where, self.url = kind, where, url

    def open(self, **kw: Any) -> Ledger:
        if self.kind == "sqlite":
            return SQLiteLedger(self.where, **kw)
        assert self.url is not None
        return PostgresLedger(self.url, schema=self.where, **kw)
