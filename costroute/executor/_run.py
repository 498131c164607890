"""Run a plan: try each choice with retries, fall back to the next, keep every attempt.

Fallback rules: a context-window error only falls back to a deployment with a larger window;
401/403/404 move on to another provider and are logged at warning level; a malformed request
(400) is not retried anywhere and surfaces at once. One deadline covers every attempt and wait.
When every choice failed, a plan of one choice raises that deployment's own error, a plan with
fallbacks raises AllDeploymentsFailed. What a run uses on the way is in
costroute/executor/_core.py, shared with the streamed runs.
"""

from __future__ import annotations

from typing import Any

from costroute import errors, providers
from costroute.catalog import Deployment
from costroute.errors import CostrouteError
from costroute.executor._core import ExecutorCore
from costroute.executor._cover import Cover, Uncovered, acover_next, cover_next, refused
from costroute.executor._outcome import Finish, Outcome, Progress
from costroute.executor._params import call_params
from costroute.types import Choice, Plan, Request

__all__ = ["Executor", "Outcome"]


class Executor(ExecutorCore):
    """Runs plans against deployments; time and sleep are injectable for tests."""

    def _answered(
        self, progress: Progress, choice: Choice, dep: Deployment, started: float, resp: Any
    ) -> Outcome:
        """Record an attempt that answered: the outcome of the call."""
        usage = providers.usage_from(getattr(resp, "usage", None))
        self.record(progress, dep, started, usage, None)
        choices: Any = getattr(resp, "choices", None) or ()
        finish = getattr(choices[0], "finish_reason", None) if len(choices) == 1 else None
        return progress.outcome(resp, dep, choice, usage, finish)

    # ---- sync ------------------------------------------------------------------------------

    def run(
        self,
        plan: Plan,
        request: Request,
        timeout: float,
        finish: Finish | None = None,
        cover: Cover | None = None,
    ) -> Outcome:
        """Answer ``request`` following ``plan``, synchronously.

        ``cover`` (the call's budget reservation) is asked before every attempt; when it
        cannot cover one, the call stops with its error and what was billed is settled.
        """
        deadline = self.clock() + timeout
        progress = Progress()
        stopped: BaseException | None = None
        for choice, dep in self.candidates(plan, progress, deadline):
            if not self.allows(dep, progress):
                continue
            params = call_params(request, choice)
            try:
                for attempt in self.attempts(deadline):
                    with attempt:
                        timeout = self._timeout_left(deadline)
                        cover_next(cover, progress.attempts, choice, dep)
                        started = self.clock()
                        try:
                            resp = providers.complete(
                                dep, request.messages, params, timeout=timeout, environ=self.environ
                            )
                        except CostrouteError as exc:
                            self.record(progress, dep, started, None, exc)
                            raise
                return self._answered(progress, choice, dep, started, resp)
            except errors.ProviderError as exc:
                self._learn(plan, progress, dep, exc, finish)
            except Uncovered as stop:
                stopped = refused(stop, progress.attempts)
                break
            except BaseException as exc:
                self.abandon(plan, progress, exc, finish)
                raise
        raise self.fail(plan, progress, stopped or self._failed(plan, progress), finish)

    # ---- async -----------------------------------------------------------------------------

    async def arun(
        self,
        plan: Plan,
        request: Request,
        timeout: float,
        finish: Finish | None = None,
        cover: Cover | None = None,
    ) -> Outcome:
        """Async twin of :meth:`run`."""
        deadline = self.clock() + timeout
        progress = Progress()
        stopped: BaseException | None = None
        for choice, dep in self.candidates(plan, progress, deadline):
            if not await self.aallows(dep, progress):
                continue
            params = call_params(request, choice)
            try:
                async for attempt in self.aattempts(deadline):
                    with attempt:
                        timeout = self._timeout_left(deadline)
                        await acover_next(cover, progress.attempts, choice, dep)
                        started = self.clock()
                        try:
                            resp = await providers.acomplete(
                                dep, request.messages, params, timeout=timeout, environ=self.environ
                            )
                        except CostrouteError as exc:
                            self.record(progress, dep, started, None, exc)
                            raise
                return self._answered(progress, choice, dep, started, resp)
            except errors.ProviderError as exc:
                await self._alearn(plan, progress, dep, exc, finish)
            except Uncovered as stop:
                stopped = refused(stop, progress.attempts)
                break
            except BaseException as exc:
                await self.aabandon(plan, progress, exc, finish)
                raise
        raise await self.afail(plan, progress, stopped or self._failed(plan, progress), finish)
