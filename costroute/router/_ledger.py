"""``Router(ledger=...)``: from what the caller passed (or the environment) to a ledger or None."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Literal

from costroute.errors import ConfigError, LedgerError

if TYPE_CHECKING:
    from costroute.ledger import LedgerLike

__all__ = ["open_router_ledger"]

log = logging.getLogger("costroute")


def open_router_ledger(ledger: LedgerLike | str | Literal[False] | None) -> LedgerLike | None:
    """The router's ledger: on by default, in the default SQLite file.

    ``False`` (or ``COSTROUTE_LEDGER=off`` with ``ledger=None``) keeps none; a URL string opens
    that ledger; ``None`` opens ``$COSTROUTE_LEDGER_URL`` or the default file and, when that
    fails (read-only home, full disk), logs a warning and routes without a ledger, so
    bookkeeping never stops the application; a :class:`~costroute.ledger.LedgerLike` (anything
    with ``append(record)``) is used as it is; anything else is a ConfigError.
    """
    if ledger is False:
        return None
    # Imported here, not at the top: the ledger brings sqlite3 and asyncio (~35 ms), which
    # `import costroute` should not pay for.
    from costroute.ledger import LedgerLike, open_ledger

    if isinstance(ledger, str):
        return open_ledger(ledger)
    if ledger is not None:
        if not isinstance(ledger, LedgerLike):
            raise ConfigError(
                f"ledger={ledger!r} is not a ledger.",
                field="ledger",
                fix="pass a URL (sqlite:///path/ledger.sqlite, postgresql://...), False, or an "
                "object with an append(record) method (costroute.ledger.LedgerLike)",
            )
        return ledger
    if os.environ.get("COSTROUTE_LEDGER", "").strip().lower() in ("off", "0", "false", "no"):
        return None
    try:
        return open_ledger()
    except LedgerError as exc:
        log.warning("costroute: no ledger this run, the default one cannot be opened: %s", exc)
        return None
