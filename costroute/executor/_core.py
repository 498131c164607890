"""What every run of a plan uses, whole (:class:`~costroute.executor.Executor`) or streamed
(costroute/executor/_stream.py): the deployments and settings, which candidate to try next,
the retries and deadline of its attempts, the record of each attempt, and settling a call that
failed or was abandoned.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any, TypeVar

import tenacity

from costroute import errors
from costroute.catalog import Deployment
from costroute.errors import CostrouteError
from costroute.executor._outcome import Finish, Outcome, Progress
from costroute.executor._retry import RetryConfig, Rng, aretrying, retrying
from costroute.pricing import cost
from costroute.types import Attempt, Choice, Plan, Usage

__all__ = ["ExecutorCore"]

Sleep = Callable[[float], None]
ASleep = Callable[[float], Awaitable[None]]
T = TypeVar("T")
E = TypeVar("E", bound=BaseException)
_Candidate = tuple[Choice, Deployment]


class ExecutorCore:
    """What the runs of plans share; time and sleep are injectable for tests."""

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
        rng: Rng | None = None,
    ) -> None:
        self.deployments = deployments
        self.retry = retry or RetryConfig()
        self.clock = clock
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        self.sleep = sleep
        self.asleep = asleep
        self.environ = environ
        self.rng = rng
        self.on_attempt: Callable[[Attempt], None] | None = None  # the router's Observer
        # costroute.breaker.Breakers, set by the router: a half-open breaker lets one probe in.
        # (Attempt outcomes reach the breakers and latency stats when the call settles.)
        self.breakers: Any = None
        # Set by the router when the breakers live in Redis: the async paths ask them in a
        # worker thread (the sync client works from any thread and any event loop).
        self.offload_breakers = False
        # Set by the router when settling does blocking I/O: the async paths settle (and give
        # reservations back) through it, in a worker thread (asyncio.to_thread); see aoffload.
        self.offload: Callable[..., Awaitable[Any]] | None = None

    # ---- which deployment next ---------------------------------------------------------------

    def candidates(self, plan: Plan, progress: Progress, deadline: float) -> Iterator[_Candidate]:
        """The plan's choices still worth trying, in order, while time is left (no I/O: the
        breaker is asked next, by :meth:`allows` or :meth:`aallows`)."""
        for choice in plan.choices:
            dep = self.deployments[choice.deployment]
            skip = progress.skip_reason(dep)
            if skip is not None:
                progress.notes.append(f"skipped {dep.name}: {skip}")
            elif self.clock() >= deadline:
                progress.notes.append(f"skipped {dep.name}: the deadline passed")
            else:
                yield choice, dep

    def allows(self, dep: Deployment, progress: Progress) -> bool:
        """Whether ``dep``'s breaker lets a call in (a half-open one lets one probe in)."""
        if self.breakers is None or self.breakers.allow(dep.name):
            return True
        progress.notes.append(f"skipped {dep.name}: circuit breaker open")
        return False

    async def aallows(self, dep: Deployment, progress: Progress) -> bool:
        """Async twin of :meth:`allows` (in a worker thread when the breakers are in Redis)."""
        if self.breakers is None or not self.offload_breakers:
            return self.allows(dep, progress)
        return await asyncio.to_thread(self.allows, dep, progress)

    # ---- one attempt -------------------------------------------------------------------------

    def attempts(self, deadline: float) -> tenacity.Retrying:
        """The attempts on one deployment, with this executor's retry settings, sleep and
        randomness: ``for attempt in ex.attempts(deadline): with attempt: ...``."""
        return retrying(self.retry, deadline, self.clock, self.sleep, self.rng)

    def aattempts(self, deadline: float) -> tenacity.AsyncRetrying:
        """Async twin of :meth:`attempts` (``async for attempt in ...``)."""
        return aretrying(self.retry, deadline, self.clock, self.asleep, self.rng)

    def _timeout_left(self, deadline: float) -> float:
        """Seconds left before the deadline, rounded up to 0.1 s.

        litellm caches its HTTP client per timeout value: a value that changes on every call
        (the exact time left) builds a new client each time, about 1 ms. Rounded, a first
        attempt always sends the router's timeout; later attempts overrun by < 0.1 s at most.
        """
        left = deadline - self.clock()
        if left <= 0:
            raise errors.ProviderTimeout(
                "the call's deadline passed before this attempt",
                fix="raise Router(timeout=...) or make fewer attempts (RetryConfig(attempts=...))",
            )
        return math.ceil(left * 10) / 10

    def record(
        self,
        progress: Progress,
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
        if self.on_attempt is not None:
            self.on_attempt(attempt)
        return attempt

    # ---- a call that failed ------------------------------------------------------------------

    def _learn(
        self,
        plan: Plan,
        progress: Progress,
        dep: Deployment,
        exc: errors.ProviderError,
        finish: Finish | None,
    ) -> None:
        """Learn from a deployment's last error; a malformed request is settled and raised."""
        try:
            progress.learn(dep, exc)
        except errors.BadRequestError as bad:
            self.fail(plan, progress, bad, finish)
            raise

    async def _alearn(
        self,
        plan: Plan,
        progress: Progress,
        dep: Deployment,
        exc: errors.ProviderError,
        finish: Finish | None,
    ) -> None:
        """Async twin of :meth:`_learn`."""
        try:
            progress.learn(dep, exc)
        except errors.BadRequestError as bad:
            await self.afail(plan, progress, bad, finish)
            raise

    def _failed(self, plan: Plan, progress: Progress) -> CostrouteError:
        """The error of a plan whose every choice failed: a plan of one choice (a pinned model,
        one capable deployment) raises that deployment's own error (its 429 is a
        RateLimitError); a plan with fallbacks raises AllDeploymentsFailed."""
        if len(plan.choices) == 1 and isinstance(progress.last, errors.ProviderError):
            return progress.last
        cls = errors.AllDeploymentsFailed
        if progress.attempts and all(a.error == "RateLimitError" for a in progress.attempts):
            cls = errors.AllDeploymentsRateLimited  # also an openai.RateLimitError
        return cls(progress.attempts, progress.last, progress.notes)

    def _failure(self, plan: Plan, progress: Progress) -> Outcome:
        """The outcome of a failed call: its attempts (some may have been billed)."""
        name = progress.attempts[-1].deployment if progress.attempts else plan.primary.deployment
        choice = next((c for c in plan.choices if c.deployment == name), plan.primary)
        usage = sum((a.usage for a in progress.attempts), Usage())
        return progress.outcome(None, self.deployments[name], choice, usage)

    def fail(self, plan: Plan, progress: Progress, error: E, finish: Finish | None) -> E:
        """Settle a failed call (its attempts may have been billed) and return the error."""
        if finish is not None and plan.choices:
            finish(self._failure(plan, progress), error)
        return error

    async def afail(self, plan: Plan, progress: Progress, error: E, finish: Finish | None) -> E:
        """Async twin of :meth:`fail`."""
        if finish is not None and plan.choices:
            await self.aoffload(finish, self._failure(plan, progress), error)
        return error

    def abandon(
        self, plan: Plan, progress: Progress, error: BaseException, finish: Finish | None
    ) -> None:
        """An exception the run does not handle (a cancellation, an interrupt) ends the call:
        settle its billed attempts through ``finish``. (The router's fallback for an escaping
        exception is a release, which would record nothing of what the provider billed.)"""
        if any(a.cost_usd for a in progress.attempts):
            self.fail(plan, progress, error, finish)

    async def aabandon(
        self, plan: Plan, progress: Progress, error: BaseException, finish: Finish | None
    ) -> None:
        """Async twin of :meth:`abandon`."""
        if any(a.cost_usd for a in progress.attempts):
            await self.afail(plan, progress, error, finish)

    async def aoffload(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` (settling, a release) from an async path: through :attr:`offload` when
        the router set it (its bookkeeping writes a ledger or Redis), so that the event loop does
        not wait for it."""
        if self.offload is not None:
            return await self.offload(fn, *args)  # type: ignore[no-any-return]
        return fn(*args)
