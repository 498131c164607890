"""Request parameters a deployment does not accept: dropped per deployment (default), or the
deployment skipped (``params="strict"``); a parameter no deployment accepts is refused."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import respx

import costroute
from costroute.catalog import known
from costroute.errors import ConfigError, InvalidRequestError, NoDeploymentAvailable
from costroute.testing import (
    ANTHROPIC_URL,
    OPENAI_URL,
    anthropic_body,
    anthropic_sse,
    openai_body,
    sse_response,
)

HARD = [
    {
        "role": "user",
        "content": "Prove rigorously that for every integer n > 1 the sum of the reciprocals of the "
        "primes up to n diverges as n grows, derive the asymptotic with Mertens' theorem, and "
        "compute the error term step by step. Then solve the recurrence a_n = 3a_{n-1} + 2^n.",
    }
]


def sent(route: respx.Route) -> dict[str, Any]:
    return json.loads(route.calls.last.request.content)


def test_a_hard_prompt_with_temperature_is_answered_by_claude_without_it(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    # claude-sonnet-5-5 takes no sampling parameters (temperature only = 1): litellm refused
    # the call locally, and the whole call failed with BadRequestError.
    route = mock.post(ANTHROPIC_URL).mock(
        return_value=httpx.Response(200, json=anthropic_body("ok"))
    )
    resp = router_factory().chat(messages=HARD, temperature=0.3)
    info = resp.costroute
    assert info.deployment == "claude-sonnet-5-5"
    assert "temperature" not in sent(route)
    assert any("claude-sonnet-5-5" in r and "temperature=0.3 dropped" in r for r in info.reasons), (
        info.reasons
    )


def test_explain_says_which_deployment_drops_what(router_factory: Any) -> None:
    plan = router_factory().explain(HARD, temperature=0.3, seed=7)
    by_name = {c.deployment: c for c in plan.choices}
    assert set(by_name["claude-sonnet-5-5"].dropped) == {"temperature", "seed"}
    assert by_name["gpt-5.4"].dropped == ()  # gpt-5.4 (reasoning effort none) takes both
    assert any("seed" in r and "claude-sonnet-5-5" in r for r in plan.reasons)


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("seed", 7),
        ("presence_penalty", 0.5),
        ("frequency_penalty", 0.5),
        ("logit_bias", {"1234": -100}),
        ("logprobs", True),
    ],
)
def test_sampling_hints_are_dropped_for_claude_only(
    router_factory: Any, mock: respx.MockRouter, param: str, value: Any
) -> None:
    route = mock.post(ANTHROPIC_URL).mock(
        return_value=httpx.Response(200, json=anthropic_body("ok"))
    )
    resp = router_factory().chat(messages=HARD, **{param: value})
    assert resp.costroute.deployment == "claude-sonnet-5-5"
    assert param not in sent(route)
    assert any(f"{param}=" in r and "dropped" in r for r in resp.costroute.reasons)


def test_the_dropped_parameter_still_reaches_a_deployment_that_takes_it(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    mock.post(ANTHROPIC_URL).mock(return_value=httpx.Response(500, json={"error": "down"}))
    openai = mock.post(OPENAI_URL).mock(return_value=httpx.Response(200, json=openai_body("ok")))
    router = router_factory(retry=costroute.RetryConfig(attempts=1))
    resp = router.chat(messages=HARD, temperature=0.3, seed=7)
    assert resp.costroute.deployment == "gpt-5.4"
    body = sent(openai)
    assert body["temperature"] == 0.3 and body["seed"] == 7


def test_strict_skips_the_deployments_that_would_drop_a_parameter(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    openai = mock.post(OPENAI_URL).mock(return_value=httpx.Response(200, json=openai_body("ok")))
    for router, kwargs in (
        (router_factory(), {"params": "strict"}),
        (router_factory(params="strict"), {}),
    ):
        plan = router.explain(HARD, temperature=0.3, **kwargs)
        assert "claude-sonnet-5-5" not in [c.deployment for c in plan.choices]
        assert any(
            r.startswith("skipped claude-sonnet-5-5") and "temperature" in r for r in plan.reasons
        ), plan.reasons
        resp = router.chat(messages=HARD, temperature=0.3, **kwargs)
        assert resp.costroute.deployment == plan.primary.deployment == "gpt-5.4"
        assert sent(openai)["temperature"] == 0.3


def test_per_call_default_overrides_a_strict_router(router_factory: Any) -> None:
    plan = router_factory(params="strict").explain(HARD, temperature=0.3, params="drop")
    assert plan.primary.deployment == "claude-sonnet-5-5"


def test_invalid_params_modes_are_refused(router_factory: Any) -> None:
    with pytest.raises(ConfigError, match="params"):
        router_factory(params="loose")
    with pytest.raises(InvalidRequestError, match="params"):
        router_factory().explain(HARD, params="loose")


def test_a_parameter_that_changes_the_answer_skips_the_deployment(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    # n=2 asks for two answers: dropping it would change the response's shape, so Claude
    # (which cannot give n answers) is skipped, never asked without it.
    openai = mock.post(OPENAI_URL).mock(return_value=httpx.Response(200, json=openai_body("ok")))
    router = router_factory()
    plan = router.explain(HARD, n=2)
    assert "claude-sonnet-5-5" not in [c.deployment for c in plan.choices]
    assert any(r.startswith("skipped claude-sonnet-5-5") and "n" in r for r in plan.reasons)
    resp = router.chat(messages=HARD, n=2)
    assert resp.costroute.deployment == "gpt-5.4" and sent(openai)["n"] == 2


def test_a_parameter_no_deployment_accepts_is_refused_before_the_network(
    keys: dict[str, str], mock: respx.MockRouter
) -> None:
    claude = costroute.Router([known("claude-haiku-4-5"), known("claude-sonnet-5-5")], ledger=False)
    with pytest.raises(InvalidRequestError) as caught:
        claude.chat(messages=HARD, n=2)
    assert caught.value.field == "n"
    assert "claude-haiku-4-5" in str(caught.value) and "n=2" in str(caught.value)
    sonnet = costroute.Router([known("claude-sonnet-5-5")], ledger=False)
    with pytest.raises(InvalidRequestError, match="temperature"):
        sonnet.explain(HARD, temperature=0.3)
    assert sonnet.explain(HARD, temperature=1).primary.dropped == ()
    assert not mock.calls


def test_a_pinned_deployment_drops_hints_or_strictly_refuses(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    route = mock.post(ANTHROPIC_URL).mock(
        return_value=httpx.Response(200, json=anthropic_body("ok"))
    )
    router = router_factory()
    resp = router.chat(messages=HARD, model="claude-sonnet-5-5", temperature=0.3)
    assert "temperature" not in sent(route)
    assert any("temperature=0.3 dropped" in r for r in resp.costroute.reasons)
    with pytest.raises(NoDeploymentAvailable, match="temperature"):
        router.explain(HARD, model="claude-sonnet-5-5", temperature=0.3, params="strict")
    with pytest.raises(NoDeploymentAvailable, match="n=2"):
        router.explain(HARD, model="claude-sonnet-5-5", n=2)


def test_streams_and_async_calls_drop_the_same_way(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    mock.post(ANTHROPIC_URL).mock(
        side_effect=lambda request: (
            sse_response(anthropic_sse(["o", "k"]))
            if json.loads(request.content).get("stream")
            else httpx.Response(200, json=anthropic_body("ok"))
        )
    )
    router = router_factory()
    stream = router.chat(messages=HARD, temperature=0.3, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "ok"
    for call in mock.calls:
        assert "temperature" not in json.loads(call.request.content)
    resp = asyncio.run(router.achat(messages=HARD, temperature=0.3))
    assert resp.costroute.deployment == "claude-sonnet-5-5"
    assert "temperature" not in json.loads(mock.calls.last.request.content)


def test_a_reasoning_effort_fixes_gpt_temperature(router_factory: Any) -> None:
    # gpt-5.4 takes temperature only while its reasoning effort is "none" (its default).
    router = router_factory(policy="quality-first")
    plan = router.explain(HARD, temperature=0.3, reasoning_effort="high", model="gpt-5.4")
    assert plan.primary.dropped == ("temperature",)
    assert router.explain(HARD, temperature=0.3, model="gpt-5.4").primary.dropped == ()
    assert router.explain(HARD, temperature=1, reasoning_effort="high").primary.dropped == ()
