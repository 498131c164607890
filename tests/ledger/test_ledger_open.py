"""open_ledger(): URLs, the environment variable and the default path."""

from __future__ import annotations

from pathlib import Path

import pytest
from ledger_data import record

from costroute.errors import ConfigError
from costroute.ledger import SQLiteLedger, default_ledger_path, open_ledger


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("COSTROUTE_LEDGER_URL", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def test_default_path_under_home(tmp_path: Path) -> None:
    assert default_ledger_path() == tmp_path / "home" / ".costroute" / "ledger.sqlite"


def test_default_path_under_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_ledger_path() == tmp_path / "data" / "costroute" / "ledger.sqlite"


def test_none_opens_the_default_file_and_creates_its_folder(tmp_path: Path) -> None:
    with open_ledger() as ledger:
        assert isinstance(ledger, SQLiteLedger)
        ledger.append(record())
    assert (tmp_path / "home" / ".costroute" / "ledger.sqlite").is_file()


def test_none_reads_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "env.sqlite"
    monkeypatch.setenv("COSTROUTE_LEDGER_URL", f"sqlite://{path}?synchronous=full")
    with open_ledger(None) as ledger:
        assert isinstance(ledger, SQLiteLedger)
        assert (ledger.path, ledger.synchronous) == (str(path), "full")


def test_sqlite_urls(tmp_path: Path) -> None:
    with open_ledger(f"sqlite://{tmp_path}/a.sqlite") as ledger:
        assert isinstance(ledger, SQLiteLedger) and ledger.path == f"{tmp_path}/a.sqlite"
    with open_ledger("sqlite:///:memory:") as ledger:
        assert isinstance(ledger, SQLiteLedger) and ledger.path == ":memory:"
        ledger.append(record())
        assert len(ledger.records()) == 1
    with open_ledger(str(tmp_path / "plain.sqlite")) as ledger:
        assert isinstance(ledger, SQLiteLedger)


def test_postgres_comes_later_and_hides_the_password() -> None:
    with pytest.raises(ConfigError) as info:
        open_ledger("postgresql://app:s3cr3t-pw@db.internal:5432/costroute")
    message = str(info.value)
    assert "postgres backend" in message
    assert "s3cr3t-pw" not in message
    assert info.value.field == "ledger"


def test_env_url_errors_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSTROUTE_LEDGER_URL", "postgres://db/costroute")
    with pytest.raises(ConfigError) as info:
        open_ledger()
    assert info.value.field == "COSTROUTE_LEDGER_URL"


@pytest.mark.parametrize(
    "url",
    ["mysql://db/x", "sqlite://relative.sqlite", "sqlite:///tmp/x.sqlite?synchronous=off",
     "sqlite:///tmp/x.sqlite?journal=delete"],
)  # fmt: skip
def test_bad_urls(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        open_ledger(url)
    assert info.value.fix
