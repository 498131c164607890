"""``costroute report``: every format, every group key, the output file and the exit-2 errors."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pytest

import costroute.cli
from costroute.cli._commands import add_commands
from costroute.cli._report import add_report_command
from costroute.ledger import CallRecord, SQLiteLedger
from costroute.types import Usage

NOV = dt.datetime(2026, 11, 3, 12, tzinfo=dt.UTC)


def _parser() -> argparse.ArgumentParser:
    """costroute's parser, with ``report`` added until _commands.py wires it itself."""
    parser = argparse.ArgumentParser(prog="costroute")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_commands(sub)
    if "report" not in sub.choices:
        add_report_command(sub)
    return parser


def run(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(costroute.cli, "build_parser", _parser)
        code = costroute.cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _rec(i: int, deployment: str, provider: str, cost: str, base: str, **kw: object) -> CallRecord:
    return CallRecord(
        request_id=f"cli-{i}",
        at=NOV + dt.timedelta(days=i),
        deployment=deployment,
        model=f"{provider}/{deployment}",
        provider=provider,
        policy="balanced",
        difficulty=0.4,
        usage=Usage(1000, 200),
        cost_usd=Decimal(cost),
        baseline_model="anthropic/claude-sonnet-5-5",
        baseline_cost_usd=Decimal(base),
        latency_ms=400.0 + i,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def ledger_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("COSTROUTE_LEDGER_URL", raising=False)
    path = tmp_path / "ledger.sqlite"
    with SQLiteLedger(path) as ledger:
        ledger.append_many(
            [
                _rec(0, "deepseek-v4-flash", "deepseek", "0.0012", "0.0150", tags={"f": "a"}),
                _rec(1, "gpt-5.4-mini", "openai", "0.0005", "0.0080", user="bob"),
                _rec(2, "deepseek-v4-flash", "deepseek", "0.0030", "0.0100", tenant="acme"),
            ]
        )
    return f"sqlite://{path}"


def test_json_by_model(ledger_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        [
            "report",
            "--month",
            "2026-11",
            "--by",
            "model",
            "--format",
            "json",
            "--ledger",
            ledger_url,
        ],
        capsys,
    )
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["spend_usd"] == "0.0047" and data["baseline_usd"] == "0.033"
    assert [(r["key"], r["calls"]) for r in data["by"]] == [
        ("deepseek/deepseek-v4-flash", 2),
        ("openai/gpt-5.4-mini", 1),
    ]


@pytest.mark.parametrize(
    "by", ["model", "deployment", "provider", "policy", "user", "tenant", "tag:f", "day"]
)
def test_every_group_key(by: str, ledger_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["report", "--month", "2026-11", "--by", by, "--format", "csv", "--ledger", ledger_url],
        capsys,
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows[-1]["group"] == "total" and rows[-1]["calls"] == "3"
    assert {r["group"] for r in rows[:-1]} == {by}


def test_table_is_rich_or_plain(
    ledger_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(["report", "--month", "2026-11", "--ledger", ledger_url], capsys)
    assert code == 0 and "costroute savings 2026-11 (UTC)" in out and "$0.0047" in out
    assert "\x1b[" not in out  # no escape codes when stdout is not a terminal
    monkeypatch.setitem(sys.modules, "rich.table", None)
    code, plain, _ = run(["report", "--month", "2026-11", "--ledger", ledger_url], capsys)
    assert code == 0 and plain.startswith("costroute savings 2026-11 (UTC)\n")


def test_html_to_a_file(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "nov.html"
    code, out, err = run(
        ["report", "--month", "2026-11", "--format", "html", "--ledger", ledger_url,
         "--out", str(target), "--tz", "Europe/Paris"],
        capsys,
    )  # fmt: skip
    assert (code, out) == (0, "")
    assert str(target) in err
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 2
    assert "(Europe/Paris)" in page


def test_environment_url_is_used(
    ledger_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COSTROUTE_LEDGER_URL", ledger_url)
    code, out, _ = run(["report", "--month", "2026-11", "--format", "json"], capsys)
    assert code == 0 and json.loads(out)["calls"] == 3


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--month", "2026-13"], "YYYY-MM"),
        (["--month", "nov"], "YYYY-MM"),
        (["--by", "colour"], "tag:<key>"),
        (["--by", "tag:"], "tag:<key>"),
        (["--tz", "Mars/Olympus"], "time zone"),
        (["--ledger", "mysql://db/x"], "Unknown ledger URL scheme"),
        (["--ledger", "postgresql://u:pw-secret@127.0.0.1:1/x"], "Cannot connect"),
    ],
)
def test_errors_exit_2_on_stderr(
    args: list[str], needle: str, ledger_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    full = ["report", "--month", "2026-11", "--ledger", ledger_url, *args]
    code, out, err = run(full, capsys)
    assert (code, out) == (2, "")
    assert err.startswith("costroute: ") and needle in err
    assert "pw-secret" not in err


def test_missing_ledger_is_an_error_not_a_new_file(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["report", "--month", "2026-11"], capsys)  # default path: none yet
    assert code == 2 and "There is no ledger at" in err
    assert not (tmp_path / "home" / ".costroute").exists()
    missing = tmp_path / "nope.sqlite"
    code, _, err = run(["report", "--ledger", str(missing)], capsys)
    assert code == 2 and str(missing) in err and not missing.exists()


def test_unwritable_out_exits_2(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "no" / "such" / "dir" / "r.csv"
    code, _, err = run(
        [
            "report",
            "--month",
            "2026-11",
            "--ledger",
            ledger_url,
            "--format",
            "csv",
            "--out",
            str(bad),
        ],
        capsys,
    )
    assert code == 2 and "cannot write the report" in err


def test_bad_format_is_rejected_by_argparse(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        run(["report", "--format", "pdf"], capsys)
    assert info.value.code == 2
    assert "invalid choice: 'pdf'" in capsys.readouterr().err
