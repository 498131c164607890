"""The observer protocol: what a router calls on ``Router(observer=...)``."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from costroute.types import Attempt, CallInfo, Plan, Request

__all__ = ["ObserverLike"]


@runtime_checkable
class ObserverLike(Protocol):
    """Told of every call a router makes; :class:`~costroute.observe.Observer` is one.

    The router calls the three methods in the order below, on the calling thread (for ``achat``
    possibly a worker thread). Keep them cheap and do not raise: the router does not guard these
    calls (``Observer`` catches and logs its callbacks' errors for that reason).
    """

    def decision(self, request: Request, plan: Plan) -> None:
        """The policy decided (or a cache hit was found), before any network call."""
        ...

    def attempt(self, attempt: Attempt) -> None:
        """One try of one deployment ended (ok, error or interrupted)."""
        ...

    def complete(self, request: Request, info: CallInfo, error: BaseException | None) -> None:
        """The call was settled; ``error`` is None on success, else what the caller gets."""
        ...
