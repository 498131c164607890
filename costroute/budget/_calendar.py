"""Calendar windows in the budget's time zone, and money as integer nanodollars.

Every amount a backend sees is an ``int`` of nanodollars (1e-9 USD). Redis adds them as 64-bit
integers (``HINCRBY``); its Lua compares them as doubles, exact below 2^53 n$ (about $9.007
million, far more than a day's or a month's budget), which bounds every limit
(``Limit.MAX_USD``).

Amounts a window counts (reservations, extensions, settles, restored spend) are rounded *up* to
the next nanodollar, so a window never under-counts, by less than 1 n$ per operation; a token
priced $0.0375 per million (37.5 n$) counts 38 n$ alone, and 1,000 such tokens settled at once
count 37,500 n$. Limits are rounded *down* (a window never admits more than its limit). The
ledger keeps the exact Decimal cost.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import NamedTuple
from zoneinfo import ZoneInfo

from costroute.errors import InvalidRequestError

__all__ = ["Calendar", "Period", "from_nano", "limit_nano", "to_nano"]

_ONE = Decimal(1)


_MAX_NANO = 2**63 - 1
"""Redis's integers are 64-bit: no one amount may be more ($9,223,372,036.854775807)."""


def to_nano(amount: Decimal | int | str, field: str = "amount") -> int:
    """``amount`` USD as integer nanodollars, rounded up; rejects negatives, non-numbers and
    amounts past 64-bit nanodollars."""
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
        if value.is_finite() and value >= 0:
            nano = int(value.scaleb(9).to_integral_value(ROUND_CEILING))
            if nano <= _MAX_NANO:
                return nano
    except (InvalidOperation, ValueError, TypeError):
        pass
    raise InvalidRequestError(
        f"{field}={amount!r} is not an amount of US dollars from 0 to {from_nano(_MAX_NANO)}.",
        field=field,
        fix="pass a Decimal >= 0, e.g. pricing.worst_case_cost(...)",
    )


def limit_nano(limit_usd: Decimal) -> int:
    """A validated limit (``Limit.limit_usd``) as integer nanodollars, rounded down."""
    return int(limit_usd.scaleb(9).to_integral_value(ROUND_FLOOR))


def from_nano(nano: int) -> Decimal:
    """Integer nanodollars as USD, without trailing zeros (``Decimal('0.00042')``)."""
    value = Decimal(nano).scaleb(-9)
    if value == value.to_integral_value():
        return value.quantize(_ONE)
    return value.normalize()


class Period(NamedTuple):
    """One calendar window: its label (``"2026-11"``, ``"2026-11-25"``) and its bounds."""

    label: str
    start: float
    end: float
    tz: ZoneInfo

    @property
    def resets_at(self) -> dt.datetime:
        """When the next window starts, in the budget's time zone."""
        return dt.datetime.fromtimestamp(self.end, self.tz)

    @property
    def starts_at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.start, self.tz)


def _period(window: str, now: float, tz: ZoneInfo) -> Period:
    local = dt.datetime.fromtimestamp(now, tz)
    if window == "day":
        start = dt.datetime(local.year, local.month, local.day, tzinfo=tz)
        nxt = start.date() + dt.timedelta(days=1)
        end = dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz)
        label = f"{local.year:04d}-{local.month:02d}-{local.day:02d}"
    else:
        start = dt.datetime(local.year, local.month, 1, tzinfo=tz)
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        end = dt.datetime(year, month, 1, tzinfo=tz)
        label = f"{local.year:04d}-{local.month:02d}"
    return Period(label, start.timestamp(), end.timestamp(), tz)


class Calendar:
    """The current day and month windows in ``tz``, recomputed only when the clock leaves them.

    Shared by threads without a lock: each thread checks the window it read against its own
    ``now``, so a window another thread just replaced is recomputed, never misused; a race
    only computes the same window twice, and one dict item assignment is atomic.
    """

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self._cached: dict[str, Period] = {}

    def period(self, window: str, now: float) -> Period:
        """The ``"day"`` or ``"month"`` window that holds ``now`` (epoch seconds)."""
        found = self._cached.get(window)
        if found is not None and found.start <= now < found.end:
            return found
        found = _period(window, now, self.tz)
        self._cached[window] = found
        return found
