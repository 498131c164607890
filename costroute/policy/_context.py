"""The working state a chain of rules edits while planning one request."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from costroute.catalog import Deployment
from costroute.policy._capability import expected_cost
from costroute.types import Request, Signals

__all__ = ["Context"]


@dataclass(slots=True)
class Context:
    """What rules see and change: the ordered candidates, the reasons, per-deployment params.

    ``candidates[0]`` is the deployment the plan will try first. Rules reorder or filter
    ``candidates`` (via :meth:`drop`, so the plan says why), add ``params`` and ``reasons``,
    and may set ``cascade`` (a :class:`costroute.policy.Cascade` intent). ``tier`` is the tier
    a tier rule asked for (``tier_by_difficulty``, ``prefer_tier``; lowered by
    ``downgrade_when``): the plan says so when no deployment of it is left.
    """

    request: Request
    signals: Signals
    candidates: list[Deployment]
    reasons: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    cascade: Any = None
    tier: int | None = None
    _costs: dict[str, Decimal] = field(default_factory=dict)

    def cost(self, dep: Deployment) -> Decimal:
        """Typical cost of the request on ``dep`` (cached)."""
        c = self._costs.get(dep.name)
        if c is None:
            c = self._costs[dep.name] = expected_cost(self.request, dep)
        return c

    def drop(self, dep: Deployment, why: str) -> None:
        """Remove ``dep`` from the candidates and record why."""
        self.candidates = [d for d in self.candidates if d.name != dep.name]
        self.rejected.append((dep.name, why))

    def set_params(self, dep: Deployment, params: dict[str, Any]) -> None:
        """Merge ``params`` into what the plan passes to ``dep``."""
        self.params.setdefault(dep.name, {}).update(params)
