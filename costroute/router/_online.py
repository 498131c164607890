"""Online mode's feedback hook: each outcome the router records (``feedback``, sampled
labelling's judge and checker grades) is passed, joined to its call as the ledger now holds it,
to the learners of the router's policies (the deciding one, a shadowed candidate, the versions
it can roll back to, per-call policies): see docs/learning.md, "Online mode"."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from costroute.policy import Learner, learners_of

if TYPE_CHECKING:
    from costroute.policy import Policy
    from costroute.router._router import Router

__all__ = ["alearn", "learn", "learners"]

log = logging.getLogger("costroute")


def learners(router: Router) -> list[Learner]:
    """The distinct learners of every policy the router may decide with."""
    policies: list[Policy] = [router._decider.policy, *router._policies.values()]
    if router._shadow is not None:
        policies.append(router._shadow.policy)
    if router._rollout is not None:
        policies.extend(d.policy for d in router._rollout._history)
    found: list[Learner] = []
    for policy in policies:
        found.extend(x for x in learners_of(policy) if all(x is not y for y in found))
    return found


def learn(router: Router, request_id: str, source: str) -> None:
    """Tell the router's learners of the outcome ``feedback`` just stored for call
    ``request_id`` under ``source``; never raises: the outcome is stored whatever a learner
    makes of it."""
    found = learners(router)
    if not found:
        return
    try:
        calls = router.usage.outcomes(source=source, request_id=request_id)
        for learner in found:
            for call in calls:
                learner.observe(call)
    except Exception as exc:
        log.warning(
            "costroute: the outcome of %s did not reach the online policy: %s", request_id, exc
        )


async def alearn(router: Router, request_id: str, source: str) -> None:
    """:func:`learn` in a worker thread (it reads the ledger), when there is a learner."""
    if learners(router):
        await asyncio.to_thread(learn, router, request_id, source)
