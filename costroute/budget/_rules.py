"""From a :class:`Budget` and a call's identity to the window keys the call counts against.

No I/O: the manager asks this module which slots apply, then asks the backend about them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from costroute.budget._backend import Slot, Usage
from costroute.budget._calendar import Calendar, Period, from_nano, limit_nano
from costroute.budget._config import Budget, Limit, scope_key
from costroute.errors import BudgetExceeded, InvalidRequestError

__all__ = ["Resolved", "Rule", "Rules", "check_identity"]

KEY_MARGIN_S = 3600
"""Window keys outlive their window by the lease plus this, so late settles still land."""


class Rule(NamedTuple):
    """One configured limit, compiled: the limit, its value in nanodollars (rounded down), window and scope."""

    limit: Limit
    nano: int
    window: str
    scope: str


class Resolved(NamedTuple):
    """The slots of one call, the rules behind each slot, and each slot's calendar window."""

    slots: list[Slot]
    rules: list[list[Rule]]
    periods: list[Period]


def check_identity(user: object, tenant: object, tags: object) -> Mapping[str, str]:
    """Validate the identity of a call (cheaply); return the tags as a mapping."""
    if user is not None and not isinstance(user, str):
        raise InvalidRequestError(
            f"user={user!r} is not a string.", field="user", fix="pass user='<id>' or None"
        )
    if tenant is not None and not isinstance(tenant, str):
        raise InvalidRequestError(
            f"tenant={tenant!r} is not a string.", field="tenant", fix="pass tenant='<id>' or None"
        )
    if tags is None:
        return {}
    if not isinstance(tags, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in tags.items()
    ):
        raise InvalidRequestError(
            f"tags={tags!r} is not a mapping of str to str.",
            field="tags",
            fix="pass e.g. tags={'feature': 'search'}",
        )
    return tags


class Rules:
    """The compiled limits of a budget, split into per-request and per-window ones."""

    def __init__(self, budget: Budget, lease_s: float) -> None:
        self.budget = budget
        self.calendar = Calendar(budget.zone())
        self.lease_s = lease_s
        self.compiled = [
            Rule(limit, limit_nano(limit.limit_usd), limit.window, limit.scope)
            for limit in budget.limits
        ]
        self.per_request = [r for r in self.compiled if r.window == "request"]
        self.per_window = [r for r in self.compiled if r.window != "request"]

    def check_request(
        self,
        nano: int,
        amount: object,
        user: str | None,
        tenant: str | None,
        tags: Mapping[str, str],
    ) -> None:
        """Refuse a call whose worst case alone exceeds a per-request limit."""
        for rule in self.per_request:
            if nano > rule.nano:
                key = scope_key(rule.scope, user, tenant, tags)
                if key is not None:
                    raise BudgetExceeded(
                        window="request",
                        scope=key,
                        spent_usd=from_nano(0),
                        reserved_usd=from_nano(0),
                        limit_usd=rule.limit.limit_usd,
                        needed_usd=amount,
                        resets_at=None,
                    )

    def resolve(
        self, now: float, user: str | None, tenant: str | None, tags: Mapping[str, str]
    ) -> Resolved:
        """Every day/month window key this call counts against (each key once)."""
        index: dict[str, int] = {}
        slots: list[Slot] = []
        rules: list[list[Rule]] = []
        periods: list[Period] = []
        current: dict[str, tuple[Period, str, int]] = {}
        for rule in self.per_window:
            scope = scope_key(rule.scope, user, tenant, tags)
            if scope is None:
                continue
            found = current.get(rule.window)
            if found is None:
                period = self.calendar.period(rule.window, now)
                ttl = math.ceil(period.end - now + self.lease_s) + KEY_MARGIN_S
                found = current[rule.window] = (period, f"{rule.window}:{period.label}:", ttl)
            period, head, ttl = found
            key = head + scope
            at = index.get(key)
            if at is None:
                index[key] = len(slots)
                slots.append(Slot(key, rule.nano, ttl))
                rules.append([rule])
                periods.append(period)
            else:
                rules[at].append(rule)
                if rule.nano < slots[at].limit:
                    slots[at] = slots[at]._replace(limit=rule.nano)
        return Resolved(slots, rules, periods)

    def refusal(
        self,
        resolved: Resolved,
        index: int,
        usage: Sequence[Usage],
        amount: object,
        *,
        further: bool = False,
    ) -> BudgetExceeded:
        """The error naming the window that refused (its tightest limit); ``further``: the
        refused amount is the growth of a reservation for a further attempt."""
        slot = resolved.slots[index]
        rule = min(resolved.rules[index], key=lambda r: r.nano)
        return BudgetExceeded(
            window=rule.limit.window,
            scope=slot.key.split(":", 2)[2],
            spent_usd=from_nano(usage[index].spent),
            reserved_usd=from_nano(usage[index].reserved),
            limit_usd=rule.limit.limit_usd,
            needed_usd=amount,
            resets_at=resolved.periods[index].resets_at.isoformat(),
            further=further,
        )

    @staticmethod
    def pressure(resolved: Resolved, usage: Sequence[Usage]) -> tuple[float, int, Rule | None]:
        """The highest (spent + reserved) / limit among windows at or past their soft limit.

        Returns (pressure, slot index, rule); (0.0, -1, None) when no window is past its soft.
        """
        best, where, which = 0.0, -1, None
        for i, (u, rules) in enumerate(zip(usage, resolved.rules, strict=True)):
            used = u.spent + u.reserved
            for rule in rules:
                fraction = used / rule.nano
                if fraction >= rule.limit.soft and fraction > best:
                    best, where, which = fraction, i, rule
        return best, where, which
