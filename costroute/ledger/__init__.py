"""The usage ledger: one durable record per routed call, and monthly savings reports.

::

    from costroute.ledger import open_ledger

    with open_ledger("sqlite:///:memory:") as ledger:
        ledger.append(record)                      # durable before it returns
        report = ledger.report(month="2026-11", group_by="model")
        text = report.to_text()                    # also to_json/to_csv/to_html/to_table
        ledger.feedback(record.request_id, 1.0)    # how the call turned out, 0 to 1
        rows = ledger.outcomes()                   # outcomes joined to their calls' features

The default ledger is a SQLite file (WAL) at :func:`default_ledger_path`; several processes or hosts share a PostgreSQL one (``open_ledger("postgresql://...")``, ``costroute[postgres]``).
See docs/ledger.md for the schema, the durability guarantees and the report formats.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from costroute._lazy import lazy_names
from costroute.ledger._base import Ledger, LedgerLike
from costroute.ledger._open import default_ledger_path, open_ledger
from costroute.ledger._record import PURPOSES, CallRecord, Purpose, Status, hash_prompt
from costroute.ledger._schema import SCHEMA_VERSION
from costroute.ledger._sqlite import SQLiteLedger

if TYPE_CHECKING:
    from costroute.ledger._outcomes import RatedCall
    from costroute.ledger._periods import GROUP_KEYS, month_period, parse_group
    from costroute.ledger._postgres import PostgresLedger
    from costroute.ledger._report import DailyPoint, ReportRow, SavingsReport, nearest_rank
    from costroute.ledger._sql import DEFAULT_FEEDBACK_WINDOW

__all__ = [
    "DEFAULT_FEEDBACK_WINDOW",
    "GROUP_KEYS",
    "PURPOSES",
    "SCHEMA_VERSION",
    "CallRecord",
    "DailyPoint",
    "Ledger",
    "LedgerLike",
    "PostgresLedger",
    "Purpose",
    "RatedCall",
    "ReportRow",
    "SQLiteLedger",
    "SavingsReport",
    "Status",
    "default_ledger_path",
    "hash_prompt",
    "month_period",
    "nearest_rank",
    "open_ledger",
    "parse_group",
]

__getattr__ = lazy_names(
    __name__,
    {
        "DEFAULT_FEEDBACK_WINDOW": "costroute.ledger._sql",
        "DailyPoint": "costroute.ledger._report",
        "GROUP_KEYS": "costroute.ledger._periods",
        "PostgresLedger": "costroute.ledger._postgres",
        "RatedCall": "costroute.ledger._outcomes",
        "ReportRow": "costroute.ledger._report",
        "SavingsReport": "costroute.ledger._report",
        "month_period": "costroute.ledger._periods",
        "nearest_rank": "costroute.ledger._report",
        "parse_group": "costroute.ledger._periods",
    },
)
