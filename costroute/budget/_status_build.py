"""Assemble :class:`BudgetStatus` from the configured limits and the backend's live windows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from costroute.budget._backend import Usage
from costroute.budget._calendar import from_nano
from costroute.budget._config import scope_matches
from costroute.budget._rules import Rules
from costroute.budget._status import BudgetStatus, WindowStatus

__all__ = ["build_status"]

_ZERO = Usage(0, 0)


def build_status(rules: Rules, live: Mapping[str, Usage], now: float) -> BudgetStatus:
    """One row per limit and scope value: fixed scopes (global, ``tag:k=v``) always, per-user,
    per-tenant and per-tag-value scopes for each value that has a live window."""
    rows: list[WindowStatus] = []
    for rule in rules.compiled:
        limit = rule.limit
        if limit.window == "request":
            rows.append(
                WindowStatus(
                    "request",
                    limit.scope,
                    limit.scope,
                    from_nano(0),
                    from_nano(0),
                    limit.limit_usd,
                    limit.soft,
                    None,
                )
            )
            continue
        period = rules.calendar.period(limit.window, now)
        head = f"{limit.window}:{period.label}:"
        found = {
            key[len(head) :]: usage
            for key, usage in live.items()
            if key.startswith(head) and scope_matches(limit.scope, key[len(head) :])
        }
        if not found and (limit.scope == "global" or "=" in limit.scope):
            fixed = "global" if limit.scope == "global" else limit.scope
            found[fixed] = _ZERO
        for key in sorted(found):
            usage = found[key]
            rows.append(
                WindowStatus(
                    limit.window,
                    limit.scope,
                    key,
                    from_nano(usage.spent),
                    from_nano(usage.reserved),
                    limit.limit_usd,
                    limit.soft,
                    period.resets_at,
                )
            )
    at = dt.datetime.fromtimestamp(now, rules.calendar.tz)
    return BudgetStatus(at=at, windows=tuple(rows))
