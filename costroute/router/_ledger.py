"""``Router(ledger=...)``: from what the caller passed (or the environment) to a ledger or None."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, cast

from costroute.errors import ConfigError, LedgerError

if TYPE_CHECKING:
    from costroute.budget import BudgetManager
    from costroute.catalog import Deployment
    from costroute.ledger import Ledger, LedgerLike
    from costroute.router._router import Router
    from costroute.router._state import RouterState

__all__ = ["LedgerFace", "open_router_ledger"]

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


class LedgerFace:
    """Mixed into Router: its budget and ledger as the application reads them, and the
    outcomes it records (``feedback``)."""

    ledger: LedgerLike | None
    state: RouterState
    now: Callable[[], dt.datetime]
    deployments: dict[str, Deployment]

    @property
    def budget(self) -> BudgetManager:
        """The budget manager: ``router.budget.status()`` shows every window."""
        return self.state.budget

    @property
    def usage(self) -> Ledger:
        """The ledger, for reports: ``router.usage.report(month="2026-11")``."""
        from costroute.ledger import Ledger

        if self.ledger is None:
            raise ConfigError(
                "This router keeps no ledger.",
                field="ledger",
                fix='pass Router(ledger="sqlite:///path/ledger.sqlite") or set COSTROUTE_LEDGER_URL',
            )
        if not isinstance(self.ledger, Ledger):
            raise ConfigError(
                f"This router's ledger ({type(self.ledger).__name__}) keeps records but makes no "
                "reports.",
                field="ledger",
                fix="read the records where your ledger keeps them, or pass a "
                "costroute.ledger.Ledger (a sqlite:/// or postgresql:// URL, or a subclass)",
            )
        return self.ledger

    def feedback(
        self,
        request_id: str,
        score: float,
        *,
        source: str = "user",
        note: str | None = None,
        deployment: str | None = None,
    ) -> None:
        """Record how call ``request_id`` turned out: ``score`` from 0 (bad) to 1 (good).

        ``source`` says who judged (``"user"``, ``"tests"``, ``"app"``...); one outcome per
        call and source, a repeat replaces it. ``deployment`` (one of this router's) grades
        that deployment's answer to the same request instead of the call's own (an A/B run, a
        checker run on both answers); it is stored as ``source@deployment``. Stored in the
        ledger, joined to the call (see docs/ledger.md, "Outcomes"); a ConfigError when the
        router keeps no ledger. An online policy (``costroute.policy.thompson``) learns from it.
        """
        source = self._outcome_source(source, deployment)
        self.usage.feedback(request_id, score, source=source, note=note, at=self.now())
        from costroute.router._online import learn  # the online policy's hook, loaded here

        learn(cast("Router", self), request_id, source)

    async def afeedback(
        self,
        request_id: str,
        score: float,
        *,
        source: str = "user",
        note: str | None = None,
        deployment: str | None = None,
    ) -> None:
        """Async twin of :meth:`feedback` (the write runs in a worker thread)."""
        source = self._outcome_source(source, deployment)
        await self.usage.afeedback(request_id, score, source=source, note=note, at=self.now())
        from costroute.router._online import alearn

        await alearn(cast("Router", self), request_id, source)

    def _outcome_source(self, source: str, deployment: str | None) -> str:
        from costroute.errors import InvalidRequestError

        if isinstance(source, str) and "@" in source:
            raise InvalidRequestError(
                f"source={source!r} contains '@', which names a graded deployment.",
                field="source",
                fix="name who judged without '@', and pass deployment=... to grade another"
                " deployment's answer",
            )
        if deployment is None:
            return source
        if deployment not in self.deployments:
            raise InvalidRequestError(
                f"deployment={deployment!r} is not a deployment of this router.",
                field="deployment",
                fix=f"use one of {', '.join(sorted(self.deployments))}, or leave it out to"
                " grade the call's own answer",
            )
        return f"{source}@{deployment}"
