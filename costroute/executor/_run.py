"""Run a plan: try each choice with retries, fall back to the next, keep every attempt.

Fallback rules: a context-window error only falls back to a deployment with a larger window;
401/403/404 move on to another provider and are logged at warning level; a malformed request
(400) is not retried anywhere and surfaces at once. One deadline covers every attempt and wait.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import tenacity

from costroute import providers
from costroute.catalog import Deployment
from costroute.errors import (
    AllDeploymentsFailed,
    AuthenticationError,
    BadRequestError,
    ContextWindowExceeded,
    CostrouteError,
    ModelNotFoundError,
    ProviderError,
    ProviderTimeout,
)
from costroute.executor._retry import RetryConfig, retry_strategies
from costroute.pricing import cost
from costroute.types import Attempt, Choice, Plan, Request, Usage

__all__ = ["Executor", "Outcome"]

log = logging.getLogger("costroute")

Sleep = Callable[[float], None]
ASleep = Callable[[float], Awaitable[None]]


@dataclass(slots=True)
class Outcome:
    """The answer of a plan: the response, who gave it, and every attempt on the way."""

    response: Any
    deployment: Deployment
    choice: Choice
    attempts: list[Attempt]
    usage: Usage


@dataclass(slots=True)
class _Progress:
    """What the run learnt so far: attempts, the last error, providers and windows to avoid."""

    attempts: list[Attempt] = field(default_factory=list)
    last: BaseException | None = None
    bad_providers: set[str] = field(default_factory=set)
    min_window: int = 0

    def skip_reason(self, dep: Deployment) -> str | None:
        if dep.provider in self.bad_providers:
            return f"provider {dep.provider} refused the key or model"
        if dep.capabilities.context_window <= self.min_window:
            return f"context window {dep.capabilities.context_window:,} is not larger"
        return None

    def learn(self, dep: Deployment, exc: ProviderError) -> None:
        """Raise at once what must not fall back; remember what narrows the next choices."""
        self.last = exc
        if isinstance(exc, BadRequestError):
            raise exc
        if isinstance(exc, ContextWindowExceeded):
            self.min_window = max(self.min_window, dep.capabilities.context_window)
        elif isinstance(exc, AuthenticationError | ModelNotFoundError):
            self.bad_providers.add(dep.provider)
            log.warning(
                "costroute: deployment %r failed with %s (%s); moving to another provider",
                dep.name,
                type(exc).__name__,
                exc.status_code,
            )


class Executor:
    """Runs plans against deployments; time and sleep are injectable for tests."""

    def __init__(
        self,
        deployments: Mapping[str, Deployment],
        *,
        retry: RetryConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], dt.datetime] | None = None,
        sleep: Sleep = time.sleep,
        asleep: ASleep | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.deployments = deployments
        self.retry = retry or RetryConfig()
        self.clock = clock
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        self.sleep = sleep
        self.asleep = asleep
        self.environ = environ

    # ---- one attempt -------------------------------------------------------------------------

    def record(
        self,
        progress: _Progress,
        dep: Deployment,
        started: float,
        usage: Usage | None,
        exc: BaseException | None,
        ttft_ms: float | None = None,
        status: str | None = None,
    ) -> Attempt:
        usage = usage or Usage()
        attempt = Attempt(
            deployment=dep.name,
            model=dep.model,
            provider=dep.provider,
            status=status or ("error" if exc else "ok"),  # type: ignore[arg-type]
            latency_ms=(self.clock() - started) * 1000.0,
            usage=usage,
            cost_usd=cost(usage, dep.prices, self.now()),
            error=type(exc).__name__ if exc else None,
            status_code=getattr(exc, "status_code", None),
            ttft_ms=ttft_ms,
        )
        progress.attempts.append(attempt)
        return attempt

    def _timeout_left(self, deadline: float) -> float:
        """Seconds left before the deadline, rounded up to 0.1 s.

        litellm caches its HTTP client per timeout value: a value that changes on every call
        (the exact time left) builds a new client each time, about 1 ms. Rounded, a first
        attempt always sends the router's timeout; later attempts overrun by < 0.1 s at most.
        """
        left = deadline - self.clock()
        if left <= 0:
            raise ProviderTimeout(
                "the call's deadline passed before this attempt",
                fix="raise Router(timeout=...) or make fewer attempts (RetryConfig(attempts=...))",
            )
        return math.ceil(left * 10) / 10

    def _candidates(self, plan: Plan, progress: _Progress) -> list[tuple[Choice, Deployment]]:
        return [(c, self.deployments[c.deployment]) for c in plan.choices]

    def _failed(self, progress: _Progress) -> AllDeploymentsFailed:
        return AllDeploymentsFailed(progress.attempts, progress.last)

    # ---- sync ------------------------------------------------------------------------------

    def run(self, plan: Plan, request: Request, timeout: float) -> Outcome:
        """Answer ``request`` following ``plan``, synchronously."""
        deadline = self.clock() + timeout
        progress = _Progress()
        for choice, dep in self._candidates(plan, progress):
            if progress.skip_reason(dep) or self.clock() >= deadline:
                continue
            params = {**request.params, **choice.params}
            retrying = tenacity.Retrying(
                sleep=self.sleep, **retry_strategies(self.retry, deadline, self.clock)
            )
            try:
                for attempt in retrying:
                    with attempt:
                        started = self.clock()
                        try:
                            resp = providers.complete(
                                dep,
                                request.messages,
                                params,
                                timeout=self._timeout_left(deadline),
                                environ=self.environ,
                            )
                        except CostrouteError as exc:
                            self.record(progress, dep, started, None, exc)
                            raise
                        usage = providers.usage_from(getattr(resp, "usage", None))
                        self.record(progress, dep, started, usage, None)
                return Outcome(resp, dep, choice, progress.attempts, usage)
            except ProviderError as exc:
                progress.learn(dep, exc)
        raise self._failed(progress)

    # ---- async -----------------------------------------------------------------------------

    async def arun(self, plan: Plan, request: Request, timeout: float) -> Outcome:
        """Async twin of :meth:`run`."""
        deadline = self.clock() + timeout
        progress = _Progress()
        for choice, dep in self._candidates(plan, progress):
            if progress.skip_reason(dep) or self.clock() >= deadline:
                continue
            params = {**request.params, **choice.params}
            kwargs: dict[str, Any] = retry_strategies(self.retry, deadline, self.clock)
            if self.asleep is not None:
                kwargs["sleep"] = self.asleep
            retrying = tenacity.AsyncRetrying(**kwargs)
            try:
                async for attempt in retrying:
                    with attempt:
                        started = self.clock()
                        try:
                            resp = await providers.acomplete(
                                dep,
                                request.messages,
                                params,
                                timeout=self._timeout_left(deadline),
                                environ=self.environ,
                            )
                        except CostrouteError as exc:
                            self.record(progress, dep, started, None, exc)
                            raise
                        usage = providers.usage_from(getattr(resp, "usage", None))
                        self.record(progress, dep, started, usage, None)
                return Outcome(resp, dep, choice, progress.attempts, usage)
            except ProviderError as exc:
                progress.learn(dep, exc)
        raise self._failed(progress)
