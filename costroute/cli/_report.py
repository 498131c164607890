"""``costroute report``: a month's savings from the ledger, as a table, JSON, CSV or HTML.

::

    costroute report --month 2026-11 --by model
    costroute report --month 2026-11 --by tag:feature --format html --out nov.html
    costroute report --ledger postgresql://ro@db/app --format json --tz Europe/Paris

The ledger is ``--ledger URL`` if given, else ``$COSTROUTE_LEDGER_URL``, else the default SQLite
file. Arguments are checked before the ledger is opened; a bad month, group key, time zone or
URL, a ledger that does not exist or cannot be reached, exits with status 2 and says why on
stderr. A report never creates a ledger file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from costroute.errors import ConfigError

__all__ = ["FORMATS", "add_report_command", "run_report"]

FORMATS = ("table", "json", "csv", "html")
_BY_HELP = "group rows by deployment, model, provider, policy, user, tenant, tag:KEY or day"


def add_report_command(sub: Any) -> None:
    """Add the ``report`` subcommand to an ``argparse`` subparsers object."""
    p = sub.add_parser(
        "report",
        help="the month's spend and savings from the ledger",
        description="The savings report of one month, read from the usage ledger.",
    )
    p.add_argument("--month", default=None, help="YYYY-MM (default: this month in --tz)")
    p.add_argument("--by", default=None, metavar="KEY", help=_BY_HELP)
    p.add_argument("--format", choices=FORMATS, default="table", help="default: table")
    p.add_argument(
        "--ledger",
        default=None,
        metavar="URL",
        help="sqlite:///path, a file path or postgresql://... (default: $COSTROUTE_LEDGER_URL,"
        " else the default SQLite file)",
    )
    p.add_argument("--out", default=None, metavar="FILE", help="write to FILE, not stdout")
    p.add_argument("--tz", default="UTC", help="IANA time zone of months and days (default UTC)")
    p.set_defaults(func=run_report)


def _existing_sqlite(url: str | None) -> Path | None:
    """The SQLite file a ledger URL names (``None`` for PostgreSQL and ``:memory:``)."""
    from costroute.ledger import default_ledger_path

    if url is None:
        url = os.environ.get("COSTROUTE_LEDGER_URL") or None
    if url is None:
        return default_ledger_path()
    if "://" not in url:
        return Path(url)
    if url.lower().startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        return Path(url[len("sqlite://") :].partition("?")[0])
    return None


def run_report(args: argparse.Namespace) -> int:
    """Check the arguments, open the ledger, write the report; the exit code."""
    from costroute.ledger import month_period, open_ledger, parse_group

    parse_group(args.by)  # InvalidRequestError (exit 2) before touching any ledger
    month_period(args.month, args.tz, dt.datetime.now(dt.UTC))
    path = _existing_sqlite(args.ledger)
    if path is not None and not path.is_file():
        raise ConfigError(
            f"There is no ledger at {path}.",
            field="ledger",
            fix="route some calls first (the router writes the ledger), or pass --ledger URL",
        )
    with open_ledger(args.ledger) as ledger:
        report = ledger.report(month=args.month, group_by=args.by, tz=args.tz)
    if args.out is None:
        _write(report, args.format, sys.stdout)
        return 0
    try:
        with open(args.out, "w", encoding="utf-8", newline="") as out:
            _write(report, args.format, out)
    except OSError as exc:
        print(f"costroute: cannot write the report to {args.out}: {exc}", file=sys.stderr)
        return 2
    print(f"costroute: wrote the {args.format} report to {args.out}", file=sys.stderr)
    return 0


def _write(report: Any, fmt: str, out: TextIO) -> None:
    if fmt == "json":
        out.write(report.to_json() + "\n")
    elif fmt == "csv":
        out.write(report.to_csv())
    elif fmt == "html":
        out.write(report.to_html())
    else:
        _table(report, out)


def _table(report: Any, out: TextIO) -> None:
    """A rich table when rich is installed (colours only on a terminal), else plain text."""
    table = report.to_table()
    if isinstance(table, str):
        out.write(table)
        return
    from rich.console import Console

    terminal = out.isatty()
    Console(file=out, width=None if terminal else 160, no_color=not terminal).print(table)
