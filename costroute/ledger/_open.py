"""Opening a ledger from a URL: ``open_ledger()`` and where the default file lives."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs

from costroute.errors import ConfigError
from costroute.ledger._base import Ledger
from costroute.ledger._sqlite import SQLiteLedger

__all__ = ["ENV_VAR", "default_ledger_path", "open_ledger"]

ENV_VAR = "COSTROUTE_LEDGER_URL"


def default_ledger_path() -> Path:
    """``$XDG_DATA_HOME/costroute/ledger.sqlite`` if set, else ``~/.costroute/ledger.sqlite``."""
    xdg = os.environ.get("XDG_DATA_HOME")
    if xdg:
        return Path(xdg) / "costroute" / "ledger.sqlite"
    return Path.home() / ".costroute" / "ledger.sqlite"


def open_ledger(url: str | None = None) -> Ledger:
    """Open the ledger a URL names.

    * ``None``: ``$COSTROUTE_LEDGER_URL`` if set, else SQLite at :func:`default_ledger_path`
      (its folder is created);
    * ``"sqlite:///abs/path.sqlite"``, optionally ``?synchronous=full``;
      ``"sqlite:///:memory:"`` for a throw-away ledger; a plain file path works too;
    * ``"postgresql://user:password@host:5432/db"`` (also ``postgres://``), optionally
      ``?schema=name``: :class:`~costroute.ledger.PostgresLedger` (``costroute[postgres]``);
      a server that cannot be reached raises ``LedgerError`` naming the URL, password masked.
    """
    field = "ledger"
    if url is None:
        url = os.environ.get(ENV_VAR) or None
        field = ENV_VAR
    if url is None:
        default = default_ledger_path()
        default.parent.mkdir(parents=True, exist_ok=True)
        return SQLiteLedger(default)
    if "://" not in url:
        return SQLiteLedger(url)
    scheme = url.split("://", 1)[0].lower()
    if scheme in ("postgresql", "postgres") or scheme.startswith("postgresql+"):
        from costroute.ledger._postgres import PostgresLedger

        return PostgresLedger(url, field=field)
    if scheme != "sqlite":
        from costroute._url import mask_url

        raise ConfigError(
            f"Unknown ledger URL scheme {scheme!r} in {mask_url(url)}.",
            field=field,
            fix="use sqlite:///abs/path.sqlite, sqlite:///:memory: or postgresql://...",
        )
    rest = url[len("sqlite://") :]
    path, _, query = rest.partition("?")
    if path == "/:memory:":
        path = ":memory:"
    elif not path.startswith("/"):
        raise ConfigError(
            f"The ledger URL {url!r} does not name an absolute path.",
            field=field,
            fix="write three slashes before the absolute path: sqlite:///abs/path.sqlite",
        )
    options = {k: v[-1] for k, v in parse_qs(query).items()}
    unknown = set(options) - {"synchronous"}
    sync = options.get("synchronous", "normal").lower()
    if unknown or sync not in ("normal", "full"):
        raise ConfigError(
            f"Unsupported option in the ledger URL {url!r}.",
            field=field,
            fix="the one option is ?synchronous=normal|full",
        )
    return SQLiteLedger(path, synchronous="full" if sync == "full" else "normal")
