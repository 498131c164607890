"""Report arguments, checked: months in a time zone, their days, and group keys."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from costroute.errors import InvalidRequestError
from costroute.ledger._codec import to_us
from costroute.ledger._outcomes import aware_us
from costroute.ledger._record import PURPOSES

__all__ = [
    "COLUMN_KEYS",
    "GROUP_KEYS",
    "Period",
    "check_purpose",
    "month_period",
    "parse_group",
    "zone",
]

_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
COLUMN_KEYS = ("deployment", "model", "provider", "policy", "user", "tenant")
GROUP_KEYS = (*COLUMN_KEYS, "tag:<key>", "day")


@dataclass(frozen=True, slots=True)
class Period:
    """A calendar month in a time zone, as half-open ranges of UTC microseconds."""

    month: str
    tz: str
    start_us: int
    end_us: int
    days: tuple[tuple[str, int, int], ...]  # (ISO date, start_us, end_us), in order


def zone(tz: str) -> dt.tzinfo:
    """The tzinfo of an IANA zone name (``"UTC"``, ``"Europe/Paris"``)."""
    if tz.upper() == "UTC":
        return dt.UTC
    try:
        return zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidRequestError(
            f"Unknown time zone {tz!r}.",
            field="tz",
            fix="use an IANA zone name such as 'UTC', 'Europe/Paris' or 'America/New_York'",
        ) from exc


def month_period(month: str | None, tz: str, now: dt.datetime) -> Period:
    """The period of ``month`` (``"YYYY-MM"``; ``None`` = the month of ``now``) in ``tz``."""
    tzinfo = zone(tz)
    if month is None:
        local = now.astimezone(tzinfo)
        year, mon = local.year, local.month
    else:
        match = _MONTH.fullmatch(month) if isinstance(month, str) else None
        if match is None:
            raise InvalidRequestError(
                f"Month {month!r} is not a calendar month in the form YYYY-MM.",
                field="month",
                fix="pass e.g. month='2026-11' (months 01 to 12)",
            )
        year, mon = int(match.group(1)), int(match.group(2))
    first = dt.date(year, mon, 1)
    after = dt.date(year + (mon == 12), mon % 12 + 1, 1)
    bounds: list[tuple[str, int]] = []
    day = first
    while day <= after:
        midnight = dt.datetime(day.year, day.month, day.day, tzinfo=tzinfo)
        bounds.append((day.isoformat(), to_us(midnight)))
        day += dt.timedelta(days=1)
    days = tuple((iso, start, end) for (iso, start), (_, end) in itertools.pairwise(bounds))
    return Period(f"{year:04d}-{mon:02d}", tz, bounds[0][1], bounds[-1][1], days)


def parse_group(group_by: str | None) -> tuple[str | None, str | None]:
    """``(kind, tag_key)`` of a group key; raises for an unknown one."""
    if group_by is None:
        return None, None
    if group_by in COLUMN_KEYS or group_by == "day":
        return group_by, None
    if isinstance(group_by, str) and group_by.startswith("tag:") and len(group_by) > 4:
        key = group_by[4:]
        if '"' not in key:
            return "tag", key
    raise InvalidRequestError(
        f"Cannot group a report by {group_by!r}.",
        field="group_by",
        fix=f"use one of: {', '.join(GROUP_KEYS)} (a tag key without double quotes)",
    )


def check_purpose(purpose: object) -> str:
    """A known call purpose (``"route"``, ``"labeling"``); an InvalidRequestError otherwise."""
    if purpose not in PURPOSES:
        raise InvalidRequestError(
            f"Unknown call purpose {purpose!r}.",
            field="purpose",
            fix=f"use one of: {', '.join(PURPOSES)}, or None for every call",
        )
    return str(purpose)


def spent_filter(
    since: dt.datetime,
    until: dt.datetime | None,
    user: str | None,
    tenant: str | None,
    tag: tuple[str, str] | None,
    *,
    mark: str,
    tag_condition: Callable[[str, str], tuple[str, list[Any]]],
    purpose: str | None = "route",
) -> tuple[str, list[Any]]:
    """The WHERE clause and parameters of ``Ledger.spent`` for one SQL dialect.

    ``mark`` is the dialect's placeholder (``?`` or ``%s``); ``tag_condition(key, value)`` gives
    its condition on the JSON tags column; ``purpose`` keeps the calls of one purpose (None:
    every call).
    """
    conds = [f"ts >= {mark}"]
    params: list[Any] = [aware_us(since, "since")]
    if purpose is not None:
        conds.append(f"purpose = {mark}")
        params.append(check_purpose(purpose))
    if until is not None:
        conds.append(f"ts < {mark}")
        params.append(aware_us(until, "until"))
    for column, value in (('"user"', user), ("tenant", tenant)):
        if value is not None:
            conds.append(f"{column} = {mark}")
            params.append(value)
    if tag is not None:
        _, key = parse_group(f"tag:{tag[0]}")
        cond, extra = tag_condition(key or "", tag[1])
        conds.append(cond)
        params.extend(extra)
    return " AND ".join(conds), params
