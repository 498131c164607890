"""``router.rollout``: propose a new router version, shadow it, evaluate, promote, roll back.

A version is what decides each call: the policy and the difficulty estimator
(:class:`~costroute.router._version.RouterVersion`). While a candidate is proposed, every routed
call also plans with it (the same pure step as ``explain()``, no network) and the ledger records
its first choice beside the call; the caller's call is decided by the current version alone.
``evaluate()`` compares the two on the outcomes that arrive for those calls
(:mod:`costroute.router._rollout_eval`), ``promote()`` switches only on a "better" verdict, and
``rollback()`` returns to the version before. Swaps take a lock and replace one reference that
each call reads once, so a call never plans with half of one version and half of another.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import threading
from typing import TYPE_CHECKING, Any

from costroute import difficulty
from costroute.errors import ConfigError, RolloutError
from costroute.policy import Policy, validate_policy
from costroute.policy import presets as policy_presets
from costroute.router._policy import estimator_of, resolve_policy
from costroute.router._rollout_eval import RolloutReport, compare, labelled_calls
from costroute.router._version import Decider, RouterVersion, version_of

if TYPE_CHECKING:
    from costroute.router._base import RouterBase

__all__ = ["Rollout"]

log = logging.getLogger("costroute")


class Rollout:
    """Safe rollout of one router's versions (see docs/learning.md, "Safe rollout").

    >>> router.rollout.propose(LearnedEstimator.load("new.json"), name="nov-weights")  # doctest: +SKIP
    >>> report = router.rollout.evaluate(min_labels=200)                              # doctest: +SKIP
    >>> router.rollout.promote()      # RolloutError unless report.verdict == "better" # doctest: +SKIP
    >>> router.rollout.rollback()     # back to the version before, in one call        # doctest: +SKIP
    """

    def __init__(self, router: RouterBase) -> None:
        self._router = router
        self._lock = threading.Lock()
        self._history: list[Decider] = []
        self._report: RolloutReport | None = None

    @property
    def current(self) -> RouterVersion:
        """The version that decides calls now."""
        return self._router._decider.version

    @property
    def candidate(self) -> RouterVersion | None:
        """The version shadowed now, if one was proposed."""
        shadow = self._router._shadow
        return None if shadow is None else shadow.version

    @property
    def history(self) -> tuple[RouterVersion, ...]:
        """The versions ``rollback()`` returns to, most recent last."""
        return tuple(d.version for d in self._history)

    @property
    def last_report(self) -> RolloutReport | None:
        """The last ``evaluate()`` of the current candidate (None before one, or after a swap)."""
        return self._report

    def propose(self, candidate: Any, *, name: str) -> RouterVersion:
        """Shadow ``candidate`` from the next call on: an Estimator (or what
        ``difficulty.load_estimator`` takes: a name, a weights file, a function) deciding with
        the current policy, or a Policy (an object, a preset name, a ``.py`` policy file)
        deciding with the current estimator (or its own, as ``Router(policy=)`` would).
        Replaces a candidate proposed before. Returns its version."""
        if not isinstance(name, str) or not name.strip() or "@" in name:
            raise ConfigError(
                f"name={name!r} is not a version name.",
                field="name",
                fix="pass a short non-empty name without '@', e.g. name='2026-12-weights'",
            )
        router = self._router
        with self._lock:
            current = router._decider
            decider = _decider(name.strip(), candidate, current, router)
            if decider.version.digest == current.version.digest:
                raise RolloutError(
                    f"Candidate {decider.version} decides exactly like the current version"
                    f" {current.version}: nothing to compare.",
                    field="candidate",
                    fix="propose other weights, parameters or policy",
                )
            router._shadow = decider
            self._report = None
        return decider.version

    def withdraw(self) -> None:
        """Stop shadowing the candidate (the current version goes on deciding)."""
        with self._lock:
            self._router._shadow = None
            self._report = None

    def evaluate(
        self,
        since: dt.datetime | None = None,
        *,
        min_labels: int = 30,
        source: str | None = None,
        confidence: float = 0.95,
        resamples: int = 1000,
        seed: int = 0,
        max_quality_drop: float = 0.0,
    ) -> RolloutReport:
        """Compare the current version and the candidate on the outcomes recorded since
        ``since`` (of ``source`` if given) for calls the current version decided while the
        candidate was shadowed. ``promote()`` acts on the report this returns."""
        shadow = self._router._shadow
        if shadow is None:
            raise _nothing_proposed()
        _check(min_labels, confidence, resamples, max_quality_drop)
        current = self._router._decider
        rows = _ledger(self._router).outcomes(since, source=source)
        calls = labelled_calls(rows, current.label, shadow.label)
        report = compare(
            calls,
            current.version,
            shadow.version,
            min_labels=min_labels,
            confidence=confidence,
            resamples=resamples,
            seed=seed,
            max_quality_drop=max_quality_drop,
        )
        with self._lock:
            if self._router._shadow is shadow and self._router._decider is current:
                self._report = report
        return report

    async def aevaluate(self, since: dt.datetime | None = None, **kwargs: Any) -> RolloutReport:
        """Async twin of :meth:`evaluate` (the ledger read and the bootstrap run in a thread)."""
        return await asyncio.to_thread(self.evaluate, since, **kwargs)

    def promote(self, *, force: bool = False) -> RouterVersion:
        """Make the candidate the current version, if the last evaluation says it beats the
        current one; else a RolloutError saying why. ``force=True`` skips that check (an
        operator's decision; ``rollback()`` still undoes it). Returns the new current version."""
        router = self._router
        with self._lock:
            shadow = router._shadow
            if shadow is None:
                raise _nothing_proposed()
            report = self._report
            if not force and report is None:
                raise RolloutError(
                    f"Candidate {shadow.version} has not been evaluated.",
                    field="rollout.evaluate",
                    fix="call router.rollout.evaluate() once labels have arrived, or promote"
                    "(force=True) to switch without evidence",
                )
            if not force and report is not None and not report.beats:
                raise RolloutError(
                    f"Candidate {shadow.version} does not beat {router._decider.version}:"
                    f" {report.verdict} ({report.reason}).",
                    field="rollout.promote",
                    fix="wait for more labels and evaluate again, withdraw() the candidate, or"
                    " promote(force=True) to switch anyway",
                )
            self._history.append(router._decider)
            router._shadow = None
            router._swap(shadow)
            self._report = None
        log.info("costroute: router version %s promoted", shadow.version)
        return shadow.version

    def rollback(self) -> RouterVersion:
        """Return to the version that decided before the last promotion (any candidate is
        withdrawn). Returns it; a RolloutError when there is none."""
        router = self._router
        with self._lock:
            if not self._history:
                raise RolloutError(
                    f"Version {router._decider.version} is the first: nothing to roll back to.",
                    field="rollout.rollback",
                    fix="rollback() undoes a promote(); propose() another version instead",
                )
            previous = self._history.pop()
            router._shadow = None
            router._swap(previous)
            self._report = None
        log.info("costroute: router rolled back to version %s", previous.version)
        return previous.version

    def __repr__(self) -> str:
        shadow = f" candidate={self.candidate}" if self.candidate else ""
        return f"<Rollout current={self.current}{shadow} history={len(self._history)}>"


def _decider(name: str, candidate: Any, current: Decider, router: RouterBase) -> Decider:
    """The candidate's decider: the new policy or estimator, the current one for the rest."""
    if _is_policy(candidate):
        policy = resolve_policy(candidate, router.deployments)
        validate_policy(policy, router.deployments)
        estimator = (
            current.estimator
            if current.own_estimator
            else estimator_of(policy) or difficulty.default_estimator()
        )
        return Decider(
            version_of(name, policy, estimator), policy, estimator, current.own_estimator
        )
    try:
        estimator = difficulty.load_estimator(candidate)
    except ConfigError:
        raise
    except Exception as exc:
        raise ConfigError(
            f"Cannot propose {candidate!r}: {exc}",
            field="candidate",
            fix="pass an Estimator, a Policy, an estimator name or weights file, or a policy file",
        ) from exc
    version = version_of(name, current.policy, estimator)
    return Decider(version, current.policy, estimator, True)


def _is_policy(candidate: Any) -> bool:
    if isinstance(candidate, str | os.PathLike):
        text = os.fspath(candidate)
        return text.endswith(".py") or text in policy_presets()
    return isinstance(candidate, Policy) and callable(getattr(candidate, "route", None))


def _ledger(router: RouterBase) -> Any:
    from costroute.ledger import Ledger

    if not isinstance(router.ledger, Ledger):
        raise RolloutError(
            "evaluate() reads outcomes from the ledger, and this router keeps none that reports.",
            field="ledger",
            fix='pass Router(ledger="sqlite:///path/ledger.sqlite") or a postgresql:// URL',
        )
    return router.ledger


def _check(min_labels: Any, confidence: Any, resamples: Any, max_drop: Any) -> None:
    def number(value: Any) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool)

    bad = [
        (name, value, want)
        for name, value, ok, want in (
            ("min_labels", min_labels, number(min_labels) and min_labels >= 1, "an int >= 1"),
            ("confidence", confidence, number(confidence) and 0 < confidence < 1, "e.g. 0.95"),
            ("resamples", resamples, number(resamples) and resamples >= 100, "an int >= 100"),
            ("max_quality_drop", max_drop, number(max_drop) and 0 <= max_drop < 1, "e.g. 0.02"),
        )
        if not ok or (name in ("min_labels", "resamples") and not isinstance(value, int))
    ]
    if bad:
        name, value, want = bad[0]
        raise ConfigError(f"evaluate({name}={value!r}) is invalid.", field=name, fix=f"use {want}")


def _nothing_proposed() -> RolloutError:
    return RolloutError(
        "No candidate version is proposed.",
        field="rollout.propose",
        fix="call router.rollout.propose(estimator_or_policy, name=...) first",
    )
