"""The savings report as one self-contained HTML page with hand-written inline SVG charts.

No script, no stylesheet or font from the network, no external reference of any kind: the file
opens the same offline, in a mail attachment or in a CI artifact. Every text that came from the
ledger (group keys are user, tenant and tag values) is HTML-escaped.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import TYPE_CHECKING

from costroute.ledger._format import HEADERS, cells, fmt_pct, fmt_usd, key_label, title

if TYPE_CHECKING:
    from costroute.ledger._report import DailyPoint, SavingsReport

__all__ = ["cumulative_savings", "report_html"]

_W, _H = 760, 260
_L, _R, _T, _B = 70, 16, 16, 34  # margins: left, right, top, bottom
_SPEND, _BASE, _SAVED = "#2563eb", "#cbd5e1", "#16a34a"

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#0f172a}
h1{font-size:1.3rem}h2{font-size:1.05rem;margin-top:2rem}
.cards{display:flex;gap:1rem;flex-wrap:wrap}
.card{border:1px solid #e2e8f0;border-radius:8px;padding:.6rem 1rem;min-width:9rem}
.card b{display:block;font-size:1.25rem}
table{border-collapse:collapse;margin-top:.5rem}
td,th{padding:.25rem .6rem;border-bottom:1px solid #e2e8f0;text-align:right}
td:first-child,th:first-child{text-align:left}
td+td,th+th{white-space:nowrap}
tr.total td{font-weight:600;border-top:2px solid #94a3b8}
svg text{font-size:11px;fill:#475569}
.legend span{display:inline-block;width:10px;height:10px;margin:0 .3rem 0 1rem}
"""


def cumulative_savings(daily: tuple[DailyPoint, ...]) -> list[Decimal]:
    """Running total of baseline minus spend, one value per day."""
    out: list[Decimal] = []
    total = Decimal(0)
    for point in daily:
        total += point.baseline_usd - point.spend_usd
        out.append(total)
    return out


def _y(value: float, low: float, high: float) -> float:
    span = (high - low) or 1.0
    return _T + (high - value) / span * (_H - _T - _B)


def _frame(low: float, high: float, days: list[str]) -> list[str]:
    """Axes, the zero line, y labels at low/high and x labels every few days."""
    parts = [
        f'<line x1="{_L}" y1="{_T}" x2="{_L}" y2="{_H - _B}" stroke="#94a3b8"/>',
        f'<line x1="{_L}" y1="{_y(0, low, high):.1f}" x2="{_W - _R}" y2="{_y(0, low, high):.1f}"'
        ' stroke="#94a3b8"/>',
    ]
    for value in {low, 0.0, high}:
        label = escape(fmt_usd(Decimal(str(round(value, 6)))))
        y = _y(value, low, high)
        parts.append(f'<text x="{_L - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    step = (_W - _L - _R) / max(1, len(days))
    for i, day in enumerate(days):
        if i % 5 == 0 or i == len(days) - 1:
            x = _L + (i + 0.5) * step
            parts.append(
                f'<text x="{x:.1f}" y="{_H - _B + 16}" text-anchor="middle">{escape(day[5:])}</text>'
            )
    return parts


def _svg(body: list[str], label: str) -> str:
    return (
        f'<svg viewBox="0 0 {_W} {_H}" width="{_W}" height="{_H}" role="img"'
        f' aria-label="{escape(label)}">' + "".join(body) + "</svg>"
    )


def _bars_chart(daily: tuple[DailyPoint, ...]) -> str:
    """Daily spend (blue) against the baseline (grey), side by side."""
    days = [d.day for d in daily]
    high = max([float(v) for d in daily for v in (d.spend_usd, d.baseline_usd)] + [0.0]) or 1.0
    low = min([float(d.spend_usd) for d in daily] + [0.0])
    parts = _frame(low, high, days)
    step = (_W - _L - _R) / max(1, len(days))
    width = max(1.0, step * 0.38)
    zero = _y(0, low, high)
    for i, d in enumerate(daily):
        x = _L + i * step + step * 0.1
        for offset, value, color, name in (
            (0.0, d.baseline_usd, _BASE, "baseline"),
            (width, d.spend_usd, _SPEND, "spend"),
        ):
            y = _y(float(value), low, high)
            top, height = min(y, zero), abs(zero - y)
            parts.append(
                f'<rect x="{x + offset:.1f}" y="{top:.1f}" width="{width:.1f}"'
                f' height="{height:.1f}" fill="{color}"><title>{escape(d.day)} {name}'
                f" {escape(fmt_usd(value))}</title></rect>"
            )
    return _svg(parts, "daily spend against baseline")


def _line_chart(daily: tuple[DailyPoint, ...]) -> str:
    """Cumulative savings over the month (may dip below zero)."""
    values = [float(v) for v in cumulative_savings(daily)]
    high = max([*values, 0.0]) or 1.0
    low = min([*values, 0.0])
    parts = _frame(low, high, [d.day for d in daily])
    step = (_W - _L - _R) / max(1, len(values))
    points = " ".join(
        f"{_L + (i + 0.5) * step:.1f},{_y(v, low, high):.1f}" for i, v in enumerate(values)
    )
    if points:
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{_SAVED}" stroke-width="2"/>'
        )
    return _svg(parts, "cumulative savings")


def _card(label: str, value: str) -> str:
    return f'<div class="card">{escape(label)}<b>{escape(value)}</b></div>'


def _table(report: SavingsReport) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in (report.group_by or "", *HEADERS))
    rows = [
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in (key_label(r.key), *cells(r))) + "</tr>"
        for r in report.by
    ]
    total = "".join(f"<td>{escape(c)}</td>" for c in ("total", *cells(report)))
    rows.append(f'<tr class="total">{total}</tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def report_html(report: SavingsReport) -> str:
    """The whole page, as text."""
    name = escape(title(report))
    cards = "".join(
        (
            _card("spend", fmt_usd(report.spend_usd)),
            _card("baseline", fmt_usd(report.baseline_usd)),
            _card("saved", fmt_usd(report.saved_usd)),
            _card("saved %", fmt_pct(report.saved_pct)),
            _card("calls", f"{report.calls:,}"),
            _card("cache hits", f"{report.cache_hits:,}"),
        )
    )
    if report.labeling_calls:
        cards += _card("labelling", fmt_usd(report.labeling_usd))
        cards += _card("saved net of labelling", fmt_usd(report.net_saved_usd))
    legend = (
        f'<p class="legend"><span style="background:{_BASE}"></span>baseline'
        f'<span style="background:{_SPEND}"></span>spend</p>'
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{name}</title><style>{_CSS}</style></head><body>"
        f'<h1>{name}</h1><div class="cards">{cards}</div>'
        f"<h2>Daily spend against the baseline</h2>{legend}{_bars_chart(report.daily)}"
        f"<h2>Cumulative savings</h2>{_line_chart(report.daily)}"
        f"<h2>Breakdown</h2>{_table(report)}"
        "</body></html>\n"
    )
