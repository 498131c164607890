"""What a call's ``model=`` means for the router (docs/api.md, "Model ids"): resolving it
(cached per id), the savings baseline it sets, and the plan of a pinned deployment."""

from __future__ import annotations

from collections.abc import Callable

from costroute.catalog import (
    Deployment,
    ModelId,
    ParamRules,
    accepted_model_ids,
    known,
    resolve_model_id,
)
from costroute.errors import MissingAPIKeyError, NoDeploymentAvailable, UnknownDeploymentError
from costroute.policy import fit_plan, incapable_reason, refuse_unaccepted
from costroute.types import Choice, Plan, Request

__all__ = ["ModelIds"]


class ModelIds:
    """Mixed into RouterBase: ``model=`` resolution over its deployments and settings."""

    deployments: dict[str, Deployment]
    baseline: Deployment
    model_ids: str
    params_mode: str
    param_rules: Callable[[Deployment], ParamRules]
    _model_ids: dict[str, tuple[ModelId, Deployment | None]]
    _has_key: Callable[[Deployment], bool]  # Planner's method

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
