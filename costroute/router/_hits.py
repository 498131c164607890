"""The router's response-cache steps: the key of a call, a usable stored answer, and the plan
and outcome a hit settles with (no provider call, cost 0, the stored call's baseline)."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from costroute.catalog import Deployment
from costroute.errors import InvalidRequestError
from costroute.executor import Outcome
from costroute.policy import Policy
from costroute.types import Choice, Plan, Request, Usage

if TYPE_CHECKING:
    from costroute.cache import ResponseCache

__all__ = ["CacheHits"]

log = logging.getLogger("costroute")


class CacheHits:
    """Mixed into RouterBase: the response-cache steps over its ``cache``, ``deployments``,
    ``policy`` and ``_hit_plans``."""

    cache: ResponseCache | None
    deployments: dict[str, Deployment]
    policy: Policy
    _hit_plans: dict[tuple[str, str], Plan]

    def _policy_name(self, request: Request) -> str:
        """The policy the call routes under (its own ``policy=`` or the router's): part of the
        cache key, and what a hit under that key reports."""
        return request.policy or self.policy.name

    def _cache_key(self, request: Request, per_call: Any, policy: str) -> str | None:
        """The request's cache key under ``policy``, or None when this call does not use the
        cache."""
        if self.cache is None or per_call is False:
            return None
        if per_call not in (None, True):
            raise InvalidRequestError(
                f"cache={per_call!r} is invalid.", field="cache", fix="pass cache=False or omit it"
            )
        from costroute.cache import cache_key  # loaded only by a router with a cache

        return cache_key(request, request.tenant, policy, request.model)

    def _lookup(self, key: str, policy: str) -> tuple[dict[str, Any], Deployment, Plan] | None:
        """A usable entry for ``key``: its deployment still exists here and it is whole; its
        plan reports ``policy``, the one the key was made under."""
        assert self.cache is not None
        try:
            entry = self.cache.get(key)
        except Exception as exc:  # a cache outage is a miss, never a failed call
            log.warning("costroute: response cache lookup failed: %s", exc)
            return None
        if entry is None or entry.get("v") != 1:
            return None
        dep = self.deployments.get(entry.get("deployment", ""))
        if dep is None or "response" not in entry:
            return None
        return entry, dep, self._hit_plan(dep, policy)

    def _hit_plan(self, dep: Deployment, policy: str) -> Plan:
        plan = self._hit_plans.get((dep.name, policy))
        if plan is None:
            reason = f"response cache hit: stored answer of {dep.name}, no provider call"
            plan = Plan(
                choices=(Choice(deployment=dep.name, reasons=(reason,)),),
                policy=policy,
                difficulty=0.0,
                reasons=(reason,),
            )
            self._hit_plans[(dep.name, policy)] = plan
        return plan

    @staticmethod
    def _hit_outcome(entry: dict[str, Any], dep: Deployment, plan: Plan) -> Outcome:
        """A hit settles like a call with no attempts: cost 0, the stored call's baseline."""
        return Outcome(
            None,
            dep,
            plan.primary,
            [],
            Usage(),
            cached=True,
            baseline_usd=Decimal(entry["baseline_usd"]),
        )
