"""In-process budget state: one lock over a dict of windows. The default backend."""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence

from costroute.budget._backend import Lease, Outcome, Slot, Usage, duplicate_lease

__all__ = ["MemoryBudgetBackend"]


class _Window:
    """Spend and leases of one window key. Guarded by the backend's lock."""

    __slots__ = ("expires_at", "leases", "next_expiry", "reserved", "spent")

    def __init__(self, expires_at: float) -> None:
        self.spent = 0
        self.reserved = 0
        self.leases: dict[str, tuple[int, float]] = {}
        self.next_expiry = math.inf
        self.expires_at = expires_at

    def sweep(self, now: float) -> None:
        """Drop the leases that expired at ``now`` (only when one can have)."""
        if now < self.next_expiry:
            return
        nxt = math.inf
        for lease_id, (amount, expires) in list(self.leases.items()):
            if expires <= now:
                del self.leases[lease_id]
                self.reserved -= amount
            elif expires < nxt:
                nxt = expires
        self.next_expiry = nxt


class MemoryBudgetBackend:
    """Budget state in this process: thread-safe, atomic across windows under one lock.

    Leases that expired are swept lazily, when a window is next touched; windows whose time to
    live has passed are dropped when a new window is created (at most once a minute).
    """

    remote = False

    purge_every_s = 60.0
    """Dead windows are looked for at most this often (in the manager's clock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, _Window] = {}
        self._next_purge = -math.inf

    def __repr__(self) -> str:
        return f"<MemoryBudgetBackend windows={len(self._windows)}>"

    def _get(self, slot: Slot, now: float) -> _Window:
        window = self._windows.get(slot.key)
        if window is None or window.expires_at <= now:
            if window is None and now >= self._next_purge:
                self._drop_dead(now)
            window = self._windows[slot.key] = _Window(now + slot.ttl)
        else:
            window.sweep(now)
        return window

    def _drop_dead(self, now: float) -> None:
        self._next_purge = now + self.purge_every_s
        for key in [k for k, w in self._windows.items() if w.expires_at <= now]:
            del self._windows[key]

    def reserve(self, slots: Sequence[Slot], lease: Lease, now: float) -> Outcome:
        amount = lease.amount
        with self._lock:
            windows = [self._get(slot, now) for slot in slots]
            if any(lease.id in w.leases for w in windows):
                raise duplicate_lease(lease)
            refused, worst = -1, 0
            for i, (slot, w) in enumerate(zip(slots, windows, strict=True)):
                over = w.spent + w.reserved + amount - slot.limit
                if over > 0 and (refused < 0 or over > worst):
                    refused, worst = i, over
            if refused >= 0:
                return Outcome(refused, tuple(Usage(w.spent, w.reserved) for w in windows))
            for w in windows:
                w.leases[lease.id] = (amount, lease.expires)
                w.reserved += amount
                if lease.expires < w.next_expiry:
                    w.next_expiry = lease.expires
            return Outcome(-1, tuple(Usage(w.spent, w.reserved) for w in windows))

    def extend(self, slots: Sequence[Slot], lease: Lease, grown: Lease, now: float) -> Outcome:
        with self._lock:
            windows = [self._get(slot, now) for slot in slots]
            refused, worst = -1, 0
            for i, (slot, w) in enumerate(zip(slots, windows, strict=True)):
                held = w.leases.get(lease.id, (0, 0.0))[0]  # 0 once the lease expired
                over = w.spent + w.reserved - held + grown.amount - slot.limit
                if over > 0 and (refused < 0 or over > worst):
                    refused, worst = i, over
            if refused >= 0:
                return Outcome(refused, tuple(Usage(w.spent, w.reserved) for w in windows))
            for w in windows:
                held = w.leases.pop(lease.id, (0, 0.0))[0]
                w.leases[grown.id] = (grown.amount, grown.expires)
                w.reserved += grown.amount - held
                if grown.expires < w.next_expiry:
                    w.next_expiry = grown.expires
            return Outcome(-1, tuple(Usage(w.spent, w.reserved) for w in windows))

    def settle(self, slots: Sequence[Slot], lease: Lease, actual: int, now: float) -> None:
        with self._lock:
            for slot in slots:
                w = self._get(slot, now)
                held = w.leases.pop(lease.id, None)
                if held is not None:
                    w.reserved -= held[0]
                w.spent += actual

    def usage(self, keys: Sequence[str], now: float) -> tuple[Usage, ...]:
        out: list[Usage] = []
        with self._lock:
            for key in keys:
                w = self._windows.get(key)
                if w is None or w.expires_at <= now:
                    out.append(Usage(0, 0))
                else:
                    w.sweep(now)
                    out.append(Usage(w.spent, w.reserved))
        return tuple(out)

    def windows(self, now: float) -> dict[str, Usage]:
        with self._lock:
            self._drop_dead(now)
            for w in self._windows.values():
                w.sweep(now)
            return {k: Usage(w.spent, w.reserved) for k, w in self._windows.items()}

    def restore(self, slot: Slot, spent: int, now: float) -> None:
        with self._lock:
            w = self._get(slot, now)
            w.spent = max(w.spent, spent)
