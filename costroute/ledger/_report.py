"""The savings report of a month: totals, one row per group, and a daily series for charts.

Money is exact :class:`~decimal.Decimal` USD. ``saved_usd = baseline_usd - spend_usd`` and may be
negative. ``saved_pct`` is ``saved / baseline * 100`` rounded to 2 places (``None`` without a
baseline). Latency percentiles are *nearest-rank* over the calls that answered (``status ==
"ok"``, cache hits included): the p-th percentile of n sorted values is the value at 1-based rank
``ceil(p / 100 * n)``, always one of the observed values; ``None`` when no call answered.

Every figure above counts the routed calls only (``purpose = "route"``). Sampled labelling calls
(``purpose = "labeling"``, docs/learning.md) are money spent to learn, not routed traffic: the
report counts them apart (``labeling_calls``, ``labeling_usd``) and gives the savings net of
them: ``net_saved_usd = saved_usd - labeling_usd``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from costroute.ledger._money import exact, from_pico, tidy

if TYPE_CHECKING:
    from rich.table import Table

    from costroute.ledger._periods import Period

__all__ = [
    "DailyPoint",
    "ReportRow",
    "SavingsReport",
    "Tally",
    "assemble",
    "labeling_figures",
    "nearest_rank",
]


def nearest_rank(sorted_values: list[float], p: float) -> float | None:
    """Nearest-rank percentile ``p`` (0 < p <= 100) of ascending values; ``None`` if empty."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


class DailyPoint(NamedTuple):
    """One day of the month (in the report's time zone): what was spent, what the baseline was."""

    day: str
    spend_usd: Decimal
    baseline_usd: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class _Figures:
    calls: int
    ok_calls: int
    errors: int
    refusals: int
    spend_usd: Decimal
    baseline_usd: Decimal
    saved_usd: Decimal
    saved_pct: float | None
    cache_hits: int
    fallbacks: int
    retries: int
    p50_latency_ms: float | None
    p95_latency_ms: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportRow(_Figures):
    """The figures of one group; ``key`` is ``None`` for calls without that key (no user...)."""

    key: str | None


@dataclass(slots=True)
class Tally:
    """Running sums of one group while a report is built (integers stay exact)."""

    calls: int = 0
    ok_calls: int = 0
    errors: int = 0
    refusals: int = 0
    spend_pusd: int = 0
    baseline_pusd: int = 0
    spend_extra: Decimal = Decimal(0)
    baseline_extra: Decimal = Decimal(0)
    cache_hits: int = 0
    fallbacks: int = 0
    retries: int = 0
    latencies: list[float] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        """Add another group's sums into this one (latencies included)."""
        for name in ("calls", "ok_calls", "errors", "refusals", "spend_pusd", "baseline_pusd"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        with exact():
            for name in ("spend_extra", "baseline_extra", "cache_hits", "fallbacks", "retries"):
                setattr(self, name, getattr(self, name) + getattr(other, name))
        self.latencies.extend(other.latencies)

    @property
    def spend(self) -> Decimal:
        with exact():
            return tidy(from_pico(self.spend_pusd) + self.spend_extra)

    @property
    def baseline(self) -> Decimal:
        with exact():
            return tidy(from_pico(self.baseline_pusd) + self.baseline_extra)

    def figures(self) -> dict[str, Any]:
        """The keyword arguments of :class:`ReportRow` (all but ``key``)."""
        spend, baseline = self.spend, self.baseline
        with exact():
            saved = tidy(baseline - spend)
        pct = float(round(saved / baseline * 100, 2)) if baseline else None
        lat = sorted(self.latencies)
        return {
            "calls": self.calls,
            "ok_calls": self.ok_calls,
            "errors": self.errors,
            "refusals": self.refusals,
            "spend_usd": spend,
            "baseline_usd": baseline,
            "saved_usd": saved,
            "saved_pct": pct,
            "cache_hits": self.cache_hits,
            "fallbacks": self.fallbacks,
            "retries": self.retries,
            "p50_latency_ms": nearest_rank(lat, 50),
            "p95_latency_ms": nearest_rank(lat, 95),
        }


def labeling_figures(routed: Tally, labeling: Tally) -> dict[str, Any]:
    """The labelling fields of a :class:`SavingsReport`: its calls, its spend, and the routed
    calls' savings net of that spend."""
    spend = labeling.spend
    with exact():
        net = tidy(routed.baseline - routed.spend - spend)
    return {"labeling_calls": labeling.calls, "labeling_usd": spend, "net_saved_usd": net}


@dataclass(frozen=True, slots=True, kw_only=True)
class SavingsReport(_Figures):
    """A month's spend against the baseline. Build one with ``ledger.report(...)``.

    ``by`` holds one :class:`ReportRow` per group when ``group_by`` was given (by spend,
    highest first; by date for ``"day"``); ``daily`` one :class:`DailyPoint` per day of the
    month, always. Both, like the totals, count the routed calls; the month's sampled
    labelling calls are ``labeling_calls``, their spend ``labeling_usd`` (every status), and
    ``net_saved_usd`` is ``saved_usd - labeling_usd``.
    """

    month: str
    tz: str
    group_by: str | None = None
    by: tuple[ReportRow, ...] = ()
    daily: tuple[DailyPoint, ...] = ()
    labeling_calls: int = 0
    labeling_usd: Decimal = Decimal(0)
    net_saved_usd: Decimal = Decimal(0)

    def to_dict(self) -> dict[str, Any]:
        """Plain data; money as exact decimal strings."""
        from costroute.ledger._format import report_dict

        return report_dict(self)

    def to_json(self, *, indent: int | None = 2) -> str:
        """JSON text; money as exact decimal strings (``"12.345678"``)."""
        from costroute.ledger._format import report_json

        return report_json(self, indent=indent)

    def to_csv(self) -> str:
        """CSV text: one line per group, then a ``total`` line."""
        from costroute.ledger._format import report_csv

        return report_csv(self)

    def to_text(self) -> str:
        """A plain-text table (what :meth:`to_table` falls back to without rich)."""
        from costroute.ledger._format import report_text

        return report_text(self)

    def to_table(self) -> Table | str:
        """A ``rich.table.Table`` (``pip install costroute[report]``), else plain text."""
        from costroute.ledger._format import report_table

        return report_table(self)

    def to_html(self) -> str:
        """One self-contained HTML page: totals, groups and inline SVG charts (no network)."""
        from costroute.ledger._html import report_html

        return report_html(self)

    def __str__(self) -> str:
        return self.to_text()


def assemble(
    period: Period,
    group_by: str | None,
    cells: dict[tuple[Any, ...], Tally],
    latencies: dict[Any, list[float]],
    labeling: Tally | None = None,
) -> SavingsReport:
    """A :class:`SavingsReport` from tallies per (group key, day index) of the routed calls,
    latencies per key, and the sums of the month's labelling calls."""
    groups: dict[Any, Tally] = {}
    days: dict[Any, Tally] = {}
    total = Tally()
    for (key, day), tally in cells.items():
        groups.setdefault(key, Tally()).add(tally)
        days.setdefault(day, Tally()).add(tally)
        total.add(tally)
    for key, values in latencies.items():
        groups.setdefault(key, Tally()).latencies.extend(values)
        total.latencies.extend(values)
    rows: list[ReportRow] = []
    if group_by is not None:
        for key, tally in groups.items():
            label = period.days[key][0] if group_by == "day" else key
            rows.append(ReportRow(key=None if label is None else str(label), **tally.figures()))
        if group_by == "day":
            rows.sort(key=lambda r: r.key or "")
        else:
            rows.sort(key=lambda r: (-r.spend_usd, r.key is None, r.key or ""))
    daily = tuple(
        DailyPoint(iso, days[i].spend, days[i].baseline)
        if i in days
        else DailyPoint(iso, Decimal(0), Decimal(0))
        for i, (iso, _, _) in enumerate(period.days)
    )
    return SavingsReport(
        month=period.month,
        tz=period.tz,
        group_by=group_by,
        by=tuple(rows),
        daily=daily,
        **total.figures(),
        **labeling_figures(total, labeling or Tally()),
    )
