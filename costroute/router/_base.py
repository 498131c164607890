"""The part of the router that does no I/O: configuration, planning and settling.

``Router`` (sync and async twins) builds on it; ``Router.explain()`` is this part alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import os
import time
import warnings
from collections.abc import Awaitable, Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from costroute import difficulty, pricing, providers
from costroute._ids import new_id
from costroute._request import build_request, prompt_text
from costroute.breaker import BreakerConfig
from costroute.budget import Budget
from costroute.cache import ResponseCache, cache_key, open_cache
from costroute.catalog import (
    DEFAULT_BASELINE,
    MODEL_IDS_MODES,
    Deployment,
    ModelId,
    ParamRules,
    accepted_model_ids,
    default_deployments,
    known,
    known_names,
    resolve_model_id,
)
from costroute.errors import (
    ConfigError,
    InvalidRequestError,
    MissingAPIKeyError,
    NoDeploymentAvailable,
    UnknownDeploymentError,
)
from costroute.executor import Executor, Outcome, RetryConfig
from costroute.policy import (
    PARAMS_MODES,
    Policy,
    checked_params,
    fit_plan,
    incapable_reason,
    load_policy,
    refuse_unaccepted,
    screen_params,
    validate_policy,
)
from costroute.policy import presets as policy_presets
from costroute.router._policy import estimator_of, resolve_policy
from costroute.router._state import RouterState
from costroute.types import CallInfo, Choice, Plan, Request, Signals, Usage

__all__ = ["ModelDeprecationWarning", "RouterBase"]

log = logging.getLogger("costroute")

ZERO = Decimal(0)


class ModelDeprecationWarning(UserWarning):
    """A deployment's model is past its provider's deprecation date."""


def _index(deployments: Iterable[Deployment]) -> dict[str, Deployment]:
    out: dict[str, Deployment] = {}
    for dep in deployments:
        if not isinstance(dep, Deployment):
            raise ConfigError(
                f"deployments must hold costroute.Deployment objects, got {type(dep).__name__}.",
                field="deployments",
                fix="build each with costroute.Deployment(...) or costroute.catalog.known(...)",
            )
        if dep.name in out:
            raise ConfigError(
                f"Two deployments are named {dep.name!r}.",
                field="deployments",
                fix="give every deployment a unique name",
            )
        out[dep.name] = dep
    if not out:
        raise ConfigError("No deployments.", field="deployments", fix="give at least one")
    return out


def _pick_baseline(deployments: Mapping[str, Deployment], name: str | None) -> Deployment:
    if name is not None:
        if name in deployments:
            return deployments[name]
        if name in known_names():
            return known(name)
        raise ConfigError(
            f"Baseline {name!r} is neither a deployment of this router nor a pinned model.",
            field="baseline",
            fix=f"use one of {', '.join(sorted(deployments))}",
        )
    if DEFAULT_BASELINE in deployments:
        return deployments[DEFAULT_BASELINE]
    return max(deployments.values(), key=lambda d: (d.tier, d.prices.output, d.prices.input))


class RouterBase:
    """Configuration, planning and settlement; no network."""

    def __init__(
        self,
        deployments: Iterable[Deployment] | None = None,
        *,
        policy: Policy | str | os.PathLike[str] | None = None,
        baseline: str | None = None,
        estimator: Any = None,
        timeout: float = 120.0,
        retry: RetryConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], dt.datetime] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        asleep: Callable[[float], Awaitable[None]] | None = None,
        rng: Callable[[], float] | None = None,
        environ: Mapping[str, str] | None = None,
        cache: Any = None,
        store: Any = None,
        budget: Budget | None = None,
        on_store_failure: str = "closed",
        store_max_connections: int | None = None,
        store_pool_timeout_s: float | None = None,
        breakers: BreakerConfig | None = None,
        wall_clock: Callable[[], float] = time.time,
        params: str = "drop",
        model_ids: str = "strict",
        param_rules: Callable[[Deployment], ParamRules] | None = None,
    ) -> None:
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise ConfigError(
                f"timeout={timeout!r} is invalid.", field="timeout", fix="use seconds > 0"
            )
        if on_store_failure not in ("closed", "open"):
            raise ConfigError(
                f"on_store_failure={on_store_failure!r}.",
                field="on_store_failure",
                fix="use 'closed' (refuse calls while Redis is down) or 'open' (serve and warn)",
            )
        if params not in PARAMS_MODES:
            raise ConfigError(
                f"params={params!r}.",
                field="params",
                fix="use 'drop' (a deployment that cannot take a sampling hint such as"
                " temperature gets the call without it) or 'strict' (it is skipped)",
            )
        if model_ids not in MODEL_IDS_MODES:
            raise ConfigError(
                f"model_ids={model_ids!r}.",
                field="model_ids",
                fix="use 'strict' (an unknown model= raises) or 'route' (it routes as 'auto')",
            )
        self.params_mode = params
        self.model_ids = model_ids
        # Which OpenAI parameters each deployment accepts; read from litellm (once per model)
        # only for a request that sets one.
        self.param_rules: Callable[[Deployment], ParamRules] = param_rules or providers.param_rules
        self._model_ids: dict[str, tuple[ModelId, Deployment | None]] = {}
        self.deployments = _index(default_deployments() if deployments is None else deployments)
        self.policy: Policy = resolve_policy(policy, self.deployments)
        validate_policy(self.policy, self.deployments)
        self.baseline = _pick_baseline(
            self.deployments, baseline or getattr(self.policy, "baseline", None)
        )
        self._own_estimator = estimator is not None
        self.estimator = (
            difficulty.load_estimator(estimator)
            if estimator is not None
            else estimator_of(self.policy) or difficulty.default_estimator()
        )
        self.timeout = float(timeout)
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        self.environ = environ
        self.executor = Executor(
            self.deployments,
            retry=retry,
            clock=clock,
            now=self.now,
            sleep=sleep,
            asleep=asleep,
            environ=environ,
            rng=rng,
        )
        self.cache: ResponseCache | None = open_cache(cache)
        options: dict[str, Any] = {
            "breakers": breakers,
            "max_connections": store_max_connections,
            "pool_timeout_s": store_pool_timeout_s,
        }
        if on_store_failure != "closed":
            options["on_failure"] = on_store_failure
        self.state = RouterState(
            self.deployments, store=store, budget=budget, wall_clock=wall_clock, **options
        )
        self.executor.breakers = self.state.breakers
        self._policies: dict[str, Policy] = {self.policy.name: self.policy}
        self._hit_plans: dict[tuple[str, str], Plan] = {}
        self._warn_deprecated()

    def _warn_deprecated(self) -> None:
        today = self.now().date()
        for dep in self.deployments.values():
            notice = dep.deprecation_notice(today)
            if notice:
                warnings.warn(notice, ModelDeprecationWarning, stacklevel=4)

    # ---- planning (pure) ---------------------------------------------------------------------

    def _has_key(self, dep: Deployment) -> bool:
        return dep.has_key(self.environ)

    def _prepare(
        self, messages: Any, kwargs: Mapping[str, Any], *, explaining: bool = False
    ) -> tuple[Request, Plan]:
        request = build_request(messages, kwargs)
        return request, self._plan(request, explaining=explaining)

    def _plan(self, request: Request, *, explaining: bool = False) -> Plan:
        """Signals and policy for a valid request (steps 3-4); no I/O.

        ``chat()`` and ``explain()`` plan here alike; only when no deployment has a key does
        ``explain()`` (``explaining=True``) plan over all of them instead of raising.
        """
        resolved, catalog = self._resolve(request.model)
        if resolved.kind in ("deployment", "model"):
            return self._pinned_plan(request, resolved, explaining=explaining)
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
        policy = self._policy_for(request.policy) if request.policy else self.policy
        estimator = self.estimator
        if policy is not self.policy and not self._own_estimator:
            estimator = estimator_of(policy) or estimator
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
        plan = policy.route(request, signals)
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
        return plan

    def _strict(self, request: Request) -> bool:
        return (request.params_mode or self.params_mode) == "strict"

    def _resolve(self, model: str) -> tuple[ModelId, Deployment | None]:
        """What ``model=`` means here (docs/api.md, "model ids"), with its catalog model."""
        found = self._model_ids.get(model)
        if found is None:
            resolved = resolve_model_id(model, self.deployments)
            if resolved.kind == "unknown" and self.model_ids == "strict":
                raise UnknownDeploymentError(
                    model,
                    accepted_model_ids(self.deployments),
                    message=f"model={model!r} names no deployment, model or catalog model.",
                    fix=(
                        f"use one of {', '.join(accepted_model_ids(self.deployments))}, a"
                        " catalog model (`costroute models --all`), or build the Router with"
                        " model_ids='route' to route unknown model ids as 'auto'"
                    ),
                )
            catalog = None
            if resolved.catalog is not None:
                catalog = known(resolved.catalog.partition("/")[2] or resolved.catalog)
            found = (resolved, catalog)
            if len(self._model_ids) < 1024:  # a caller's stream of odd ids cannot grow it
                self._model_ids[model] = found
        return found

    def _baseline_for(self, request: Request) -> Deployment:
        """The call's baseline: a catalog ``model=`` (rule 4), else the router's."""
        if request.model == "auto":
            return self.baseline
        try:
            catalog = self._resolve(request.model)[1]
        except UnknownDeploymentError:  # a cache hit settles without a plan: never raise here
            return self.baseline
        return catalog if catalog is not None else self.baseline

    def _policy_for(self, name: str) -> Policy:
        """A per-call ``policy=``: a preset name or the path of a policy file (loaded once)."""
        found = self._policies.get(name)
        if found is None:
            presets = policy_presets()
            if name in presets:
                found = presets[name]()
            elif name.endswith(".py"):
                found = load_policy(name, self.deployments)
            else:
                raise InvalidRequestError(
                    f"Unknown policy {name!r}.",
                    field="policy",
                    fix=f"use one of {', '.join(sorted(presets))} or the path of a policy file",
                )
            self._policies[name] = found
        return found

    def _pinned_plan(self, request: Request, resolved: ModelId, *, explaining: bool) -> Plan:
        deps = [self.deployments[name] for name in resolved.deployments]
        reasons = [resolved.reason]
        keyed = [d for d in deps if self._has_key(d)]
        if not keyed:
            if not explaining:
                raise MissingAPIKeyError(deps[0].name, deps[0].api_key_env)
            keyed = deps
            reasons.append(
                f"no API key for {', '.join(d.name for d in deps)}"
                " (chat() would raise MissingAPIKeyError)"
            )
        whys = [(d, incapable_reason(request, d)) for d in keyed]
        capable = [d for d, why in whys if why is None]
        if not capable:
            raise NoDeploymentAvailable(
                f"Pinned deployment {deps[0].name!r} cannot serve this",
                [why if len(whys) == 1 else f"{d.name}: {why}" for d, why in whys if why],
            )
        refuse_unaccepted(request, self.deployments.values(), self.param_rules)
        plan = Plan(
            choices=tuple(
                Choice(deployment=d.name, reasons=("pinned by model=",)) for d in capable
            ),
            policy="pinned",
            difficulty=0.0,
            reasons=tuple(reasons),
        )
        return fit_plan(plan, request, self.deployments, self.param_rules, self._strict(request))

    def explain(self, messages: Any, **kwargs: Any) -> Plan:
        """The plan ``chat()`` would follow for this request, with its reasons; no network
        call, nothing recorded, no key needed (without any, it plans over every deployment and
        a reason says so)."""
        return self._prepare(messages, kwargs, explaining=True)[1]

    # ---- settling --------------------------------------------------------------------------

    def _settle(
        self,
        request: Request,
        plan: Plan,
        outcome: Outcome,
        started: float,
        request_id: str,
    ) -> CallInfo:
        dep = outcome.deployment
        cost = sum((a.cost_usd for a in outcome.attempts), ZERO)
        reference = self._baseline_for(request)
        if outcome.baseline_usd is not None:
            baseline = outcome.baseline_usd
        else:
            baseline = pricing.baseline_cost(outcome.usage, reference.prices, self.now())
        ttft = outcome.attempts[-1].ttft_ms if outcome.attempts else None
        return CallInfo(
            request_id=request_id,
            deployment=dep.name,
            model=dep.model,
            provider=dep.provider,
            policy=plan.policy,
            difficulty=plan.difficulty,
            category=plan.category,
            reasons=(*plan.reasons, *outcome.notes) if outcome.notes else plan.reasons,
            cost_usd=cost,
            baseline_model=reference.name,
            baseline_cost_usd=baseline,
            usage=outcome.usage,
            attempts=tuple(outcome.attempts),
            latency_ms=(self.executor.clock() - started) * 1000.0,
            ttft_ms=ttft,
            cached=outcome.cached,
        )

    # ---- response cache --------------------------------------------------------------------

    def _policy_name(self, request: Request) -> str:
        """The policy the call routes under (its own ``policy=`` or the router's): part of the
        cache key, and what a hit under that key reports."""
        return request.policy or self.policy.name

    def _cache_key(self, request: Request, per_call: Any, policy: str) -> str | None:
        """The request's cache key under ``policy``, or None when this call does not use the
        cache."""
        if self.cache is None or per_call is False:
            return None
        if per_call not in (None, True):
            raise InvalidRequestError(
                f"cache={per_call!r} is invalid.", field="cache", fix="pass cache=False or omit it"
            )
        return cache_key(request, request.tenant, policy, request.model)

    def _lookup(self, key: str, policy: str) -> tuple[dict[str, Any], Deployment, Plan] | None:
        """A usable entry for ``key``: its deployment still exists here and it is whole; its
        plan reports ``policy``, the one the key was made under."""
        assert self.cache is not None
        try:
            entry = self.cache.get(key)
        except Exception as exc:  # a cache outage is a miss, never a failed call
            log.warning("costroute: response cache lookup failed: %s", exc)
            return None
        if entry is None or entry.get("v") != 1:
            return None
        dep = self.deployments.get(entry.get("deployment", ""))
        if dep is None or "response" not in entry:
            return None
        return entry, dep, self._hit_plan(dep, policy)

    def _hit_plan(self, dep: Deployment, policy: str) -> Plan:
        plan = self._hit_plans.get((dep.name, policy))
        if plan is None:
            reason = f"response cache hit: stored answer of {dep.name}, no provider call"
            plan = Plan(
                choices=(Choice(deployment=dep.name, reasons=(reason,)),),
                policy=policy,
                difficulty=0.0,
                reasons=(reason,),
            )
            self._hit_plans[(dep.name, policy)] = plan
        return plan

    @staticmethod
    def _hit_outcome(entry: dict[str, Any], dep: Deployment, plan: Plan) -> Outcome:
        """A hit settles like a call with no attempts: cost 0, the stored call's baseline."""
        return Outcome(
            None,
            dep,
            plan.primary,
            [],
            Usage(),
            cached=True,
            baseline_usd=Decimal(entry["baseline_usd"]),
        )

    @staticmethod
    def _new_id() -> str:
        """A request id unique across threads, processes and forks (see costroute._ids)."""
        return new_id()

    @staticmethod
    def _prompt_hash(request: Request) -> str:
        return hashlib.sha256(prompt_text(request.messages).encode()).hexdigest()

    def __repr__(self) -> str:
        names = ", ".join(self.deployments)
        return f"<Router policy={self.policy.name!r} baseline={self.baseline.name!r} [{names}]>"


def _with_reason(plan: Plan, reason: str) -> Plan:
    return dataclasses.replace(plan, reasons=(*plan.reasons, reason))
