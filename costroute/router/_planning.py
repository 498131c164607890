"""Steps 3-4 of a routed call: signals, the policy's plan and, while a candidate router
version is shadowed, the candidate's first choice for the same request (no I/O but the
state's signals); per-call policies; the rollout's swap of the deciding version."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, NamedTuple, cast

from costroute.catalog import Deployment
from costroute.difficulty import Estimator
from costroute.errors import InvalidRequestError, MissingAPIKeyError, NoDeploymentAvailable
from costroute.policy import (
    Policy,
    checked_params,
    fit_plan,
    planning,
    refuse_unaccepted,
    screen_params,
)
from costroute.policy import presets as policy_presets
from costroute.router._model_ids import ModelIds
from costroute.router._policy import estimator_of
from costroute.router._state import RouterState
from costroute.router._version import Decider
from costroute.types import Plan, Request, Signals

if TYPE_CHECKING:
    from costroute.router._base import RouterBase
    from costroute.router._rollout import Rollout

__all__ = ["Planned", "Planner"]

log = logging.getLogger("costroute")

_ROLLOUT_MADE = threading.Lock()


class Planned(NamedTuple):
    """What planning gives a call: its plan, the shadowed candidate's ``(version, first
    choice)`` (None: no candidate), and the prompt's embedding when the router keeps them."""

    plan: Plan
    shadow: tuple[str, str | None] | None = None
    embedding: tuple[float, ...] | None = None


class Planner(ModelIds):
    """Mixed into RouterBase: planning over its deployments, state and deciding version."""

    state: RouterState
    policy: Policy
    estimator: Estimator
    environ: Mapping[str, str] | None
    _own_estimator: bool
    keep_embeddings: bool
    _policies: dict[str, Policy]
    _decider: Decider
    _shadow: Decider | None
    rng: Callable[[], float]  # with ``now``, what online rules draw from while a call plans
    now: Callable[[], dt.datetime]
    _rollout: Rollout | None = None

    def _has_key(self, dep: Deployment) -> bool:
        return dep.has_key(self.environ)

    def _plan(self, request: Request, *, explaining: bool = False) -> Plan:
        """Signals and policy for a valid request (steps 3-4); no I/O.

        ``chat()`` and ``explain()`` plan here alike; only when no deployment has a key does
        ``explain()`` (``explaining=True``) plan over all of them instead of raising.
        """
        return self._plan_and_shadow(request, explaining=explaining, shadow=False).plan

    def _plan_and_shadow(
        self, request: Request, *, explaining: bool = False, shadow: bool = True
    ) -> Planned:
        """The plan, (when a candidate version is shadowed and the router's own version
        decided) the candidate's version and first choice for the same request and signals,
        and (``keep_embeddings``) the prompt's embedding the estimator scored it with."""
        decider, candidate = self._decider, self._shadow if shadow else None
        resolved, catalog = self._resolve(request.model)
        if resolved.kind in ("deployment", "model"):
            return Planned(self._pinned_plan(request, resolved, explaining=explaining))
        notes: list[str] = [] if resolved.kind == "auto" else [resolved.reason]
        candidates = list(self.deployments.values())
        if catalog is not None:
            within = [d for d in candidates if d.tier <= catalog.tier]
            if within:
                candidates = within
            else:
                notes.append(f"no deployment at or below tier {catalog.tier}: ceiling not applied")
        keyed = tuple(d for d in candidates if self._has_key(d))
        if not keyed:
            if not explaining:
                first = candidates[0]
                raise MissingAPIKeyError(first.name, first.api_key_env)
            keyed = tuple(candidates)
            notes.append(
                "no API key found for any deployment: planned over all of them"
                " (chat() would raise MissingAPIKeyError)"
            )
        skipped: list[tuple[str, str]] = []
        if checked_params(request):
            refuse_unaccepted(request, self.deployments.values(), self.param_rules)
            kept, skipped = screen_params(request, keyed, self.param_rules, self._strict(request))
            if not kept:
                raise NoDeploymentAvailable(
                    "No deployment accepts the request's parameters",
                    [f"{n}: {w}" for n, w in skipped],
                )
            keyed = tuple(kept)
        policy = self._policy_for(request.policy) if request.policy else decider.policy
        estimator = decider.estimator
        ours = policy is decider.policy
        if not ours and not decider.own_estimator:
            estimator = estimator_of(policy) or estimator
        embedding: tuple[float, ...] | None = None
        embedded = getattr(estimator, "estimate_embedded", None) if self.keep_embeddings else None
        if embedded is not None:  # the estimator's own encoding, kept: no second one
            estimate, embedding = embedded(request.messages)
        else:
            estimate = estimator.estimate(request.messages)
        pressure, pressure_reason, predicted, open_breakers = self.state.signals(request, keyed)
        signals = Signals(
            deployments=keyed,
            difficulty=estimate.score,
            category=estimate.category,
            difficulty_features=estimate.features,
            input_tokens=request.input_tokens_estimate,
            budget_pressure=pressure,
            predicted_latency_ms=predicted,
            open_breakers=open_breakers,
        )
        if explaining:  # online rules play their greedy pick, and count nothing
            plan = policy.route(request, signals)
        else:  # the router's rng and clock, for online rules
            plan = planning(self.rng, self.now, lambda: policy.route(request, signals))
        if ours:
            plan = dataclasses.replace(plan, router_version=decider.label)
        if pressure_reason and not any(pressure_reason in r for r in plan.reasons):
            plan = _with_reason(plan, pressure_reason)
        if notes:
            plan = dataclasses.replace(plan, reasons=(*notes, *plan.reasons))
        if skipped:
            plan = dataclasses.replace(
                plan,
                reasons=(*plan.reasons, *(f"skipped {n}: {w}" for n, w in skipped)),
                rejected=(*plan.rejected, *skipped),
            )
        plan = fit_plan(plan, request, self.deployments, self.param_rules, self._strict(request))
        if len(keyed) + len(skipped) < len(candidates):
            have = {d.name for d in keyed} | {n for n, _ in skipped}
            missing = [d.name for d in candidates if d.name not in have]
            plan = _with_reason(plan, f"no API key for: {', '.join(missing)}")
        if candidate is None or not ours:
            return Planned(plan, None, embedding)
        choice = self._shadow_choice(candidate, request, signals, estimator)
        return Planned(plan, (candidate.label, choice), embedding)

    def _shadow_choice(
        self, candidate: Decider, request: Request, signals: Signals, used: Estimator
    ) -> str | None:
        """The candidate's first choice on the signals the call was planned with (its own
        difficulty estimate); None, and a warning, when it cannot plan. Never raises: the
        caller's call does not depend on it."""
        try:
            if candidate.estimator is not used:
                estimate = candidate.estimator.estimate(request.messages)
                signals = dataclasses.replace(
                    signals,
                    difficulty=estimate.score,
                    category=estimate.category,
                    difficulty_features=estimate.features,
                )
            plan = candidate.policy.route(request, signals)
            plan = fit_plan(
                plan, request, self.deployments, self.param_rules, self._strict(request)
            )
            return plan.primary.deployment
        except Exception as exc:
            log.warning("costroute: candidate version %s could not plan: %s", candidate.label, exc)
            return None

    def _policy_for(self, name: str) -> Policy:
        """A per-call ``policy=``: a preset name or the path of a policy file (loaded once)."""
        found = self._policies.get(name)
        if found is None:
            presets = policy_presets()
            if name in presets:
                found = presets[name]()
            elif name.endswith(".py"):
                from costroute.policy import load_policy  # loaded only for a policy file

                found = load_policy(name, self.deployments)
            else:
                raise InvalidRequestError(
                    f"Unknown policy {name!r}.",
                    field="policy",
                    fix=f"use one of {', '.join(sorted(presets))} or the path of a policy file",
                )
            self._policies[name] = found
        return found

    @property
    def rollout(self) -> Rollout:
        """Safe rollout of router versions: ``propose()`` a candidate estimator or policy
        (shadowed on live calls), ``evaluate()`` it on their outcomes, ``promote()`` it when it
        beats the current version, ``rollback()`` in one call. See docs/learning.md."""
        if self._rollout is None:  # made on first use: a router that never rolls out skips it
            from costroute.router._rollout import Rollout

            with _ROLLOUT_MADE:
                if self._rollout is None:
                    self._rollout = Rollout(cast("RouterBase", self))
        return self._rollout

    def _swap(self, decider: Decider) -> None:
        """Make ``decider`` the one that decides (under the rollout's lock)."""
        self.policy = decider.policy
        self.estimator = decider.estimator
        self._own_estimator = decider.own_estimator
        self._policies[decider.policy.name] = decider.policy
        self._decider = decider


def _with_reason(plan: Plan, reason: str) -> Plan:
    return dataclasses.replace(plan, reasons=(*plan.reasons, reason))
