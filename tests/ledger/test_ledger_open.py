"""open_ledger(): URLs, the environment variable and the default path."""

from __future__ import annotations

from pathlib import Path

import pytest
from ledger_data import record

from costroute.errors import ConfigError, LedgerError
from costroute.ledger import SQLiteLedger, default_ledger_path, open_ledger

# Nothing listens on port 1 of the loopback: the connection is refused at once.
UNREACHABLE = "postgresql://app:s3cr3t-pw@127.0.0.1:1/costroute"


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
        assert "synchronous=normal" in repr(ledger)
    with open_ledger(f"sqlite://{tmp_path}/c.sqlite?synchronous=full") as ledger:
        assert "synchronous=full" in repr(ledger)


@pytest.mark.parametrize("query", ["inbox=off", "synchronous=off", "journal=wal"])
def test_unsupported_sqlite_url_options_say_which_exist(tmp_path: Path, query: str) -> None:
    with pytest.raises(ConfigError) as info:
        open_ledger(f"sqlite://{tmp_path}/a.sqlite?{query}")
    assert info.value.fix is not None and "?synchronous=normal|full" in info.value.fix
    assert not (tmp_path / "a.sqlite").exists()


@pytest.mark.parametrize(
    "url",
    [UNREACHABLE, UNREACHABLE.replace("postgresql", "postgres"),
     UNREACHABLE.replace("postgresql", "postgresql+psycopg"),
     "postgresql://app@127.0.0.1:1/costroute?password=s3cr3t-pw&schema=x"],
)  # fmt: skip
def test_unreachable_postgres_names_the_url_without_the_password(url: str) -> None:
    with pytest.raises(LedgerError) as info:
        open_ledger(url)
    message = str(info.value)
    assert "Cannot connect to the PostgreSQL ledger" in message
    assert "127.0.0.1:1/costroute" in message and "***" in message
    assert "s3cr3t-pw" not in message and "s3cr3t-pw" not in repr(info.value)
    assert info.value.field == "ledger" and info.value.fix


@pytest.mark.parametrize(
    ("value", "error"), [("mysql://db/costroute", ConfigError), (UNREACHABLE, LedgerError)]
)
def test_env_url_errors_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str, error: type[Exception]
) -> None:
    monkeypatch.setenv("COSTROUTE_LEDGER_URL", value)
    with pytest.raises(error) as info:
        open_ledger()
    assert getattr(info.value, "field", None) == "COSTROUTE_LEDGER_URL"
    assert "s3cr3t-pw" not in str(info.value)


@pytest.mark.parametrize(
    "url",
    ["mysql://db/x", "sqlite://relative.sqlite", "sqlite:///tmp/x.sqlite?synchronous=off",
     "sqlite:///tmp/x.sqlite?journal=delete", "postgresql://127.0.0.1:1/x?schema="],
)  # fmt: skip
def test_bad_urls(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        open_ledger(url)
    assert info.value.fix
