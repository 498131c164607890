"""What ``model=`` means: a deployment, a deployment's model id, a catalog model, or unknown."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

import costroute
from costroute.catalog import known
from costroute.errors import ConfigError, UnknownDeploymentError
from costroute.testing import DEEPSEEK_URL, OPENAI_URL, deepseek_body, openai_body

EASY = [{"role": "user", "content": "Summarise: the meeting moved to Tuesday."}]


def test_a_deployment_name_pins_it_as_before(router_factory: Any) -> None:
    plan = router_factory().explain(EASY, model="gpt-5.4")
    assert [c.deployment for c in plan.choices] == ["gpt-5.4"]
    assert plan.reasons == ("model='gpt-5.4' pins the deployment; routing skipped",)


@pytest.mark.parametrize("model", ["openai/gpt-5.4", "anthropic/claude-sonnet-5-5"])
def test_a_provider_prefixed_id_pins_its_deployment(router_factory: Any, model: str) -> None:
    plan = router_factory().explain(EASY, model=model)
    assert [c.deployment for c in plan.choices] == [model.partition("/")[2]]
    assert plan.policy == "pinned"
    assert f"model={model!r} is the model of deployment" in plan.reasons[0]


def test_a_provider_model_id_pins_the_deployment_that_serves_it(
    keys: dict[str, str], mock: respx.MockRouter
) -> None:
    route = mock.post(OPENAI_URL).mock(return_value=httpx.Response(200, json=openai_body("ok")))
    router = costroute.Router(
        [
            known("deepseek-v4-flash"),
            costroute.Deployment(name="fast", model="openai/gpt-5.4-mini"),
        ],
        ledger=False,
    )
    for model in ("gpt-5.4-mini", "openai/gpt-5.4-mini"):
        resp = router.chat(messages=EASY, model=model)
        assert resp.costroute.deployment == "fast"
        assert any("deployment 'fast'" in r for r in resp.costroute.reasons)
    assert route.call_count == 2


def test_a_model_served_by_two_deployments_pins_both_in_order(keys: dict[str, str]) -> None:
    router = costroute.Router(
        [
            costroute.Deployment(
                name="gpt-eu", model="openai/gpt-5.4", api_base="https://eu.example.com/v1"
            ),
            costroute.Deployment(
                name="gpt-us", model="openai/gpt-5.4", api_base="https://us.example.com/v1"
            ),
        ],
        ledger=False,
    )
    plan = router.explain(EASY, model="openai/gpt-5.4")
    assert [c.deployment for c in plan.choices] == ["gpt-eu", "gpt-us"]


def test_a_catalog_model_caps_quality_and_is_the_baseline(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    mock.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(200, json=deepseek_body("ok", prompt=100, completion=50))
    )
    hard = [{"role": "user", "content": "Prove that the square root of 2 is irrational."}]
    router = router_factory()
    plan = router.explain(hard, model="gpt-4o-mini")
    tiers = {d.name: d.tier for d in router.deployments.values()}
    assert plan.choices and all(tiers[c.deployment] == 1 for c in plan.choices)
    assert "catalog model" in plan.reasons[0] and "quality ceiling" in plan.reasons[0]
    info = router.chat(messages=hard, model="gpt-4o-mini").costroute
    assert info.deployment == plan.primary.deployment
    assert info.baseline_model == "gpt-4o-mini"
    # gpt-4o-mini: $0.15 / $0.60 per 1M tokens, on the same usage
    assert info.baseline_cost_usd == 100 * Decimal("0.00000015") + 50 * Decimal("0.0000006")
    assert plan.reasons[0] in info.reasons
    # ... and a prefixed catalog id means the same
    assert router.explain(hard, model="openai/gpt-4o-mini").choices == plan.choices


def test_an_unknown_id_is_an_error_listing_what_is_accepted(router_factory: Any) -> None:
    with pytest.raises(UnknownDeploymentError) as caught:
        router_factory().explain(EASY, model="gpt-7")
    text = str(caught.value)
    assert "gpt-7" in text and caught.value.field == "model"
    for accepted in ("auto", "gpt-5.4", "openai/gpt-5.4", "costroute models --all", "route"):
        assert accepted in text


def test_a_router_may_route_unknown_ids(router_factory: Any, mock: respx.MockRouter) -> None:
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("ok")))
    router = router_factory(model_ids="route")
    plan = router.explain(EASY, model="gpt-7")
    assert plan.reasons[0] == "model='gpt-7' is unknown: routed as model='auto'"
    assert plan.choices == router.explain(EASY).choices
    info = router.chat(messages=EASY, model="gpt-7").costroute
    assert info.reasons[0] == plan.reasons[0] and info.baseline_model == "claude-sonnet-5-5"


def test_model_ids_mode_is_checked(router_factory: Any) -> None:
    with pytest.raises(ConfigError, match="model_ids"):
        router_factory(model_ids="lenient")


def test_settling_a_call_never_raises_on_its_model_id(router_factory: Any) -> None:
    # A response-cache hit (e.g. stored by a model_ids="route" router sharing the cache) is
    # settled without a plan: its baseline falls back to the router's for an unknown id.
    from costroute._request import build_request

    router = router_factory()
    request = build_request(EASY, {"model": "gpt-7"})
    assert router._baseline_for(request) is router.baseline
