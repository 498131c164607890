"""``pair(strong, weak, ...)``: a RouteLLM-style two-deployment router with a calibrated threshold.

The strong deployment when the difficulty score is at least ``threshold``, the weak one
otherwise; the other one is the fallback. The threshold usually comes from a weights file
calibrated by ``costroute router eval --estimator FILE --target-cost-share S`` (or
``--target-quality Q``), and the policy carries that file's estimator, which the router then
scores requests with (unless it was given an ``estimator=`` of its own).
"""

from __future__ import annotations

import math
import os
from typing import Any

from costroute.difficulty import Estimator, load_estimator
from costroute.errors import ConfigError
from costroute.policy._context import Context
from costroute.policy._rules_policy import Rules
from costroute.policy._where import caller_location
from costroute.policy.rules import Rule, only
from costroute.types import Plan, Request, Signals

__all__ = ["PairPolicy", "pair"]


class _by_threshold(Rule):
    def __init__(self, strong: str, weak: str, threshold: float) -> None:
        self.strong, self.weak, self.threshold = strong, weak, threshold
        self.names, self.where = (weak, strong), caller_location()

    def __call__(self, ctx: Context) -> None:
        d, t = ctx.signals.difficulty, self.threshold
        go = self.strong if d >= t else self.weak
        ctx.reasons.append(
            f"difficulty {d:.3f} {'>=' if d >= t else '<'} threshold {t:.4g} -> {go}"
        )
        ctx.candidates.sort(key=lambda dep: dep.name != go)


class PairPolicy:
    """See :func:`pair`. ``estimator`` is the estimator the threshold was calibrated for."""

    def __init__(
        self,
        strong: str,
        weak: str,
        threshold: float,
        estimator: Estimator | None,
        name: str,
        baseline: str | None,
    ) -> None:
        self.strong, self.weak, self.threshold, self.estimator = strong, weak, threshold, estimator
        self.name = name
        self.baseline = baseline
        self._rules = Rules(
            only(weak, strong) | _by_threshold(strong, weak, threshold),
            name=name,
            max_fallbacks=1,
            baseline=baseline,
        )

    def route(self, request: Request, signals: Signals) -> Plan:
        """Strong at or above the threshold, weak below; the other one as the fallback."""
        return self._rules.route(request, signals)

    def validate(self, deployments: Any) -> None:
        """ConfigError, naming file and line, if ``strong`` or ``weak`` is not a deployment."""
        self._rules.validate(deployments)

    def __repr__(self) -> str:
        est = self.estimator.name if self.estimator is not None else "router's"
        return (
            f"<PairPolicy {self.name!r}: {self.strong} if difficulty >= {self.threshold:.4g} "
            f"else {self.weak}; estimator {est}>"
        )


def _shown(estimator: object) -> object:
    return os.fspath(estimator) if isinstance(estimator, str | os.PathLike) else estimator


def pair(
    strong: str,
    weak: str,
    *,
    threshold: float | None = None,
    estimator: Estimator | str | os.PathLike[str] | None = None,
    name: str = "pair",
    baseline: str | None = None,
) -> PairPolicy:
    """Two deployments: ``strong`` when the difficulty score is >= ``threshold``, else ``weak``.

    ``estimator`` is what :func:`costroute.difficulty.load_estimator` takes (a weights file
    path, a name, or an estimator); without ``threshold`` the threshold calibrated into that
    weights file is used, and the pair it was calibrated for must be (``strong``, ``weak``)
    (a ConfigError otherwise: swapped names would send hard requests to the weak one).
    ``baseline`` defaults to ``strong`` in savings reports.
    """
    est = load_estimator(estimator) if estimator is not None else None
    where = caller_location()
    if threshold is None:
        threshold = getattr(est, "threshold", None)
        cal = getattr(est, "meta", {}).get("calibration", {})
        made_for = (cal.get("strong"), cal.get("weak"))
        if threshold is not None and None not in made_for and made_for != (strong, weak):
            raise ConfigError(
                f"pair({strong!r}, {weak!r}): the threshold in {_shown(estimator)!r} was "
                f"calibrated for strong={made_for[0]!r}, weak={made_for[1]!r} ({where}).",
                field="strong/weak",
                fix="name the deployments as in the calibration (strong first), calibrate the "
                "file for this pair, or pass threshold=... to use only its estimator",
            )
        if threshold is None:
            raise ConfigError(
                f"pair({strong!r}, {weak!r}) has no threshold and estimator "
                f"{_shown(estimator)!r} carries "
                f"no calibrated one ({where}).",
                field="threshold",
                fix="pass threshold=..., or calibrate the weights file first: costroute router "
                "eval --data D --estimator FILE --strong S --weak W --target-cost-share 0.3",
            )
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise ConfigError(
            f"pair(threshold={threshold!r}) is not a number ({where}).",
            field="threshold",
            fix="use a difficulty score, e.g. threshold=0.6",
        )
    if not math.isfinite(threshold) or threshold < 0:
        raise ConfigError(
            f"pair(threshold={threshold!r}) is outside [0, inf) ({where}).",
            field="threshold",
            fix="use a difficulty score, e.g. threshold=0.6 (above 1: never the strong one)",
        )
    if strong == weak:
        raise ConfigError(
            f"pair({strong!r}, {weak!r}) names one deployment twice ({where}).",
            field="strong/weak",
            fix="name two different deployments",
        )
    return PairPolicy(strong, weak, float(threshold), est, name, baseline or strong)
