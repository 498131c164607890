"""What a call cost, what it would have cost on the baseline model, and what was saved.

Every figure is a :class:`~decimal.Decimal` in USD, computed from the provider's usage block:

* plain input tokens at the input price, cache-read tokens at the cache-read price, cache-write
  tokens at the cache-write price;
* every output token, hidden reasoning included, at the output price;
* the rates in force at the time of the call (DeepSeek's off-peak windows).

The baseline is the same request on the reference model: the same input tokens (with the same
prompt-cache hits, so that the savings claimed are a lower bound, unless ``assume_cache=False``)
and the same *visible* output tokens. A cache hit of costroute's response cache saves the whole
baseline.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from costroute.catalog import Prices
from costroute.types import Usage

__all__ = ["baseline_cost", "cost", "worst_case_cost"]


def cost(usage: Usage, prices: Prices, at: dt.datetime | None = None) -> Decimal:
    """Exact cost in USD of one provider response."""
    inp, out, read, write = prices.rates_at(at)
    return (
        usage.uncached_input_tokens * inp
        + usage.cached_input_tokens * read
        + usage.cache_write_tokens * write
        + usage.output_tokens * out
    )


def baseline_cost(
    usage: Usage,
    prices: Prices,
    at: dt.datetime | None = None,
    *,
    assume_cache: bool = True,
) -> Decimal:
    """Cost of the same request on the baseline model: same input, same visible output.

    With ``assume_cache`` (the default) the baseline gets the same prompt-cache reads as the
    actual call, so savings are never flattered by a cache the baseline would also have had.
    """
    inp, out, read, write = prices.rates_at(at)
    cached = usage.cached_input_tokens if assume_cache else 0
    written = usage.cache_write_tokens if assume_cache else 0
    plain = max(0, usage.input_tokens - cached - written)
    return plain * inp + cached * read + written * write + usage.visible_output_tokens * out


def worst_case_cost(input_tokens: int, max_output_tokens: int, prices: Prices) -> Decimal:
    """Upper bound of a call: every input token uncached, every output token used, peak rates."""
    inp, out, _, write = prices.peak
    return input_tokens * max(inp, write) + max_output_tokens * out
