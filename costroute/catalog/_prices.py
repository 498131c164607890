"""Prices of one deployment, including the provider's off-peak windows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["OffPeak", "OffPeakWindow", "Prices", "Rates"]

MILLION = Decimal(1_000_000)

Rates = tuple[Decimal, Decimal, Decimal, Decimal]
"""(input, output, cache read, cache write) in USD per token."""


def _minutes(hhmm: str) -> int:
    hours, _, minutes = hhmm.strip().partition(":")
    value = int(hours) * 60 + int(minutes or 0)
    if not 0 <= value < 24 * 60:
        raise ValueError(f"{hhmm!r} is not a time of day HH:MM")
    return value


class OffPeakWindow(BaseModel):
    """Hours (UTC, "HH:MM-HH:MM", start inclusive, end exclusive, may wrap past midnight;
    equal start and end mean the whole day) on ISO weekdays (1 = Monday)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    weekdays: frozenset[int] = frozenset(range(1, 8))
    hours_utc: tuple[str, ...]

    @field_validator("hours_utc")
    @classmethod
    def _check_hours(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for window in value:
            start, sep, end = window.partition("-")
            if not sep:
                raise ValueError(f"{window!r} is not a window HH:MM-HH:MM")
            _minutes(start)
            _minutes(end)
        return value

    def contains(self, at: dt.datetime) -> bool:
        utc = at.astimezone(dt.UTC) if at.tzinfo else at.replace(tzinfo=dt.UTC)
        if utc.isoweekday() not in self.weekdays:
            return False
        now = utc.hour * 60 + utc.minute
        for window in self.hours_utc:
            start_s, _, end_s = window.partition("-")
            start, end = _minutes(start_s), _minutes(end_s)
            if start == end:
                return True
            if start < end and start <= now < end:
                return True
            if start > end and (now >= start or now < end):
                return True
        return False


class OffPeak(BaseModel):
    """Discounted prices (USD per 1M tokens) that apply inside any of ``windows``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input: Decimal = Field(ge=0)
    output: Decimal = Field(ge=0)
    cache_read: Decimal | None = Field(default=None, ge=0)
    windows: tuple[OffPeakWindow, ...]

    def applies(self, at: dt.datetime) -> bool:
        return any(w.contains(at) for w in self.windows)


class Prices(BaseModel):
    """USD per 1M tokens: input, output, cache read (hit) and cache write (creation).

    Reasoning tokens are billed as output. A cache price left out costs like plain input.
    ``off_peak`` holds the provider's discounted rates and their windows (DeepSeek V4).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    input: Decimal = Field(ge=0)
    output: Decimal = Field(ge=0)
    cache_read: Decimal | None = Field(default=None, ge=0)
    cache_write: Decimal | None = Field(default=None, ge=0)
    off_peak: OffPeak | None = None

    @cached_property
    def peak(self) -> Rates:
        """Standard rates in USD per token."""
        return (
            self.input / MILLION,
            self.output / MILLION,
            (self.input if self.cache_read is None else self.cache_read) / MILLION,
            (self.input if self.cache_write is None else self.cache_write) / MILLION,
        )

    @cached_property
    def _off_peak_rates(self) -> Rates | None:
        op = self.off_peak
        if op is None:
            return None
        cache_read = op.input if op.cache_read is None else op.cache_read
        return (op.input / MILLION, op.output / MILLION, cache_read / MILLION, self.peak[3])

    def rates_at(self, at: dt.datetime | None) -> Rates:
        """The per-token rates in force at ``at`` (standard rates when ``at`` is None)."""
        off = self._off_peak_rates
        if (
            off is not None
            and at is not None
            and self.off_peak is not None
            and self.off_peak.applies(at)
        ):
            return off
        return self.peak
