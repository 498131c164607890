"""Budget windows restored from the ledger (the truth money is kept in): the current day's and
month's spend of every window the ledger can answer for, raised to the ledger's figure and
never lowered. :meth:`BudgetManager.load_spent_from` calls it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Protocol

from costroute.budget._backend import BudgetBackend
from costroute.budget._calendar import to_nano
from costroute.budget._config import scope_key
from costroute.budget._rules import Rules

__all__ = ["SpentSource", "restore_windows"]


class SpentSource(Protocol):
    """What :meth:`BudgetManager.load_spent_from` needs of a ledger (``Ledger.spent``)."""

    def spent(
        self,
        since: dt.datetime,
        until: dt.datetime | None = None,
        *,
        user: str | None = None,
        tenant: str | None = None,
        tag: tuple[str, str] | None = None,
    ) -> Decimal: ...


def restore_windows(
    rules: Rules,
    backend: BudgetBackend,
    now: float,
    ledger: SpentSource,
    users: Iterable[str],
    tenants: Iterable[str],
    tags: Mapping[str, Iterable[str]],
) -> int:
    """Restore the windows ``rules`` resolve at ``now`` from ``ledger``; how many were."""
    identities: list[tuple[str | None, str | None, dict[str, str]]] = [(None, None, {})]
    identities += [(u, None, {}) for u in users]
    identities += [(None, t, {}) for t in tenants]
    identities += [(None, None, {k: v}) for k, vs in tags.items() for v in vs]
    for rule in rules.per_window:  # fixed tag values need no argument
        key, sep, value = rule.limit.scope[4:].partition("=")
        if rule.limit.scope.startswith("tag:") and sep:
            identities.append((None, None, {key: value}))
    done: set[str] = set()
    for rule in rules.per_window:
        for user, tenant, tag_map in identities:
            scope = scope_key(rule.limit.scope, user, tenant, tag_map)
            if scope is None or (scope == "global" and (user or tenant or tag_map)):
                continue
            resolved = rules.resolve(now, user, tenant, tag_map)
            for slot, period in zip(resolved.slots, resolved.periods, strict=True):
                if slot.key in done or slot.key.split(":", 2)[2] != scope:
                    continue
                done.add(slot.key)
                spent = ledger.spent(
                    period.starts_at,
                    period.resets_at,
                    user=user,
                    tenant=tenant,
                    tag=next(iter(tag_map.items()), None),
                )
                backend.restore(slot, to_nano(spent, "ledger.spent"), now)
    return len(done)
