"""Costs against hand-computed figures, for each provider's usage block."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from costroute import pricing
from costroute.catalog import Prices, known
from costroute.types import Usage

PEAK = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)  # Wednesday 08:00 UTC
WEEKDAY_OFF_PEAK = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)  # window 10:00-00:00
SATURDAY = dt.datetime(2026, 11, 28, 3, 0, tzinfo=dt.UTC)


def test_deepseek_cache_hits_and_reasoning_tokens() -> None:
    usage = Usage(
        input_tokens=1000, output_tokens=500, cached_input_tokens=600, reasoning_tokens=300
    )
    prices = known("deepseek-v4-pro").prices  # 1.32 / 3.96 / cache 0.044 per 1M
    # 400 x 1.32 + 600 x 0.044 + 500 x 3.96 (reasoning billed as output), per 1M
    assert pricing.cost(usage, prices, PEAK) == D("0.000528") + D("0.0000264") + D("0.00198")


def test_deepseek_off_peak_windows() -> None:
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000)
    prices = known("deepseek-v4-flash").prices
    assert pricing.cost(usage, prices, PEAK) == D("1.5")  # 0.30 + 1.20
    assert pricing.cost(usage, prices, WEEKDAY_OFF_PEAK) == D("0.75")  # 0.15 + 0.60
    assert pricing.cost(usage, prices, SATURDAY) == D("0.75")
    assert pricing.cost(usage, prices, None) == D("1.5")  # no time: standard rates


def test_anthropic_cache_read_and_write() -> None:
    usage = Usage(
        input_tokens=10_000,
        output_tokens=1_000,
        cached_input_tokens=6_000,
        cache_write_tokens=2_000,
    )
    prices = known("claude-sonnet-5-5").prices  # 2 / 10 / read 0.10 / write 2.50
    expected = 2_000 * D("2") + 6_000 * D("0.10") + 2_000 * D("2.50") + 1_000 * D("10")
    assert pricing.cost(usage, prices) == expected / 1_000_000


def test_openai_cached_tokens() -> None:
    usage = Usage(
        input_tokens=3_000, output_tokens=200, cached_input_tokens=2_048, reasoning_tokens=50
    )
    prices = known("gpt-5.4").prices  # 2.50 / 15 / cached 0.25
    expected = 952 * D("2.50") + 2_048 * D("0.25") + 200 * D("15")
    assert pricing.cost(usage, prices) == expected / 1_000_000


def test_r1_is_95_3_percent_cheaper_than_claude_3_5_sonnet_on_cache_hits() -> None:
    """R1's launch cache-hit input price against Claude 3.5 Sonnet's input price (retired)."""
    r1 = known("deepseek-r1").prices
    sonnet_3_5 = Prices(input=D("3.00"), output=D("15.00"), cache_read=D("0.30"))
    million_hits = Usage(input_tokens=1_000_000, cached_input_tokens=1_000_000)
    r1_cost = pricing.cost(million_hits, r1)
    sonnet_cost = pricing.baseline_cost(million_hits, sonnet_3_5, assume_cache=False)
    assert (r1_cost, sonnet_cost) == (D("0.14"), D("3.00"))
    saving = 1 - r1_cost / sonnet_cost
    assert round(saving * 100, 2) == D("95.33")
    # A tracker that ignores cache hits bills R1's plain input price and cannot reproduce it.
    assert round((1 - r1.input / sonnet_3_5.input) * 100, 2) == D("81.67")


def test_baseline_uses_visible_output_and_savings_can_be_negative() -> None:
    # A reasoning model that thinks a lot: 4,000 hidden tokens for a 100-token answer.
    usage = Usage(input_tokens=200, output_tokens=4_100, reasoning_tokens=4_000)
    actual = pricing.cost(usage, known("deepseek-v4-pro").prices, PEAK)
    baseline = pricing.baseline_cost(usage, known("claude-haiku-4-5").prices, PEAK)
    assert actual == 200 * D("0.00000132") + 4_100 * D("0.00000396")
    assert baseline == 200 * D("0.000001") + 100 * D("0.000005")
    assert baseline - actual < 0


def test_baseline_assumes_the_same_cache_hits_by_default() -> None:
    usage = Usage(input_tokens=1_000, output_tokens=10, cached_input_tokens=800)
    prices = known("claude-sonnet-5-5").prices
    assert (
        pricing.baseline_cost(usage, prices)
        == (200 * D("2") + 800 * D("0.10") + 10 * D("10")) / 1_000_000
    )
    assert (
        pricing.baseline_cost(usage, prices, assume_cache=False)
        == (1_000 * D("2") + 10 * D("10")) / 1_000_000
    )


def test_worst_case_is_an_upper_bound() -> None:
    prices = known("claude-sonnet-5-5").prices
    worst = pricing.worst_case_cost(1_000, 500, prices)
    for usage in (
        Usage(1_000, 500),
        Usage(1_000, 500, cache_write_tokens=1_000),
        Usage(1_000, 500, 1_000),
    ):
        assert pricing.cost(usage, prices) <= worst


def test_cost_of_many_calls_sums_exactly() -> None:
    prices = known("deepseek-v4-flash").prices
    one = pricing.cost(Usage(input_tokens=7, output_tokens=3), prices, PEAK)
    assert sum([one] * 1000, D(0)) == one * 1000 == D("0.0057")


@pytest.mark.parametrize(
    "bad", [{"input": -1, "output": 1}, {"input": 1, "output": 1, "cache_read": -0.1}]
)
def test_negative_prices_are_rejected(bad: dict[str, float]) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Prices(**bad)  # type: ignore[arg-type]
