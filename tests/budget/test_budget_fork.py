"""Leases after fork: a BudgetManager built before ``os.fork()`` gives each child ids of its own.

gunicorn ``--preload`` and celery prefork build the Router (and its BudgetManager) in the parent
and fork the workers. Lease ids drawn from state made at import repeated in every child; on
Redis a repeated lease was counted reserved twice and released once, so money stayed reserved
for the rest of the window with nothing in flight.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from costroute.budget import Budget, BudgetManager, Lease, Limit, RedisBudgetBackend, Slot
from costroute.errors import InvalidRequestError
from costroute.testing import FakeClock

D = Decimal
CHILDREN = 4
CALLS = 25


def in_children(work: Callable[[int], None], children: int = CHILDREN) -> None:
    """Run ``work(i)`` in ``children`` forked processes at once; each must exit 0."""
    pids = []
    for i in range(children):
        pid = os.fork()
        if pid == 0:  # the child: never return into pytest
            code = 1
            try:
                work(i)
                code = 0
            finally:
                os._exit(code)
        pids.append(pid)
    codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
    assert codes == [0] * children


@pytest.mark.redis
def test_forked_children_reserve_and_settle_on_redis_without_leaking(
    redis_prefix: tuple[str, str], clock: FakeClock
) -> None:
    import redis

    url, prefix = redis_prefix
    client = redis.Redis.from_url(url)
    mgr = BudgetManager(
        Budget([Limit(usd=100, window="month")]), RedisBudgetBackend(client, prefix), clock
    )
    mgr.reserve(D("0.01"))  # the parent used its manager before forking, as a preloaded app may

    def work(i: int) -> None:
        for n in range(CALLS):
            res = mgr.reserve(D("0.50"))
            if n % 2:
                mgr.settle(res, D("0.25"))
            else:
                mgr.release(res)

    in_children(work)
    status = next(w for w in mgr.status().windows if w.window == "month")
    # The parent's own reservation (0.01) is all that is left; each child settled 12 x 0.25.
    assert status.reserved == D("0.01")
    assert status.spent == D("0.25") * (CALLS // 2) * CHILDREN
    client.close()


def test_lease_ids_differ_in_every_forked_child(tmp_path: Any, clock: FakeClock) -> None:
    mgr = BudgetManager(Budget([Limit(usd=100, window="month")]), clock=clock)
    parent = [mgr.reserve(D("0.01")).id for _ in range(3)]

    def work(i: int) -> None:
        ids = [mgr.reserve(D("0.01")).id for _ in range(3)]
        (tmp_path / f"child-{i}").write_text("\n".join(ids))

    in_children(work)
    seen = list(parent)
    for i in range(CHILDREN):
        seen += (tmp_path / f"child-{i}").read_text().split("\n")
    assert len(seen) == 3 * (CHILDREN + 1)
    assert len(set(seen)) == len(seen)


def test_a_lease_id_already_held_is_refused_not_counted_twice(
    make_backend: Callable[[], Any], clock: FakeClock
) -> None:
    backend = make_backend()
    slot = Slot("month:2026-11:global", 10**15, 86400 * 40)
    now = clock()
    lease = Lease("same-id", 5 * 10**11, now + 600)
    assert backend.reserve([slot], lease, now).refused == -1
    with pytest.raises(InvalidRequestError) as err:
        backend.reserve([slot], lease, now)
    assert err.value.field == "lease" and "same-id" in str(err.value)
    backend.settle([slot], lease, 0, now)
    assert backend.usage([slot.key], now)[0].reserved == 0
