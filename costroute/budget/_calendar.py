"""Calendar windows in the budget's time zone, and money as exact integer picodollars.

Every amount a backend sees is an ``int`` of picodollars (1e-12 USD): token prices quoted per
million tokens with up to six decimals are exact in it, sums are exact, and Redis receives them
as decimal strings. Amounts are rounded up (a reservation or a spend is never understated).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import NamedTuple
from zoneinfo import ZoneInfo

from costroute.errors import InvalidRequestError

__all__ = ["Calendar", "Period", "from_pico", "to_pico"]

_ONE = Decimal(1)


def to_pico(amount: Decimal | int | str, field: str = "amount") -> int:
    """``amount`` USD as integer picodollars, rounded up; rejects negatives and non-numbers."""
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
        if value.is_finite() and value >= 0:
            return int(value.scaleb(12).to_integral_value(ROUND_CEILING))
    except (InvalidOperation, ValueError, TypeError):
        pass
    raise InvalidRequestError(
        f"{field}={amount!r} is not an amount of US dollars >= 0.",
        field=field,
        fix="pass a Decimal >= 0, e.g. pricing.worst_case_cost(...)",
    )


def from_pico(pico: int) -> Decimal:
    """Integer picodollars as USD, without trailing zeros (``Decimal('0.00042')``)."""
    value = Decimal(pico).scaleb(-12)
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
