"""Policies: pure functions from (request, signals) to a plan of deployments.

Presets: :func:`balanced` (the default), :func:`cheapest_capable`, :func:`quality_first` and
:func:`latency_first`. Any object with a ``name`` and a ``route(request, signals) -> Plan``
method is a policy.
"""

from __future__ import annotations

from costroute.policy._capability import expected_cost, incapable_reason
from costroute.policy._protocol import Policy
from costroute.policy._tiered import TieredPolicy, predicted_latency_ms

__all__ = [
    "Policy",
    "TieredPolicy",
    "balanced",
    "cheapest_capable",
    "expected_cost",
    "incapable_reason",
    "latency_first",
    "predicted_latency_ms",
    "quality_first",
]


def balanced(**overrides: object) -> TieredPolicy:
    """Difficulty picks the tier (small < 0.35 <= strong < 0.6 <= premium), price within it."""
    return TieredPolicy(**{"name": "balanced", **overrides})  # type: ignore[arg-type]


def cheapest_capable(**overrides: object) -> TieredPolicy:
    """Always the cheapest deployment that can serve the request."""
    fields = {"name": "cheapest-capable", "easy_below": 1.0, "hard_from": 1.0, **overrides}
    return TieredPolicy(**fields)  # type: ignore[arg-type]


def quality_first(**overrides: object) -> TieredPolicy:
    """The best tier every time; cheaper deployments only as fallbacks."""
    return TieredPolicy(**{"name": "quality-first", "prefer": "quality", **overrides})  # type: ignore[arg-type]


def latency_first(**overrides: object) -> TieredPolicy:
    """The deployment predicted to answer fastest."""
    return TieredPolicy(**{"name": "latency-first", "prefer": "latency", **overrides})  # type: ignore[arg-type]
