"""The steps of the budget operations that do no I/O, around the backend calls that
:class:`~costroute.budget.BudgetManager` makes: check a request and build its reservation, grow
it, apply the backend's answer, check a settle or release; and the window figures the backend
sent back recently, which :meth:`~costroute.budget.BudgetManager.pressure` reuses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from costroute._ids import new_id
from costroute.budget._backend import Lease, Outcome, Slot, Usage
from costroute.budget._calendar import to_nano
from costroute.budget._rules import Resolved, Rules, check_identity
from costroute.budget._status import Reservation
from costroute.errors import InvalidRequestError

__all__ = ["RecentUsage", "begin", "closing", "growing", "grown", "pressure_reason"]

_SEEN_MAX = 10_000
"""How many windows' figures :class:`RecentUsage` keeps before starting afresh."""


class RecentUsage:
    """The last figures seen per window, reused while younger than ``ttl_s`` seconds (0: never
    kept, so every :meth:`~costroute.budget.BudgetManager.pressure` asks the backend)."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._seen: dict[str, tuple[Usage, float]] = {}

    def remember(self, slots: Sequence[Slot], usage: Sequence[Usage], now: float) -> None:
        if self.ttl_s:
            if len(self._seen) > _SEEN_MAX:
                self._seen.clear()
            for slot, u in zip(slots, usage, strict=True):
                self._seen[slot.key] = (u, now)

    def fresh(self, slots: Sequence[Slot], now: float) -> tuple[Usage, ...] | None:
        """Every slot's figures if all are young enough, else None."""
        if not self.ttl_s:
            return None
        out: list[Usage] = []
        for slot in slots:
            seen = self._seen.get(slot.key)
            if seen is None or now - seen[1] > self.ttl_s:
                return None
            out.append(seen[0])
        return tuple(out)


def begin(
    rules: Rules,
    clock: Callable[[], float],
    lease_s: float,
    amount: Decimal,
    user: str | None,
    tenant: str | None,
    tags: Mapping[str, str] | None,
) -> tuple[Resolved, Reservation, float]:
    """Check a reservation of ``amount`` against the per-request limits; its windows, its
    (held) reservation and the time it was taken."""
    nano = to_nano(amount)
    tag_map = check_identity(user, tenant, tags)
    rules.check_request(nano, amount, user, tenant, tag_map)
    now = clock()
    resolved = rules.resolve(now, user, tenant, tag_map)
    lease = Lease(new_id(), nano, now + lease_s)
    res = Reservation(
        id=lease.id,
        amount=amount,
        expires_at=lease.expires,
        windows=tuple(s.key for s in resolved.slots),
        lease=lease,
        slots=tuple(resolved.slots),
        identity=(user, tenant, tag_map),
        resolved=resolved,
    )
    return resolved, res, now


def growing(
    rules: Rules, clock: Callable[[], float], lease_s: float, res: Reservation, amount: Decimal
) -> tuple[Lease, float] | None:
    """The lease ``res`` must grow to for ``amount``; None when it already holds that much
    (``res.amount`` then follows, without I/O). Checks the per-request limits, like
    :func:`begin`."""
    if not isinstance(res, Reservation) or res.state != "held":
        raise InvalidRequestError(
            f"{res!r} is not a held reservation.",
            field="reservation",
            fix="extend the reservation of a call in flight, before settle() or release()",
        )
    nano = to_nano(amount)
    if nano <= res.lease.amount:  # the lease, rounded up to the nanodollar, covers it
        res.amount = max(res.amount, amount)
        return None
    user, tenant, tags = res.identity
    rules.check_request(nano, amount, user, tenant, tags)
    now = clock()
    return Lease(res.id, nano, now + lease_s), now


def grown(
    rules: Rules,
    recent: RecentUsage,
    res: Reservation,
    amount: Decimal,
    lease: Lease,
    outcome: Outcome,
    now: float,
) -> None:
    """Apply the backend's answer to an extend: refuse, or make ``res`` hold ``amount``."""
    if outcome.refused >= 0:  # res.resolved: set by reserve(), which made res.slots
        raise rules.refusal(
            res.resolved, outcome.refused, outcome.usage, amount - res.amount, further=True
        )
    recent.remember(res.slots, outcome.usage, now)
    res.amount, res.lease, res.expires_at = amount, lease, lease.expires


def closing(res: Reservation, actual: Decimal | None) -> int:
    """Check a settle (``actual`` USD) or a release (None) of ``res``; the nanodollars to
    record."""
    if not isinstance(res, Reservation):
        raise InvalidRequestError(
            f"{res!r} is not a Reservation.",
            field="reservation",
            fix="pass the object reserve() returned",
        )
    if res.state == "settled" and actual is not None:
        raise InvalidRequestError(
            f"Reservation {res.id} is already settled.",
            field="reservation",
            fix="settle each reservation once; release() after settle() is a no-op",
        )
    return 0 if actual is None else to_nano(actual, "actual")


def pressure_reason(resolved: Resolved, usage: Sequence[Usage]) -> tuple[float, str | None]:
    """The pressure of a call's windows (see :meth:`Rules.pressure`) and the reason the plan
    shows for it; (0.0, None) when no window is past its soft limit."""
    value, where, rule = Rules.pressure(resolved, usage)
    if rule is None:
        return 0.0, None
    scope = resolved.slots[where].key.split(":", 2)[2]
    return value, (
        f"budget {rule.limit.window} for {scope} at {value:.0%} of ${rule.limit.limit_usd}"
        f" (soft {rule.limit.soft:.0%})"
    )
