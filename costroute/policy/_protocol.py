"""The policy protocol: a pure function from a request and its signals to a plan."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from costroute.types import Plan, Request, Signals

__all__ = ["Policy", "validate_policy"]


@runtime_checkable
class Policy(Protocol):
    """Decides which deployments answer a request, in which order, and why.

    ``route`` must be pure (no I/O, no clock, no randomness): the router calls it on every
    request and ``Router.explain()`` calls it alone. (Online rules draw from the router's
    :func:`~costroute.policy.sampling` while a call plans, and play greedy outside it.) ``signals.deployments`` holds the router's
    deployments; ``Plan.choices[0]`` is tried first, the rest are fallbacks in order.
    """

    @property
    def name(self) -> str:
        """Short stable name, shown in plans, reasons and ledger records."""
        ...

    def route(self, request: Request, signals: Signals) -> Plan: ...


def validate_policy(policy: Policy, deployments: Iterable[str]) -> None:
    """Check the deployment names ``policy`` refers to, if it can say (a ``validate`` method)."""
    check = getattr(policy, "validate", None)
    if callable(check):
        check(list(deployments))
