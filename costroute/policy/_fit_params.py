"""Fit a request's parameters to each deployment of a plan: drop, skip or refuse.

Pure functions over :class:`~costroute.catalog.ParamRules` (the router injects the lookup
that reads them from litellm). The rules (docs/deployments.md, "Request parameters"):

1. A parameter no deployment of the router accepts (at that value) is an
   :class:`~costroute.errors.InvalidRequestError` naming it, before any network call.
2. A deployment that cannot take a parameter outside :data:`~costroute.catalog.HINTS`
   (``n``, ``tools``, ``stop`` ...) is skipped, with the reason: dropping it would change the
   answer's shape.
3. A hint (``temperature``, ``seed``, penalties ...) such a deployment cannot take is dropped
   for that deployment only (``Choice.dropped``), and the plan says so; with
   ``params="strict"`` the deployment is skipped instead.

A policy never sees a deployment rule 2 (or, strict, rule 3) removes, so it plans over the
rest; the check runs again on each choice with the parameters the policy set for it (a
``reasoning_effort`` can fix a reasoning model's ``temperature``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from costroute.catalog import CHECKED_PARAMS, HINTS, Deployment, ParamRules
from costroute.errors import InvalidRequestError, NoDeploymentAvailable
from costroute.types import Choice, Plan, Request

__all__ = [
    "PARAMS_MODES",
    "RulesOf",
    "checked_params",
    "fit_plan",
    "refuse_unaccepted",
    "screen_params",
]

RulesOf = Callable[[Deployment], ParamRules]
"""``rules_of(deployment) -> ParamRules``: which parameters the deployment accepts."""

PARAMS_MODES = ("drop", "strict")
"""``params=``: ``"drop"`` (the default) drops a hint per deployment; ``"strict"`` skips it."""

_Refusal = tuple[str, Any, str]  # (parameter, value, why)


def checked_params(request: Request) -> dict[str, Any]:
    """The request's parameters litellm checks per model (often none: then nothing to fit)."""
    return {k: v for k, v in request.params.items() if k in CHECKED_PARAMS and v is not None}


def _shown(name: str, value: Any) -> str:
    text = repr(value)
    return f"{name}={text if len(text) <= 40 else text[:37] + '...'}"


def _refusals(
    dep: Deployment,
    rules: ParamRules,
    params: Mapping[str, Any],
    request: Request,
    chosen: Mapping[str, Any],
) -> list[_Refusal]:
    """What ``dep`` refuses of ``params`` (the caller's, less those the policy set itself)."""
    sent = {**dep.params, **request.params, **chosen}
    out: list[_Refusal] = []
    for name, value in params.items():
        if name in chosen:
            continue
        why = rules.refusal(name, value, sent)
        if why is not None:
            out.append((name, value, why))
    return out


def _blocking(refused: Sequence[_Refusal], strict: bool) -> list[_Refusal]:
    return [r for r in refused if strict or r[0] not in HINTS]


def _skip_reason(refused: Sequence[_Refusal], strict: bool) -> str:
    text = "; ".join(f"{_shown(n, v)} not accepted ({why})" for n, v, why in refused)
    if strict and any(n in HINTS for n, _, _ in refused):
        text += "; params='strict'"
    return text


def refuse_unaccepted(
    request: Request, deployments: Iterable[Deployment], rules_of: RulesOf
) -> None:
    """InvalidRequestError naming the first parameter no deployment accepts (rule 1)."""
    params = checked_params(request)
    if not params:
        return
    deps = list(deployments)
    refused_by: dict[str, list[str]] = {name: [] for name in params}
    for dep in deps:
        for name, _, why in _refusals(dep, rules_of(dep), params, request, {}):
            refused_by[name].append(f"{dep.name} {why}")
    for name, whys in refused_by.items():
        if len(whys) == len(deps):
            raise InvalidRequestError(
                f"No deployment of this router accepts {_shown(name, params[name])}: "
                + "; ".join(whys)
                + ".",
                field=name,
                fix=f"remove {name}, change its value, or add a deployment that accepts it",
            )


def screen_params(
    request: Request, deployments: Sequence[Deployment], rules_of: RulesOf, strict: bool
) -> tuple[list[Deployment], list[tuple[str, str]]]:
    """``(kept, [(skipped, why)])``: the deployments rules 2 and 3 leave to the policy."""
    params = checked_params(request)
    if not params:
        return list(deployments), []
    kept: list[Deployment] = []
    skipped: list[tuple[str, str]] = []
    for dep in deployments:
        blocking = _blocking(_refusals(dep, rules_of(dep), params, request, {}), strict)
        if blocking:
            skipped.append((dep.name, _skip_reason(blocking, strict)))
        else:
            kept.append(dep)
    return kept, skipped


def fit_plan(
    plan: Plan,
    request: Request,
    deployments: Mapping[str, Deployment],
    rules_of: RulesOf,
    strict: bool,
) -> Plan:
    """The plan with each choice's dropped hints set, and the choices that cannot take the
    request (with the policy's parameters for them) removed; NoDeploymentAvailable if none
    is left. Every drop and skip is a reason of the plan."""
    params = checked_params(request)
    if not params:
        return plan
    reasons: list[str] = []
    rejected: list[tuple[str, str]] = []

    def fit(choices: Sequence[Choice]) -> tuple[Choice, ...]:
        out: list[Choice] = []
        for choice in choices:
            dep = deployments[choice.deployment]
            refused = _refusals(dep, rules_of(dep), params, request, choice.params)
            blocking = _blocking(refused, strict)
            if blocking:
                why = _skip_reason(blocking, strict)
                reasons.append(f"skipped {dep.name}: {why}")
                rejected.append((dep.name, why))
                continue
            if not refused:
                out.append(choice)
                continue
            notes = tuple(f"{_shown(n, v)} dropped ({why})" for n, v, why in refused)
            reasons.extend(f"{dep.name}: {note}" for note in notes)
            out.append(
                dataclasses.replace(
                    choice,
                    dropped=tuple(n for n, _, _ in refused),
                    reasons=(*choice.reasons, *notes),
                )
            )
        return tuple(out)

    choices = fit(plan.choices)
    if not choices:
        raise NoDeploymentAvailable(
            "No deployment of the plan accepts the request's parameters",
            [f"{n}: {w}" for n, w in rejected],
        )
    cascade = plan.cascade
    if cascade is not None:
        escalate = fit(cascade.escalate_to)
        cascade = dataclasses.replace(cascade, escalate_to=escalate) if escalate else None
    return dataclasses.replace(
        plan,
        choices=choices,
        reasons=(*plan.reasons, *reasons),
        rejected=(*plan.rejected, *rejected),
        cascade=cascade,
    )
