"""What a plan's run produces (:class:`Outcome`) and what it learns on the way
(:class:`Progress`: attempts, the last error, providers and context windows to avoid)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from costroute import errors
from costroute.catalog import Deployment
from costroute.types import Attempt, Choice, Usage

__all__ = ["Finish", "Outcome", "Progress"]

log = logging.getLogger("costroute")


@dataclass(slots=True)
class Outcome:
    """The answer of a plan: the response, who gave it, and every attempt on the way.

    ``response`` is None for a stream (its chunks went to the caller); ``text`` and
    ``finish_reason`` then summarise what was streamed. A response-cache hit has
    ``cached=True``, no attempts, and the stored call's baseline in ``baseline_usd``.
    """

    response: Any
    deployment: Deployment
    choice: Choice
    attempts: list[Attempt]
    usage: Usage
    finish_reason: str | None = None
    text: str | None = None
    cached: bool = False
    baseline_usd: Decimal | None = None
    notes: list[str] = field(default_factory=list)


Finish = Callable[[Outcome, BaseException | None], Any]
"""Settles a call (the router's bookkeeping): its outcome, and the error it ends with if any."""


@dataclass(slots=True)
class Progress:
    """What the run learnt so far: attempts, the last error, providers and windows to avoid."""

    attempts: list[Attempt] = field(default_factory=list)
    last: BaseException | None = None
    bad_providers: set[str] = field(default_factory=set)
    min_window: int = 0
    notes: list[str] = field(default_factory=list)

    def outcome(
        self,
        response: Any,
        dep: Deployment,
        choice: Choice,
        usage: Usage,
        finish_reason: str | None = None,
        text: str | None = None,
    ) -> Outcome:
        """The call's outcome: its attempts, and the notes so far."""
        return Outcome(
            response, dep, choice, self.attempts, usage, finish_reason, text, notes=list(self.notes)
        )

    def skip_reason(self, dep: Deployment) -> str | None:
        if dep.provider in self.bad_providers:
            return f"provider {dep.provider} refused the key or model"
        if dep.capabilities.context_window <= self.min_window:
            return f"context window {dep.capabilities.context_window:,} is not larger"
        return None

    def learn(self, dep: Deployment, exc: errors.ProviderError) -> None:
        """Raise at once what must not fall back; remember what narrows the next choices."""
        self.last = exc
        status = f" {exc.status_code}" if exc.status_code is not None else ""
        failed = f"{dep.name} failed with {type(exc).__name__}{status}"
        if isinstance(exc, errors.BadRequestError):
            raise exc
        if isinstance(exc, errors.ContextWindowExceeded):
            self.min_window = max(self.min_window, dep.capabilities.context_window)
            self.notes.append(f"{failed}; falling back only to a larger context window")
        elif isinstance(exc, errors.AuthenticationError | errors.ModelNotFoundError):
            self.bad_providers.add(dep.provider)
            self.notes.append(f"{failed}; moving to another provider than {dep.provider}")
            log.warning(
                "costroute: deployment %r failed with %s (%s); moving to another provider",
                dep.name,
                type(exc).__name__,
                exc.status_code,
            )
        else:
            self.notes.append(f"{failed}; falling back")
