"""Savings report as data, JSON, CSV, plain text and a rich table.

Machine formats (dict, JSON, CSV) keep money exact: decimal strings, never floats. Human formats
(text, table, HTML) round money for reading: cents from $1 up, more digits below.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from costroute.ledger._money import to_text

if TYPE_CHECKING:
    from rich.table import Table

    from costroute.ledger._report import SavingsReport, _Figures

__all__ = [
    "FIGURES",
    "HEADERS",
    "LABELING",
    "cells",
    "fmt_ms",
    "fmt_pct",
    "fmt_usd",
    "key_label",
    "labeling_line",
    "report_csv",
    "report_dict",
    "report_json",
    "report_table",
    "report_text",
    "title",
]

FIGURES = (
    "calls",
    "ok_calls",
    "errors",
    "refusals",
    "spend_usd",
    "baseline_usd",
    "saved_usd",
    "saved_pct",
    "cache_hits",
    "fallbacks",
    "retries",
    "p50_latency_ms",
    "p95_latency_ms",
)
LABELING = ("labeling_calls", "labeling_usd", "net_saved_usd")
"""The report's labelling figures: totals only (the groups and days count routed calls)."""
_HEAD = ("calls", "ok", "errors", "refused", "spend", "baseline", "saved", "saved %")
_TAIL = ("cache hits", "fallbacks", "retries", "p50", "p95")
HEADERS = (*_HEAD, *_TAIL)


def _plain(value: Any) -> Any:
    return to_text(value) if isinstance(value, Decimal) else value


def _figures(f: _Figures) -> dict[str, Any]:
    return {name: _plain(getattr(f, name)) for name in FIGURES}


def report_dict(report: SavingsReport) -> dict[str, Any]:
    """The report as plain data (money as exact decimal strings)."""
    return {
        "month": report.month,
        "tz": report.tz,
        "group_by": report.group_by,
        **_figures(report),
        **{name: _plain(getattr(report, name)) for name in LABELING},
        "by": [{"key": row.key, **_figures(row)} for row in report.by],
        "daily": [
            {
                "day": d.day,
                "spend_usd": to_text(d.spend_usd),
                "baseline_usd": to_text(d.baseline_usd),
            }
            for d in report.daily
        ],
    }


def report_json(report: SavingsReport, *, indent: int | None = 2) -> str:
    """JSON text of :func:`report_dict`."""
    return json.dumps(report_dict(report), indent=indent)


def report_csv(report: SavingsReport) -> str:
    """One CSV line per group, then a ``total`` line (``group`` column = the group key kind);
    the labelling columns are filled on the ``total`` line only."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("month", "tz", "group", "key", *FIGURES, *LABELING))
    blank = [""] * len(LABELING)
    for row in report.by:
        writer.writerow([*_csv_line(report, report.group_by or "", row.key or "", row), *blank])
    labeling = [_plain(getattr(report, name)) for name in LABELING]
    writer.writerow([*_csv_line(report, "total", "", report), *labeling])
    return out.getvalue()


def _csv_line(report: SavingsReport, group: str, key: str, f: _Figures) -> list[Any]:
    values = [_plain(getattr(f, name)) for name in FIGURES]
    return [report.month, report.tz, group, key, *("" if v is None else v for v in values)]


def fmt_usd(amount: Decimal) -> str:
    """``$1,234.57``, ``$0.0123``, ``-$0.000042``: cents from $1 up, more digits below."""
    sign, size = ("-" if amount < 0 else ""), abs(amount)
    if size >= 1:
        text = f"{size:,.2f}"
    elif size >= Decimal("0.01") or not size:
        text = f"{size:.4f}" if size else "0.00"
    else:
        text = f"{size:.6f}"
    return f"{sign}${text}"


def fmt_pct(pct: float | None) -> str:
    """``95.3%``, or ``-`` without a baseline."""
    return "-" if pct is None else f"{pct:.1f}%"


def fmt_ms(ms: float | None) -> str:
    """``840 ms``, or ``-`` when no call answered."""
    return "-" if ms is None else f"{ms:,.0f} ms"


def key_label(key: str | None) -> str:
    """How a group key reads in a table: ``(none)`` for calls without one."""
    return "(none)" if key is None else key


def cells(f: _Figures) -> list[str]:
    return [
        f"{f.calls:,}",
        f"{f.ok_calls:,}",
        f"{f.errors:,}",
        f"{f.refusals:,}",
        fmt_usd(f.spend_usd),
        fmt_usd(f.baseline_usd),
        fmt_usd(f.saved_usd),
        fmt_pct(f.saved_pct),
        f"{f.cache_hits:,}",
        f"{f.fallbacks:,}",
        f"{f.retries:,}",
        fmt_ms(f.p50_latency_ms),
        fmt_ms(f.p95_latency_ms),
    ]


def _lines(report: SavingsReport) -> list[tuple[str, list[str]]]:
    rows: list[tuple[str, list[str]]] = [(key_label(r.key), cells(r)) for r in report.by]
    rows.append(("total", cells(report)))
    return rows


def title(report: SavingsReport) -> str:
    by = f" by {report.group_by}" if report.group_by else ""
    return f"costroute savings {report.month} ({report.tz}){by}"


def report_text(report: SavingsReport) -> str:
    """A plain-text table with aligned columns."""
    head = [report.group_by or "", *HEADERS]
    body = [[label, *values] for label, values in _lines(report)]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]

    def line(values: list[str]) -> str:
        first = values[0].ljust(widths[0])
        rest = (c.rjust(w) for c, w in zip(values[1:], widths[1:], strict=True))
        return "  ".join([first, *rest]).rstrip()

    rule = "-" * len(line(head))
    out = [title(report), line(head), rule, *(line(r) for r in body[:-1])]
    if report.by:
        out.append(rule)
    out.append(line(body[-1]))
    if report.labeling_calls:
        out.append(labeling_line(report))
    return "\n".join(out) + "\n"


def labeling_line(report: SavingsReport) -> str:
    """``labelling: 12 calls, $0.0340; saved net of labelling: $1.23`` (shown when any)."""
    calls = f"{report.labeling_calls:,} call{'s' if report.labeling_calls != 1 else ''}"
    return (
        f"labelling: {calls}, {fmt_usd(report.labeling_usd)};"
        f" saved net of labelling: {fmt_usd(report.net_saved_usd)}"
    )


def report_table(report: SavingsReport) -> Table | str:
    """A ``rich.table.Table``; the plain text of :func:`report_text` when rich is missing."""
    try:
        from rich.table import Table
    except ImportError:
        return report_text(report)
    table = Table(title=title(report), show_footer=False)
    table.add_column(report.group_by or "", style="bold")
    for name in HEADERS:
        table.add_column(name, justify="right")
    lines = _lines(report)
    for i, (label, values) in enumerate(lines):
        last = i == len(lines) - 1
        table.add_row(
            label, *values, style="bold" if last else None, end_section=i == len(lines) - 2
        )
    if report.labeling_calls:
        table.caption = labeling_line(report)
    return table
