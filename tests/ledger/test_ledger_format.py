"""Report formats: JSON, CSV, plain text, rich table and the self-contained HTML page."""

from __future__ import annotations

import csv
import io
import json
import sys
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from ledger_data import record

from costroute.ledger import Ledger, SavingsReport, SQLiteLedger


@pytest.fixture
def ledger(sqlite_ledger: SQLiteLedger) -> SQLiteLedger:
    """Formats depend on the report only: SQLite suffices (both backends' reports are equal)."""
    return sqlite_ledger


@pytest.fixture
def report(known: Ledger) -> SavingsReport:
    return known.report(month="2026-11", group_by="provider")


def test_json_keeps_money_exact(report: SavingsReport) -> None:
    data = json.loads(report.to_json())
    assert data["spend_usd"] == "0.0448" and data["baseline_usd"] == "0.089"
    assert data["saved_pct"] == 49.66 and data["calls"] == 8
    assert [row["key"] for row in data["by"]] == ["openai", "deepseek", "anthropic"]
    assert data["by"][0]["spend_usd"] == "0.0305"
    assert len(data["daily"]) == 30
    assert data["daily"][1] == {"day": "2026-11-02", "spend_usd": "0.0052", "baseline_usd": "0.025"}
    assert Decimal(data["saved_usd"]) == report.saved_usd


def test_csv_has_one_line_per_group_and_a_total(report: SavingsReport) -> None:
    rows = list(csv.DictReader(io.StringIO(report.to_csv())))
    assert [(r["group"], r["key"]) for r in rows] == [
        ("provider", "openai"),
        ("provider", "deepseek"),
        ("provider", "anthropic"),
        ("total", ""),
    ]
    assert rows[-1]["spend_usd"] == "0.0448" and rows[-1]["p95_latency_ms"] == "5000.0"
    assert sum(Decimal(r["spend_usd"]) for r in rows[:-1]) == Decimal(rows[-1]["spend_usd"])


def test_plain_text(report: SavingsReport) -> None:
    text = report.to_text()
    assert text.startswith("costroute savings 2026-11 (UTC) by provider\n")
    assert "$0.0448" in text and "49.7%" in text and "5,000 ms" in text
    assert str(report) == text


def test_rich_table(report: SavingsReport) -> None:
    from rich.console import Console
    from rich.table import Table

    table = report.to_table()
    assert isinstance(table, Table)
    console = Console(record=True, width=200)
    console.print(table)
    out = console.export_text()
    assert "openai" in out and "total" in out and "$0.0448" in out


def test_table_falls_back_to_text_without_rich(
    report: SavingsReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "rich.table", None)
    assert report.to_table() == report.to_text()


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_one_self_contained_page(report: SavingsReport) -> None:
    page = report.to_html()
    parser = _Tags()
    parser.feed(page)
    parser.close()
    assert parser.tags.count("svg") == 2
    assert {"html", "style", "table", "rect", "polyline"} <= set(parser.tags)
    assert "script" not in parser.tags and "link" not in parser.tags
    assert "http://" not in page and "https://" not in page
    assert "$0.0448" in "".join(parser.text)


def test_html_escapes_ledger_text(ledger: SQLiteLedger) -> None:
    evil = '<script>alert("x")</script>'
    ledger.append(record(tenant=evil, cost="0.2", baseline="0.1"))  # a negative saving too
    page = ledger.report("2026-11", group_by="tenant").to_html()
    assert evil not in page and "&lt;script&gt;" in page
    parser = _Tags()
    parser.feed(page)
    assert "script" not in parser.tags


def test_html_of_an_empty_month(ledger: SQLiteLedger) -> None:
    page = ledger.report("2026-02").to_html()
    assert page.count("<svg") == 2


def test_every_format_shows_labeling_apart(known: Ledger) -> None:
    known.append(record("claude-sonnet-5-5", cost="0.0070", baseline="0.0070", purpose="labeling"))
    report = known.report(month="2026-11", group_by="provider")
    data = json.loads(report.to_json())
    assert (data["labeling_calls"], data["labeling_usd"], data["net_saved_usd"]) == (
        1,
        "0.007",
        "0.0372",  # saved 0.0442 - labelling 0.0070
    )
    assert data["calls"] == 8 and data["spend_usd"] == "0.0448"
    rows = list(csv.DictReader(io.StringIO(report.to_csv())))
    assert [r["labeling_usd"] for r in rows] == ["", "", "", "0.007"]
    assert (rows[-1]["labeling_calls"], rows[-1]["net_saved_usd"]) == ("1", "0.0372")
    line = "labelling: 1 call, $0.007000; saved net of labelling: $0.0372"
    assert report.to_text().rstrip().endswith(line)
    html = report.to_html()
    assert "saved net of labelling<b>$0.0372</b>" in html and "labelling<b>$0.007000</b>" in html


def test_no_labeling_line_without_labeling(report: SavingsReport) -> None:
    assert "labelling" not in report.to_text() and "labelling" not in report.to_html()
    assert json.loads(report.to_json())["labeling_calls"] == 0
