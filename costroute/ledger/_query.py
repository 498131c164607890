"""The report's SQL: grouped aggregates in SQLite, exact to the picodollar.

One grouped query per report (by the group key and the day of the month) gives every count and
integer picodollar sum. Amounts without an exact picodollar value (more
than 12 decimals), and every amount when an ``int64`` sum would overflow (over $9.2M in one
group), are summed from their Decimal text in Python instead. Latencies are fetched per group
(``_sql.latencies``, shared with PostgreSQL) and their percentiles taken in Python.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from costroute.ledger._money import exact, from_text
from costroute.ledger._periods import Period
from costroute.ledger._report import Tally

__all__ = ["Filter", "aggregate", "day_sql", "key_sql"]

Filter = tuple[str, list[Any]]  # a SQL boolean expression over ``calls`` and its parameters

_DAY_US = 86_400_000_000
_SUMS = (
    "COUNT(*), SUM(status = 'ok'), SUM(status = 'error'), SUM(status = 'refused'),"
    " SUM(cost_pusd), SUM(baseline_pusd), SUM(cost_pusd IS NULL OR baseline_pusd IS NULL),"
    " SUM(cached), SUM(fallbacks), SUM(retries)"
)
_SUMS_NO_MONEY = (
    "COUNT(*), SUM(status = 'ok'), SUM(status = 'error'), SUM(status = 'refused'),"
    " 0, 0, COUNT(*), SUM(cached), SUM(fallbacks), SUM(retries)"
)


def key_sql(kind: str | None, tag_key: str | None, period: Period | None) -> Filter:
    """The SQL expression of a group key, and its parameters."""
    if kind is None:
        return "NULL", []
    if kind == "tag":
        return "json_extract(tags, ?)", [f'$."{tag_key}"']
    if kind == "day":
        assert period is not None
        return day_sql(period)
    return f'"{kind}"', []


def day_sql(period: Period) -> Filter:
    """The 0-based day of the month of ``ts``, in the period's time zone.

    Runs of whole 24-hour days (every day but DST changes) are one arithmetic branch each, so
    a month without a DST change costs one integer division per row. Portable SQL (SQLite and
    PostgreSQL alike) with ``?`` placeholders.
    """
    whens: list[str] = []
    params: list[Any] = []
    i = 0
    days = period.days
    while i < len(days):
        start = days[i][1]
        j = i
        while (
            j < len(days)
            and days[j][2] - days[j][1] == _DAY_US
            and days[j][1] == start + (j - i) * _DAY_US
        ):
            j += 1
        if j == i:  # a 23- or 25-hour day
            whens.append(f"WHEN ts < ? THEN {i}")
            params.append(days[i][2])
            i += 1
        else:
            whens.append(f"WHEN ts < ? THEN {i} + (ts - ?) / {_DAY_US}")
            params.extend([days[j - 1][2], start])
            i = j
    return f"CASE {' '.join(whens)} END", params


def aggregate(
    conn: sqlite3.Connection, keys: Sequence[Filter], where: Filter
) -> dict[tuple[Any, ...], Tally]:
    """Sums of the calls matching ``where``, per combination of the ``keys`` (no latencies)."""
    names = [f"k{i}" for i in range(len(keys))]
    select = "".join(f"{expr} AS {name}, " for (expr, _), name in zip(keys, names, strict=True))
    group = f" GROUP BY {', '.join(names)}" if names else ""
    cond, cond_params = where
    params = [*(p for _, ps in keys for p in ps), *cond_params]
    every_row = False
    try:
        rows = conn.execute(f"SELECT {select}{_SUMS} FROM calls WHERE {cond}{group}", params)
        found = rows.fetchall()
    except sqlite3.OperationalError as exc:
        if "overflow" not in str(exc):
            raise
        every_row = True
        rows = conn.execute(
            f"SELECT {select}{_SUMS_NO_MONEY} FROM calls WHERE {cond}{group}", params
        )
        found = rows.fetchall()
    width = len(keys)
    tallies: dict[tuple[Any, ...], Tally] = {}
    inexact = False
    for row in found:
        n, ok, err, ref, spend, base, loose, hits, fb, rt = row[width:]
        if not n:
            continue  # no GROUP BY and no matching row
        tallies[tuple(row[:width])] = Tally(
            calls=n,
            ok_calls=ok or 0,
            errors=err or 0,
            refusals=ref or 0,
            spend_pusd=spend or 0,
            baseline_pusd=base or 0,
            cache_hits=hits or 0,
            fallbacks=fb or 0,
            retries=rt or 0,
        )
        inexact = inexact or bool(loose)
    if inexact:
        _add_text_sums(conn, tallies, select, width, params, cond, every_row)
    return tallies


def _add_text_sums(
    conn: sqlite3.Connection,
    tallies: dict[tuple[Any, ...], Tally],
    select: str,
    width: int,
    params: Sequence[Any],
    cond: str,
    every_row: bool,
) -> None:
    """Add, from the Decimal text, the amounts the integer sums left out."""
    only = "" if every_row else " AND (cost_pusd IS NULL OR baseline_pusd IS NULL)"
    spend: defaultdict[tuple[Any, ...], list[str]] = defaultdict(list)
    base: defaultdict[tuple[Any, ...], list[str]] = defaultdict(list)
    for row in conn.execute(
        f"SELECT {select}cost_usd, baseline_cost_usd, cost_pusd IS NULL,"
        f" baseline_pusd IS NULL FROM calls WHERE ({cond}){only}",
        params,
    ):
        k = tuple(row[:width])
        cost, baseline, cost_loose, base_loose = row[width:]
        if every_row or cost_loose:
            spend[k].append(cost)
        if every_row or base_loose:
            base[k].append(baseline)
    with exact():
        for k, texts in spend.items():
            tallies[k].spend_extra += sum((from_text(t) for t in texts), start=from_text("0"))
        for k, texts in base.items():
            tallies[k].baseline_extra += sum((from_text(t) for t in texts), start=from_text("0"))
