"""Checking ``Router``'s options: each bad one raises ``ConfigError`` naming it and the fix,
before the router opens anything (store, ledger, labeller)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from costroute import providers
from costroute.catalog import (
    DEFAULT_BASELINE,
    MODEL_IDS_MODES,
    Deployment,
    ParamRules,
    known,
    known_names,
)
from costroute.errors import ConfigError
from costroute.policy import PARAMS_MODES

__all__ = [
    "ModelDeprecationWarning",
    "check_keep_embeddings",
    "check_options",
    "index_deployments",
    "litellm_rules",
    "pick_baseline",
]


def check_options(
    *,
    timeout: Any,
    on_store_failure: Any,
    params: Any,
    model_ids: Any,
    on_ledger_error: Any,
    observer: object,
    labeling: object,
) -> None:
    """The options ``Router`` takes as values (not objects it builds from)."""
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
    if on_ledger_error not in ("raise", "warn"):
        raise ConfigError(
            f"on_ledger_error={on_ledger_error!r}.",
            field="on_ledger_error",
            fix='use "raise" or "warn"',
        )
    if observer is not None and not _is_observer(observer):
        raise ConfigError(
            f"observer={observer!r} is not an observer.",
            field="observer",
            fix="pass costroute.observe.Observer(...), or an object with decision(request, "
            "plan), attempt(attempt) and complete(request, info, error) methods",
        )
    if labeling is not None and not _is_labeling(labeling):
        raise ConfigError(
            f"labeling={labeling!r} is not a Labeling.",
            field="labeling",
            fix="pass costroute.Labeling(fraction=0.05, max_usd=5, ...), or leave it out",
        )


class ModelDeprecationWarning(UserWarning):
    """A deployment's model is past its provider's deprecation date."""


def check_keep_embeddings(keep: Any, estimator: object) -> bool:
    """``keep_embeddings``: a bool, and True only with an estimator that computes an embedding
    of each prompt (``estimate_embedded``, as :class:`EmbeddingEstimator` does)."""
    if not isinstance(keep, bool):
        raise ConfigError(
            f"keep_embeddings={keep!r} is not a bool.",
            field="keep_embeddings",
            fix="pass True to keep each routed prompt's embedding in the ledger, or False",
        )
    if keep and not callable(getattr(estimator, "estimate_embedded", None)):
        name = getattr(estimator, "name", type(estimator).__name__)
        raise ConfigError(
            f"keep_embeddings=True, but the estimator {name!r} computes no embedding.",
            field="keep_embeddings",
            fix="route with estimator='embedding' (pip install 'costroute[embed]'), or drop"
            " keep_embeddings",
        )
    return keep


def index_deployments(deployments: Iterable[Deployment]) -> dict[str, Deployment]:
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


def _is_observer(observer: object) -> bool:
    from costroute.observe import ObserverLike  # loaded only by a router with an observer

    return isinstance(observer, ObserverLike)


def litellm_rules(deployment: Deployment) -> ParamRules:
    """litellm's parameter rules for ``deployment``, loaded for the first request that sets a
    checked parameter."""
    return providers.param_rules(deployment)


def _is_labeling(labeling: object) -> bool:
    from costroute.router._labeling import Labeling  # loaded only by a router that labels

    return isinstance(labeling, Labeling)


def pick_baseline(deployments: Mapping[str, Deployment], name: str | None) -> Deployment:
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
