"""What each deployment accepts, read from litellm (and the catalog's pinned model facts),
agrees with litellm's own refusals."""

from __future__ import annotations

from typing import Any

import pytest

from costroute import providers
from costroute.catalog import (
    ParamRules,
    default_deployments,
    known,
    known_names,
    pinned_param_facts,
)

CASES: list[tuple[str, Any, dict[str, Any]]] = [
    ("temperature", 0.3, {}),
    ("temperature", 1, {}),
    ("temperature", 0.3, {"reasoning_effort": "high"}),
    ("temperature", 0.3, {"reasoning_effort": "none"}),
    ("top_p", 0.9, {}),
    ("top_p", 0.9, {"reasoning_effort": "low"}),
    ("seed", 7, {}),
    ("n", 2, {}),
    ("presence_penalty", 0.5, {}),
    ("frequency_penalty", 0.5, {}),
    ("logit_bias", {"1234": -100}, {}),
    ("logprobs", True, {}),
    ("logprobs", True, {"reasoning_effort": "medium"}),
    ("top_logprobs", 2, {"logprobs": True}),
    ("stop", ["\n"], {}),
    ("audio", {"voice": "alloy", "format": "wav"}, {}),
]


def _litellm_refuses(model: str, params: dict[str, Any]) -> bool:
    litellm = providers.litellm()
    name, provider = model.partition("/")[2], model.partition("/")[0]
    try:
        litellm.get_optional_params(model=name, custom_llm_provider=provider, **params)
    except litellm.UnsupportedParamsError:
        return True
    return False


def _with_pinned_facts(model: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """litellm's map holding the facts costroute pinned for ``model`` (a no-op on the release
    that pinned them; an older map may lack the model: 1.100.0 has no Claude Sonnet 5.5)."""
    facts = pinned_param_facts(model)
    assert facts is not None
    cost_map = providers.litellm().model_cost
    provider, _, name = model.partition("/")
    key = next((k for k in (model, name) if k in cost_map), name)
    entry = cost_map.get(key) or {"litellm_provider": provider, "mode": "chat"}
    if any(entry.get(k) != v for k, v in facts.items()):
        monkeypatch.setitem(cost_map, key, {**entry, **facts})


@pytest.mark.parametrize("name", known_names())
def test_rules_agree_with_litellms_refusals(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """costroute's rules and litellm's refusals, from the same (pinned) model facts."""
    dep = known(name)
    _with_pinned_facts(dep.model, monkeypatch)
    rules = providers.param_rules(dep)
    assert isinstance(rules, ParamRules)
    for param, value, context in CASES:
        sent = {**context, param: value}
        why = [rules.refusal(k, v, sent) for k, v in sent.items()]
        predicted = any(w is not None for w in why)
        assert predicted == _litellm_refuses(dep.model, sent), (name, sent, why)


def test_rules_are_cached_per_deployment() -> None:
    dep = default_deployments()[0]
    assert providers.param_rules(dep) is providers.param_rules(dep)


def test_claude_without_sampling_parameters() -> None:
    rules = providers.param_rules(known("claude-sonnet-5-5"))
    assert rules.refusal("temperature", 0.3, {}) == "accepts only temperature=1"
    assert rules.refusal("temperature", 1, {}) is None
    assert rules.refusal("n", 2, {}) == "does not accept n"
    assert providers.param_rules(known("claude-haiku-4-5")).refusal("temperature", 0.3, {}) is None


def test_a_model_litellm_does_not_know_accepts_everything() -> None:
    import costroute

    dep = costroute.Deployment(
        name="mine", model="openai/my-own-model", prices=costroute.Prices(input=1, output=1)
    )
    assert providers.param_rules(dep).refusal("logit_bias", {"1": 1}, {}) is None
    odd = costroute.Deployment(
        name="odd", model="nosuchprovider/x", prices=costroute.Prices(input=1, output=1)
    )
    assert providers.param_rules(odd) == ParamRules()


def test_a_model_without_sampling_parameters_takes_no_top_p() -> None:
    # litellm 1.110 leaves top_p off such a model's list; 1.109 lists it and refuses it later.
    rules = providers.param_rules(known("claude-opus-4-7"))
    assert rules.refusal("top_p", 0.9, {}) == "does not accept top_p"
    assert rules.refusal("temperature", 0.3, {}) == "accepts only temperature=1"
