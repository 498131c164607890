"""The catalog: deployments, their prices and capabilities, and the default set.

The default catalog holds current (late 2026) models of the three families, priced from
litellm's bundled map and pinned in ``costroute/catalog/pinned.json``:

========================  ==============================  ======================================
name                      model                           role
========================  ==============================  ======================================
deepseek-v4-flash         deepseek/deepseek-v4-flash      DeepSeek chat model, cheapest
deepseek-v4-pro           deepseek/deepseek-v4-pro        DeepSeek reasoning model
claude-haiku-4-5          anthropic/claude-haiku-4-5      Claude small
claude-sonnet-5-5         anthropic/claude-sonnet-5-5     Claude premium (default baseline)
gpt-5.4-mini              openai/gpt-5.4-mini             GPT small
gpt-5.4                   openai/gpt-5.4                  GPT premium
========================  ==============================  ======================================

:func:`known` builds any pinned model by its short name, e.g. ``known("deepseek-r1")`` for
DeepSeek-R1 at its launch prices, or ``known("deepseek-reasoner")`` (deprecated 2026-07-24).
"""

from __future__ import annotations

from typing import Any

from costroute.catalog._accepts import CHECKED_PARAMS, HINTS, ParamRules
from costroute.catalog._deployment import Capabilities, Deployment, Prices
from costroute.catalog._model_ids import (
    MODEL_IDS_MODES,
    ModelId,
    accepted_model_ids,
    resolve_model_id,
)
from costroute.catalog._pinned import PINNED
from costroute.errors import ConfigError

__all__ = [
    "CHECKED_PARAMS",
    "DEFAULT_BASELINE",
    "DEFAULT_NAMES",
    "HINTS",
    "MODEL_IDS_MODES",
    "Capabilities",
    "Deployment",
    "ModelId",
    "ParamRules",
    "Prices",
    "accepted_model_ids",
    "default_deployments",
    "known",
    "known_names",
    "pinned_param_facts",
    "resolve_model_id",
]

DEFAULT_NAMES: tuple[str, ...] = (
    "deepseek-v4-flash",
    "deepseek-v4-pro",
    "claude-haiku-4-5",
    "claude-sonnet-5-5",
    "gpt-5.4-mini",
    "gpt-5.4",
)

DEFAULT_BASELINE = "claude-sonnet-5-5"

_BY_SHORT_NAME: dict[str, str] = {model.partition("/")[2]: model for model in PINNED}


def known_names() -> tuple[str, ...]:
    """Short names of every pinned model, usable with :func:`known`."""
    return tuple(sorted(_BY_SHORT_NAME))


def known(name: str, **overrides: Any) -> Deployment:
    """A deployment of a pinned model by its short name; keyword arguments override fields."""
    model = _BY_SHORT_NAME.get(name)
    if model is None:
        raise ConfigError(
            f"No pinned model named {name!r}.",
            field="name",
            fix=f"use one of {', '.join(known_names())}, or build a Deployment with prices=",
        )
    fields: dict[str, Any] = {"name": name, "model": model, **overrides}
    return Deployment(**fields)


def pinned_param_facts(model: str) -> dict[str, Any] | None:
    """The litellm model-map fields costroute's parameter rules read (``supports_reasoning``,
    ``supports_sampling_params``, ``supports_none_reasoning_effort``,
    ``default_reasoning_effort``), as pinned for the litellm model id ``model``; None for a
    model the catalog does not pin."""
    row = PINNED.get(model)
    return dict(row["param_facts"]) if row is not None else None


def default_deployments(**overrides: Any) -> list[Deployment]:
    """The default catalog; ``overrides`` (e.g. ``api_base=``) apply to every deployment."""
    return [known(name, **overrides) for name in DEFAULT_NAMES]
