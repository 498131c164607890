"""Report figures against hand sums over the known month (see ledger_data.py).

Contract tests: every test taking ``ledger``, ``known`` or ``store`` runs on both backends.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from ledger_backends import Store
from ledger_data import at, record

from costroute.errors import InvalidRequestError
from costroute.ledger import Ledger, SavingsReport, nearest_rank

D = Decimal


def test_totals_match_hand_sums(known: Ledger) -> None:
    r = known.report(month="2026-11")
    assert (r.month, r.tz, r.group_by, r.by) == ("2026-11", "UTC", None, ())
    assert (r.calls, r.ok_calls, r.errors, r.refusals) == (8, 6, 1, 1)
    # 0.0012 + 0.0040 + 0 + 0.0090 + 0.0005 + 0.0001 + 0 + 0.0300
    assert r.spend_usd == D("0.0448")
    # 0.0150 + 0.0100 + 0.0200 + 0.0060 + 0.0080 + 0 + 0 + 0.0300
    assert r.baseline_usd == D("0.0890")
    assert r.saved_usd == D("0.0442")
    assert r.saved_pct == 49.66  # 0.0442 / 0.0890 = 49.662...%
    assert (r.cache_hits, r.fallbacks, r.retries) == (1, 1, 1)
    # answered latencies sorted: 3, 800, 900, 1200, 2000, 5000 -> ranks ceil(3)=3, ceil(5.7)=6
    assert (r.p50_latency_ms, r.p95_latency_ms) == (900.0, 5000.0)


def test_money_is_exact_decimal(known: Ledger) -> None:
    r = known.report(month="2026-11")
    assert isinstance(r.spend_usd, Decimal)
    assert str(r.spend_usd) == "0.0448"


def test_daily_series_covers_every_day(known: Ledger) -> None:
    r = known.report(month="2026-11")
    assert [d.day for d in r.daily] == [f"2026-11-{i:02d}" for i in range(1, 31)]
    by_day = {d.day: (d.spend_usd, d.baseline_usd) for d in r.daily}
    assert by_day["2026-11-02"] == (D("0.0052"), D("0.0250"))
    assert by_day["2026-11-05"] == (D("0"), D("0.0200"))
    assert by_day["2026-11-10"] == (D("0.0095"), D("0.0140"))
    assert by_day["2026-11-30"] == (D("0.0300"), D("0.0300"))
    assert by_day["2026-11-01"] == (D("0"), D("0"))
    assert sum(d.spend_usd for d in r.daily) == r.spend_usd


# key -> (calls, spend, baseline), summed by hand from the table in ledger_data.py
EXPECTED: dict[str, dict[str | None, tuple[int, str, str]]] = {
    "provider": {
        "openai": (2, "0.0305", "0.0380"),
        "deepseek": (3, "0.0102", "0.0410"),
        "anthropic": (3, "0.0041", "0.0100"),
    },
    "deployment": {
        "gpt-5.4": (1, "0.0300", "0.0300"),
        "deepseek-v4-pro": (1, "0.0090", "0.0060"),
        "claude-haiku-4-5": (2, "0.0041", "0.0100"),
        "deepseek-v4-flash": (2, "0.0012", "0.0350"),
        "gpt-5.4-mini": (1, "0.0005", "0.0080"),
        "claude-sonnet-5-5": (1, "0", "0"),
    },
    "model": {
        "openai/gpt-5.4": (1, "0.0300", "0.0300"),
        "deepseek/deepseek-v4-pro": (1, "0.0090", "0.0060"),
        "anthropic/claude-haiku-4-5": (2, "0.0041", "0.0100"),
        "deepseek/deepseek-v4-flash": (2, "0.0012", "0.0350"),
        "openai/gpt-5.4-mini": (1, "0.0005", "0.0080"),
        "anthropic/claude-sonnet-5-5": (1, "0", "0"),
    },
    "policy": {"balanced": (7, "0.0358", "0.0830"), "quality": (1, "0.0090", "0.0060")},
    "user": {
        "dave": (1, "0.0300", "0.0300"),
        "carol": (2, "0.0090", "0.0060"),
        "bob": (2, "0.0045", "0.0180"),
        "alice": (3, "0.0013", "0.0350"),
    },
    "tenant": {
        "initech": (1, "0.0300", "0.0300"),
        "globex": (2, "0.0090", "0.0260"),
        "acme": (3, "0.0057", "0.0330"),
        None: (2, "0.0001", "0"),
    },
    "tag:feature": {
        "summary": (1, "0.0300", "0.0300"),
        None: (3, "0.0091", "0.0060"),
        "chat": (2, "0.0045", "0.0180"),
        "search": (2, "0.0012", "0.0350"),
    },
    "day": {
        "2026-11-02": (2, "0.0052", "0.0250"),
        "2026-11-05": (1, "0", "0.0200"),
        "2026-11-10": (2, "0.0095", "0.0140"),
        "2026-11-15": (1, "0.0001", "0"),
        "2026-11-20": (1, "0", "0"),
        "2026-11-30": (1, "0.0300", "0.0300"),
    },
}


@pytest.mark.parametrize("group_by", list(EXPECTED))
def test_group_by_each_key(known: Ledger, group_by: str) -> None:
    r = known.report(month="2026-11", group_by=group_by)
    got = {row.key: (row.calls, row.spend_usd, row.baseline_usd) for row in r.by}
    want = {k: (n, D(s), D(b)) for k, (n, s, b) in EXPECTED[group_by].items()}
    assert got == want
    assert [row.key for row in r.by] == list(EXPECTED[group_by])  # order: spend, or date
    assert sum(row.calls for row in r.by) == r.calls == 8
    assert sum(row.spend_usd for row in r.by) == r.spend_usd
    assert r.group_by == group_by


def test_group_rows_carry_every_figure(known: Ledger) -> None:
    rows = {row.key: row for row in known.report("2026-11", group_by="user").by}
    carol = rows["carol"]  # r4 (reasoning, costs more than the baseline) and r7 (refused)
    assert carol.saved_usd == D("-0.0030")
    assert carol.saved_pct == -50.0
    assert (carol.ok_calls, carol.errors, carol.refusals) == (1, 0, 1)
    assert (carol.p50_latency_ms, carol.p95_latency_ms) == (5000.0, 5000.0)
    alice = rows["alice"]  # r1, r3 (cache hit saves its whole baseline), r6 (error)
    assert (alice.cache_hits, alice.errors, alice.ok_calls) == (1, 1, 2)
    assert alice.saved_usd == D("0.0337")
    assert (alice.p50_latency_ms, alice.p95_latency_ms) == (3.0, 800.0)
    bob = rows["bob"]  # r2 (one retry) and r5 (one fallback)
    assert (bob.retries, bob.fallbacks) == (1, 1)


def test_month_boundaries_follow_the_time_zone(known: Ledger) -> None:
    paris = known.report(month="2026-11", tz="Europe/Paris")
    # r8 (Oct 31 23:30 UTC) is Nov 1 00:30 in Paris; r9 (Nov 30 23:30 UTC) is Dec 1 there.
    assert paris.calls == 8
    assert paris.spend_usd == D("0.0448") - D("0.0300") + D("1")
    assert paris.baseline_usd == D("0.0890") - D("0.0300") + D("2")
    assert paris.daily[0] == ("2026-11-01", D("1"), D("2"))
    october = known.report(month="2026-10")
    assert (october.calls, october.spend_usd) == (1, D("1"))
    assert known.report(month="2026-12", tz="Europe/Paris").calls == 1


def test_daily_days_follow_dst(ledger: Ledger) -> None:
    # New York leaves DST on 2026-11-01: that day lasts 25 hours.
    ledger.append_many(
        [
            record(when=dt.datetime(2026, 11, 2, 4, 59, tzinfo=dt.UTC), cost="1"),  # Nov 1 23:59
            record(when=dt.datetime(2026, 11, 2, 5, 0, tzinfo=dt.UTC), cost="2"),  # Nov 2 00:00
            record(when=dt.datetime(2026, 11, 1, 4, 0, tzinfo=dt.UTC), cost="4"),  # Nov 1 00:00
            record(when=dt.datetime(2026, 11, 1, 3, 59, tzinfo=dt.UTC), cost="8"),  # Oct 31
        ]
    )
    r = ledger.report(month="2026-11", tz="America/New_York", group_by="day")
    assert [(row.key, row.spend_usd) for row in r.by] == [
        ("2026-11-01", D("5")),
        ("2026-11-02", D("2")),
    ]
    assert r.daily[0].spend_usd == D("5") and r.daily[1].spend_usd == D("2")


def test_empty_month(ledger: Ledger) -> None:
    r = ledger.report(month="2026-02", group_by="model")
    assert (r.calls, r.spend_usd, r.saved_pct, r.p50_latency_ms, r.by) == (0, D(0), None, None, ())
    assert len(r.daily) == 28


def test_month_none_is_the_clocks_month(store: Store) -> None:
    with store.open(clock=lambda: at(11, 17)) as ledger:
        ledger.append(record(when=at(11, 3), cost="0.5"))
        assert ledger.report().month == "2026-11"
        assert ledger.report().spend_usd == D("0.5")


@pytest.mark.parametrize("month", ["2026-13", "nov", "2026-1", "2026-00", "", "26-11", "2026/11"])
def test_bad_month(ledger: Ledger, month: str) -> None:
    with pytest.raises(InvalidRequestError) as info:
        ledger.report(month=month)
    assert info.value.field == "month"
    assert "YYYY-MM" in str(info.value)


@pytest.mark.parametrize("group_by", ["color", "tag:", "Model", 'tag:a"b', "days"])
def test_bad_group_key_lists_the_valid_ones(ledger: Ledger, group_by: str) -> None:
    with pytest.raises(InvalidRequestError) as info:
        ledger.report(month="2026-11", group_by=group_by)
    assert info.value.field == "group_by"
    for key in ("deployment", "model", "provider", "policy", "user", "tenant", "tag:<key>", "day"):
        assert key in str(info.value)


def test_bad_time_zone(ledger: Ledger) -> None:
    with pytest.raises(InvalidRequestError) as info:
        ledger.report(month="2026-11", tz="Mars/Olympus")
    assert info.value.field == "tz"


def test_amounts_beyond_picodollars_stay_exact(ledger: Ledger) -> None:
    tiny = "0.0000000000001"  # 1e-13 USD: no exact integer picodollar value
    ledger.append_many([record(cost=tiny, baseline="0.1"), record(cost="0.2", baseline=tiny)])
    r = ledger.report(month="2026-11")
    assert r.spend_usd == D("0.2000000000001")
    assert r.baseline_usd == D("0.1000000000001")


def test_sums_beyond_int64_picodollars_stay_exact(ledger: Ledger) -> None:
    # 6M USD = 6e18 pUSD each: their SQL integer sum would overflow int64.
    ledger.append_many([record(cost="6000000.000000000001", baseline="7000000") for _ in "ab"])
    r = ledger.report(month="2026-11", group_by="model")
    assert r.spend_usd == D("12000000.000000000002")
    assert r.baseline_usd == D("14000000")
    assert r.by[0].spend_usd == r.spend_usd


@pytest.mark.parametrize(
    ("values", "p", "want"),
    [
        ([], 50, None),
        ([7.0], 95, 7.0),
        ([float(i) for i in range(1, 11)], 50, 5.0),
        ([float(i) for i in range(1, 11)], 95, 10.0),
        ([float(i) for i in range(1, 21)], 95, 19.0),
        ([float(i) for i in range(1, 21)], 100, 20.0),
        ([1.0, 2.0, 3.0, 4.0], 50, 2.0),
    ],
)
def test_nearest_rank(values: list[float], p: float, want: float | None) -> None:
    assert nearest_rank(values, p) == want


def test_report_is_frozen(known: Ledger) -> None:
    r = known.report("2026-11")
    assert isinstance(r, SavingsReport)
    with pytest.raises(AttributeError):
        r.calls = 3  # type: ignore[misc]


def test_labeling_calls_are_reported_apart(known: Ledger) -> None:
    """Sampled labelling calls (purpose "labeling") are not routed traffic: the totals, groups,
    days, latencies and budget spend stay those of the known month; the labelling spend is its
    own figure and the savings are given net of it."""
    known.append(record("claude-sonnet-5-5", cost="0.0070", baseline="0.0070", when=at(11, 2, 11),
                        latency_ms=9000.0, purpose="labeling"))  # fmt: skip
    known.append(record("claude-sonnet-5-5", cost="0.0013", baseline="0.0013", when=at(11, 30, 9),
                        status="error", latency_ms=1.0, purpose="labeling"))  # fmt: skip
    known.append(record(cost="5", baseline="5", when=at(10, 3), purpose="labeling"))  # October
    r = known.report(month="2026-11", group_by="provider")
    assert (r.calls, r.spend_usd, r.baseline_usd, r.saved_usd) == (
        8,
        D("0.0448"),
        D("0.0890"),
        D("0.0442"),
    )
    assert (r.p50_latency_ms, r.p95_latency_ms) == (900.0, 5000.0)
    assert {row.key: row.calls for row in r.by} == {"openai": 2, "deepseek": 3, "anthropic": 3}
    assert sum(d.spend_usd for d in r.daily) == D("0.0448")
    # 0.0070 + 0.0013 (the error's billed spend counts), October's left out
    assert (r.labeling_calls, r.labeling_usd) == (2, D("0.0083"))
    assert r.net_saved_usd == D("0.0359")  # 0.0442 - 0.0083
    nov = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    dec = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    assert known.spent(nov, dec) == D("0.0448")  # routed only: the month's total above
    assert known.spent(nov, dec, purpose="labeling") == D("0.0083")
    assert known.spent(nov, dec, purpose=None) == D("0.0531")  # 0.0448 + 0.0083
    with pytest.raises(InvalidRequestError) as bad:
        known.spent(nov, purpose="training")
    assert bad.value.field == "purpose"
    labels = [x for x in known.records("2026-11") if x.purpose == "labeling"]
    assert [x.cost_usd for x in labels] == [D("0.0070"), D("0.0013")]


def test_a_month_without_labeling(known: Ledger) -> None:
    r = known.report(month="2026-11")
    assert (r.labeling_calls, r.labeling_usd, r.net_saved_usd) == (0, D(0), r.saved_usd)
