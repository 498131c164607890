"""Sampled labelling at work: ``router.labeling``, one background thread per router.

On the caller's path only :meth:`Labeler.offer` runs: a few checks, one draw of the router's
``rng``, and a job appended to a bounded queue (dropped and counted when ``max_pending`` jobs
wait or run; the caller never waits). One daemon thread, started on the first sample, runs the
jobs: the reference call, the judge, and the outcome in the ledger. Sync ``chat`` and async
``achat`` share it, so a sample outlives the event loop that answered it (``asyncio.run`` may
return and close its loop while the job runs). Interpreter exit never waits for it (daemon).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from costroute.budget import BudgetManager
from costroute.errors import BudgetExceeded, ConfigError
from costroute.router._grading import grades
from costroute.router._labeling import Checker, ExactMatch, JudgeModel, Labeling
from costroute.router._labeling_calls import (
    answer_text,
    labeling_budget,
    labeling_call,
    restore_labeling,
)
from costroute.types import CallInfo, Request

if TYPE_CHECKING:
    from costroute.router._router import Router

__all__ = ["Labeler", "LabelingStats", "answer_text", "labeler_for"]

log = logging.getLogger("costroute")


@dataclass(frozen=True, slots=True)
class LabelingStats:
    """What sampled labelling did so far (this process).

    ``sampled``: calls drawn for labelling; ``dropped``: samples not run because
    ``max_pending`` were waiting (or the labeler was closed); ``refused``: samples the
    labelling budget refused (before any provider call); ``failed``: samples whose reference
    call, judge or outcome write failed (logged); ``labeled``: outcomes stored.
    """

    sampled: int = 0
    dropped: int = 0
    refused: int = 0
    failed: int = 0
    labeled: int = 0


class _Job(NamedTuple):
    request: Request
    request_id: str
    answer: str
    other: str  # the deployment asked again: the reference, or the challenger


class Labeler:
    """``router.labeling``: the sampler, its queue and its worker thread.

    ``wait()`` (``await await_()``) returns once no sample waits or runs; ``close()`` drops
    the waiting ones and lets the running one finish in the background.
    """

    def __init__(
        self,
        router: Router,
        config: Labeling,
        reference: str,
        budget: BudgetManager,
        rng: Callable[[], float],
        challenger: str | None = None,
    ) -> None:
        self.config = config
        self.reference = reference
        self.challenger = challenger
        self.budget = budget
        self._router = router
        self._rng = rng
        self._judge_name = _judge_name(config)
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._cond = threading.Condition()
        self._jobs: deque[_Job] = deque()
        self._pending = 0
        self._thread: threading.Thread | None = None
        self._closed = False
        self._stats = LabelingStats()

    def __repr__(self) -> str:
        return (
            f"<Labeler fraction={self.config.fraction} reference={self.reference!r}"
            f" judge={self._judge_name} pending={self._pending}>"
        )

    @property
    def stats(self) -> LabelingStats:
        """The counts so far (a snapshot)."""
        with self._cond:
            return self._stats

    @property
    def pending(self) -> int:
        """Samples waiting or running now."""
        with self._cond:
            return self._pending

    def _count(self, name: str) -> None:
        with self._cond:
            self._stats = dataclasses.replace(self._stats, **{name: getattr(self._stats, name) + 1})

    # ---- on the caller's path ----------------------------------------------------------------

    def offer(self, request: Request, info: CallInfo, answer: str | None) -> bool:
        """Draw whether this answered call (its answer's text; None: no text, e.g. tool calls
        or a stream the caller closed) is labelled; queue it if so. Never blocks, never raises
        for the caller; True when a job was queued."""
        other = self.reference if info.deployment != self.reference else self.challenger
        if info.cached or answer is None or other is None:
            return False
        if not self._rng() < self.config.fraction:
            return False
        if self._pid != os.getpid():  # a forked child: the parent's thread is not here
            self._reset()
        with self._cond:
            self._stats = dataclasses.replace(self._stats, sampled=self._stats.sampled + 1)
            if self._closed or self._pending >= self.config.max_pending:
                self._stats = dataclasses.replace(self._stats, dropped=self._stats.dropped + 1)
                return False
            self._jobs.append(_Job(request, info.request_id, answer, other))
            self._pending += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="costroute-labeling", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()
        return True

    # ---- waiting and closing -----------------------------------------------------------------

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no sample waits or runs (or ``timeout`` seconds); True when idle."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending == 0, timeout)

    async def await_(self, timeout: float | None = None) -> bool:
        """Async twin of :meth:`wait` (waits in a worker thread, not on the event loop)."""
        return await asyncio.to_thread(self.wait, timeout)

    def close(self, timeout: float | None = 0.0) -> bool:
        """Take no more samples; drop the waiting ones (counted as ``dropped``); wait up to
        ``timeout`` seconds (None: until done) for the running one. True when idle."""
        with self._cond:
            self._closed = True
            dropped = len(self._jobs)
            self._jobs.clear()
            self._pending -= dropped
            self._stats = dataclasses.replace(self._stats, dropped=self._stats.dropped + dropped)
            self._cond.notify_all()
        return self.wait(timeout)

    # ---- in the worker thread ----------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._jobs and not self._closed:
                    self._cond.wait()
                if not self._jobs:
                    self._thread = None
                    return
                job = self._jobs.popleft()
            try:
                self._count(self._label(job))
            except Exception:  # a bug of ours: logged, the worker lives on
                log.exception("costroute: labelling of %s failed", job.request_id)
                self._count("failed")
            finally:
                with self._cond:
                    self._pending -= 1
                    self._cond.notify_all()

    def _label(self, job: _Job) -> str:
        """Run one sample; the name of the count it adds to."""
        router = self._router
        params = {k: v for k, v in job.request.params.items() if k != "stream_options"}
        cap = job.request.max_output_tokens
        if cap is None and self.config.max_output_tokens is not None:
            cap = params["max_tokens"] = self.config.max_output_tokens
        again = dataclasses.replace(
            job.request,
            params=params,
            max_output_tokens=cap,
            model=job.other,
            stream=False,
            max_cost_usd=None,
            latency_target_ms=None,
            policy=None,
        )
        try:
            reference = answer_text(labeling_call(router, again, self.budget))
            if reference is None:
                raise ValueError(f"{job.other} gave no text")
            found = grades(
                router, self.config.judge, job.request, job.answer, job.other, reference,
                self.budget,
            )  # fmt: skip
        except BudgetExceeded as exc:
            log.info("costroute: labelling of %s refused by its budget: %s", job.request_id, exc)
            return "refused"
        except Exception as exc:
            log.warning("costroute: labelling of %s failed: %s", job.request_id, exc)
            return "failed"
        note = f"reference={job.other} judge={self._judge_name}"
        try:
            for source, graded, score in found:
                router.feedback(job.request_id, score, source=source, note=note, deployment=graded)
        except Exception as exc:
            log.warning(
                "costroute: the judge's outcome of %s was not stored: %s", job.request_id, exc
            )
            return "failed"
        return "labeled"


def _judge_name(config: Labeling) -> str:
    judge = config.judge
    if isinstance(judge, ExactMatch):
        return "exact"
    if isinstance(judge, JudgeModel):
        return f"model:{judge.deployment}"
    if isinstance(judge, Checker):
        return f"checker:{judge.source}"
    return getattr(judge, "__name__", None) or type(judge).__name__


def labeler_for(router: Router, labeling: Labeling, wall_clock: Callable[[], float]) -> Labeler:
    """``router.labeling``, once ``labeling`` is checked against the router: a ledger that keeps
    outcomes, a reference and a judge deployment among its deployments (ConfigError naming the
    field otherwise); its budget restored from the ledger's labelling spend."""
    from costroute.ledger import Ledger

    if not isinstance(router.ledger, Ledger):
        raise ConfigError(
            "Labeling stores each judgement as an outcome in the ledger, and this router"
            " keeps none that stores outcomes.",
            field="labeling",
            fix='give the router a SQL ledger (ledger="sqlite:///path/ledger.sqlite", a'
            " postgresql:// URL, or COSTROUTE_LEDGER_URL), or leave labeling out",
        )
    deployments = router.deployments
    reference = router.baseline.name if labeling.reference == "baseline" else labeling.reference
    names = ", ".join(sorted(deployments))
    if reference not in deployments:
        raise ConfigError(
            f"The labelling reference {reference!r} is not a deployment of this router.",
            field="labeling.reference",
            fix=f"use one of {names} (or 'baseline' when the baseline is one of them)",
        )
    judge = labeling.judge
    if isinstance(judge, JudgeModel) and judge.deployment not in deployments:
        raise ConfigError(
            f"The judge deployment {judge.deployment!r} is not a deployment of this router.",
            field="labeling.judge.deployment",
            fix=f"use one of {names}",
        )
    challenger = labeling.challenger
    if challenger is not None and (
        challenger not in deployments or challenger == reference or not isinstance(judge, Checker)
    ):
        raise ConfigError(
            f"The labelling challenger {challenger!r} is not another deployment of this router"
            " graded by a Checker.",
            field="labeling.challenger",
            fix=f"use one of {names} other than the reference {reference!r}, with"
            " judge=Checker(...) (a comparing judge needs the reference as the answer"
            " to compare with), or leave challenger out",
        )
    budget = labeling_budget(router.state, labeling.limits, wall_clock)
    restore_labeling(router.state, budget, router.ledger)
    return Labeler(router, labeling, reference, budget, router.rng, challenger)
