"""Exact money in the ledger: Decimal USD as text, and integer picodollars for fast sums.

Every amount is stored twice, both exactly:

* ``*_usd`` columns hold the :class:`~decimal.Decimal` as plain text (``"0.0000271"``). This is
  the record of truth: any precision, and it maps to PostgreSQL ``NUMERIC`` one to one.
* ``*_pusd`` columns hold the same amount as an integer number of picodollars (1e-12 USD), so
  SQLite can ``SUM()`` a month in C, exactly. A price of $0.006 per 1M tokens is 6,000 pUSD a
  token, so every real price list fits. An amount with more than 12 decimal places gets ``NULL``
  there, and reports add its text value in Python instead: sums stay exact either way.
"""

from __future__ import annotations

import decimal
from contextlib import AbstractContextManager
from decimal import Decimal

__all__ = ["exact", "from_pico", "from_text", "tidy", "to_pico", "to_text"]

_INT64_MAX = 2**63 - 1
_PICO_INT = 10**12


def exact() -> AbstractContextManager[decimal.Context]:
    """A Decimal context wide enough (100 digits) that sums of amounts never round."""
    return decimal.localcontext(prec=100)


def to_text(amount: Decimal) -> str:
    """Plain (never scientific) text of an amount: ``Decimal("2.8E-7")`` -> ``"0.00000028"``."""
    return format(amount, "f") if amount else "0"


def from_text(text: str) -> Decimal:
    """The Decimal a ``*_usd`` column holds."""
    return Decimal(text)


def to_pico(amount: Decimal) -> int | None:
    """Integer picodollars when exact and within int64, else ``None``."""
    if not amount.is_finite():
        return None
    num, den = amount.as_integer_ratio()  # exact, in lowest terms
    value, rest = divmod(num * _PICO_INT, den)
    return value if not rest and -_INT64_MAX <= value <= _INT64_MAX else None


def from_pico(value: int) -> Decimal:
    """The exact Decimal USD of an integer number of picodollars."""
    with exact():
        return tidy(Decimal(value).scaleb(-12))


def tidy(amount: Decimal) -> Decimal:
    """Drop trailing zeros without turning ``100`` into ``1E+2``."""
    if not amount:
        return Decimal(0)
    with exact():
        amount = amount.normalize()
        exponent = amount.as_tuple().exponent
        return amount.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else amount
