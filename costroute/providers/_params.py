"""Which OpenAI parameters a deployment accepts, read from litellm once per model.

``litellm.get_supported_openai_params`` names the parameters litellm maps for a model; the
model map adds the value rules litellm enforces before sending. For a model of costroute's
catalog the map's facts are the pinned ones (:func:`costroute.catalog.pinned_param_facts`, from
the map of the litellm that pinned the catalog), so that the rules do not change with the map the
installed litellm bundles (1.100.0's has no Claude Sonnet 5.5); for any other model they are
read from litellm's bundled map (``litellm.model_cost``):

- Anthropic models whose map entry says ``supports_sampling_params: false`` (Claude Sonnet
  5.5, Opus 4.7) take ``temperature`` at 1 only, and no ``top_p``.
- OpenAI reasoning models take ``temperature`` at 1 only; those that support a reasoning
  effort of ``"none"`` (gpt-5.1 and later) take any ``temperature``, ``top_p``, ``logprobs``
  and ``top_logprobs`` while the effort resolves to ``"none"`` (the call's, or the map's
  ``default_reasoning_effort``).

A model litellm does not know gets :class:`ParamRules()`, which passes every parameter: the
provider then judges. The router calls :func:`param_rules` only for a request that sets a
parameter of :data:`~costroute.catalog.CHECKED_PARAMS`, so a plain call never loads litellm
for it.
"""

from __future__ import annotations

import functools
from typing import Any

from costroute.catalog import Deployment, ParamRules, pinned_param_facts
from costroute.providers._loader import litellm

__all__ = ["param_rules"]

_EFFORT_NONE_SAMPLING = frozenset({"temperature", "top_p", "logprobs", "top_logprobs"})


def param_rules(deployment: Deployment) -> ParamRules:
    """The parameters ``deployment``'s model accepts (cached per model)."""
    return _rules(deployment.model)


@functools.lru_cache(maxsize=512)
def _rules(model: str) -> ParamRules:
    lite = litellm()
    prefix, sep, rest = model.partition("/")
    name, provider = (rest, prefix) if sep and prefix in lite.provider_list else (model, None)
    if provider is None:
        try:
            name, provider, _, _ = lite.get_llm_provider(model)
        except Exception:  # litellm cannot route it: the provider will judge
            return ParamRules()
    try:
        supported = lite.get_supported_openai_params(model=name, custom_llm_provider=provider)
    except Exception:
        supported = None
    if not supported:
        return ParamRules()
    info = _map_entry(lite, model, name, provider)
    fixed: tuple[tuple[str, Any], ...] = ()
    effort_none: frozenset[str] = frozenset()
    default_effort = None
    accepted = frozenset(supported)
    if provider == "anthropic" and info.get("supports_sampling_params") is False:
        fixed = (("temperature", 1),)
        accepted -= {"top_p"}  # refused too (litellm before 1.110 still lists it)
    elif provider == "openai" and info.get("supports_reasoning"):
        fixed = (("temperature", 1),)
        if info.get("supports_none_reasoning_effort"):
            effort_none = _EFFORT_NONE_SAMPLING
            default_effort = info.get("default_reasoning_effort")
    return ParamRules(
        accepted=accepted,
        fixed=fixed,
        effort_none=effort_none,
        default_effort=default_effort,
    )


def _map_entry(lite: Any, model: str, name: str, provider: str) -> dict[str, Any]:
    """The model's map facts: pinned for a model of the catalog, else its entry in litellm's
    bundled map (``{}`` when it has none)."""
    for key in (model, f"{provider}/{name}"):
        pinned = pinned_param_facts(key)
        if pinned is not None:
            return pinned
    cost_map = lite.model_cost
    for key in (f"{provider}/{name}", name):
        entry = cost_map.get(key)
        if isinstance(entry, dict):
            return entry
    return {}
