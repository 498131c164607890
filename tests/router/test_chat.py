"""The routed chat call through the real litellm HTTP path, mocked with respx."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

import costroute
from costroute.errors import (
    AllDeploymentsFailed,
    BadRequestError,
    InvalidRequestError,
    MissingAPIKeyError,
    NoDeploymentAvailable,
    UnknownDeploymentError,
)
from costroute.testing import (
    ANTHROPIC_URL,
    DEEPSEEK_URL,
    OPENAI_URL,
    anthropic_body,
    anthropic_sse,
    deepseek_body,
    openai_body,
    openai_sse,
    sse_response,
)

EASY = [{"role": "user", "content": "hi"}]
HARD = [
    {
        "role": "user",
        "content": "Prove rigorously that for every integer n > 1 the sum of the reciprocals of the "
        "primes up to n diverges as n grows, derive the asymptotic with Mertens' theorem, and "
        "compute the error term step by step. Then solve the recurrence a_n = 3a_{n-1} + 2^n.",
    }
]
D = Decimal


def sent_json(route: respx.Route) -> dict[str, Any]:
    return json.loads(route.calls.last.request.content)


def test_easy_request_goes_to_deepseek_and_costs_are_exact(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    route = mock.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(
            200, json=deepseek_body("Hello!", prompt=100, completion=50, hit=64)
        )
    )
    resp = router_factory().chat(messages=EASY)
    assert resp.choices[0].message.content == "Hello!"
    info = resp.costroute
    assert info.deployment == "deepseek-v4-flash" and info.provider == "deepseek"
    # 36 uncached x $0.30/M + 64 cached x $0.006/M + 50 out x $1.20/M (peak hours)
    assert info.cost_usd == D("0.0000108") + D("0.000000384") + D("0.00006")
    # baseline claude-sonnet-5-5 ($2 / $10 / cache read $0.10): same cache hits, visible output
    assert info.baseline_model == "claude-sonnet-5-5"
    assert info.baseline_cost_usd == 36 * D("0.000002") + 64 * D("0.0000001") + 50 * D("0.00001")
    assert info.saved_usd == info.baseline_cost_usd - info.cost_usd > 0
    assert sent_json(route)["model"] == "deepseek-v4-flash"
    assert route.calls.last.request.headers["authorization"] == "Bearer sk-ds-test"
    assert not info.cached and len(info.attempts) == 1 and info.latency_ms >= 0
    assert any("small tier" in r for r in info.reasons)


def test_hard_request_goes_to_a_stronger_tier(router_factory: Any) -> None:
    router = router_factory()
    easy, hard = router.explain(EASY), router.explain(HARD)
    tier = {d.name: d.tier for d in router.deployments.values()}
    assert hard.difficulty > easy.difficulty
    assert tier[hard.primary.deployment] > tier[easy.primary.deployment]


def test_anthropic_wire_format_and_cache_write_pricing(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    route = mock.post(ANTHROPIC_URL).mock(
        return_value=httpx.Response(
            200, json=anthropic_body("Bonjour", input_tokens=100, output=20, read=50, write=10)
        )
    )
    resp = router_factory().chat(messages=EASY, model="claude-sonnet-5-5")
    assert resp.choices[0].message.content == "Bonjour"
    info = resp.costroute
    assert info.usage.input_tokens == 160 and info.usage.cached_input_tokens == 50
    assert info.usage.cache_write_tokens == 10
    # 100 x $2/M + 50 x $0.10/M + 10 x $2.50/M + 20 x $10/M
    assert info.cost_usd == D("0.0002") + D("0.000005") + D("0.000025") + D("0.0002")
    assert info.saved_usd == 0  # the baseline is the same model
    assert route.calls.last.request.headers["x-api-key"] == "sk-an-test"


def test_openai_wire_format_with_cached_and_reasoning_tokens(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    mock.post(OPENAI_URL).mock(
        return_value=httpx.Response(
            200, json=openai_body("Yo", prompt=2000, completion=40, cached=1024, reasoning=10)
        )
    )
    info = router_factory().chat(messages=EASY, model="gpt-5.4").costroute
    # 976 x $2.50/M + 1024 x $0.25/M + 40 x $15/M
    assert info.cost_usd == D("0.00244") + D("0.000256") + D("0.0006")
    assert info.usage.reasoning_tokens == 10 and info.usage.visible_output_tokens == 30
    # baseline sonnet-5-5: 976 x 2 + 1024 x 0.1 + 30 visible x 10 (per M)
    assert info.baseline_cost_usd == D("0.001952") + D("0.0001024") + D("0.0003")


def test_tools_pass_through_and_only_tool_capable_deployments(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    tools = [
        {
            "type": "function",
            "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}},
        }
    ]
    flash = costroute.catalog.known("deepseek-v4-flash", capabilities={"tools": False})
    sonnet = costroute.catalog.known("claude-sonnet-5-5")
    call = {"id": "t1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
    route = mock.post(ANTHROPIC_URL).mock(
        return_value=httpx.Response(
            200,
            json={
                **anthropic_body(),
                "content": [{"type": "tool_use", "id": "t1", "name": "get_weather", "input": {}}],
                "stop_reason": "tool_use",
            },
        )
    )
    router = router_factory(deployments=[flash, sonnet])
    resp = router.chat(messages=EASY, tools=tools, tool_choice="auto")
    assert resp.costroute.deployment == "claude-sonnet-5-5"
    assert resp.choices[0].message.tool_calls[0].function.name == call["function"]["name"]
    assert sent_json(route)["tools"][0]["name"] == "get_weather"
    assert any("deepseek-v4-flash: no tool calling" in r for r in resp.costroute.reasons)


def test_vision_and_context_length_are_respected(router_factory: Any) -> None:
    router = router_factory()
    image = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "what is this?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}},
            ],
        }
    ]
    plan = router.explain(image)
    assert all(router.deployments[c.deployment].capabilities.vision for c in plan.choices)
    assert ("deepseek-v4-pro", "no image input") in plan.rejected
    long = [{"role": "user", "content": "word " * 1_200_000}]  # ~1.5M tokens: no window is that big
    with pytest.raises(NoDeploymentAvailable, match="context window"):
        router.explain(long)


def test_pinned_model_skips_routing_and_unknown_name_is_typed(router_factory: Any) -> None:
    router = router_factory()
    plan = router.explain(HARD, model="deepseek-v4-flash")
    assert [c.deployment for c in plan.choices] == ["deepseek-v4-flash"] and plan.policy == "pinned"
    with pytest.raises(UnknownDeploymentError) as err:
        router.explain(EASY, model="gpt-9")
    assert err.value.field == "model" and "deepseek-v4-flash" in str(err.value)


def test_fallback_to_next_deployment_records_every_attempt(
    router_factory: Any, mock: respx.MockRouter, slept: list[float]
) -> None:
    ds = mock.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(503, json={"error": {"message": "down"}})
    )
    mock.post(OPENAI_URL).mock(
        return_value=httpx.Response(200, json=openai_body("from gpt", model="gpt-5.4-mini"))
    )
    resp = router_factory(
        retry=costroute.RetryConfig(attempts=2, backoff_s=1, max_backoff_s=1)
    ).chat(messages=EASY)
    info = resp.costroute
    assert info.deployment == "gpt-5.4-mini" and ds.call_count == 2
    assert [(a.deployment, a.status, a.status_code) for a in info.attempts] == [
        ("deepseek-v4-flash", "error", 503),
        ("deepseek-v4-flash", "error", 503),
        ("gpt-5.4-mini", "ok", None),
    ]
    assert len(slept) == 1 and 0 <= slept[0] <= 1  # full jitter, capped
    assert info.fallbacks == 1 and info.retries == 0


def test_rate_limit_honours_retry_after(
    router_factory: Any, mock: respx.MockRouter, slept: list[float]
) -> None:
    mock.post(DEEPSEEK_URL).mock(
        side_effect=[
            httpx.Response(429, json={"error": {"message": "slow"}}, headers={"retry-after": "3"}),
            httpx.Response(200, json=deepseek_body("ok")),
        ]
    )
    info = router_factory().chat(messages=EASY).costroute
    assert slept == [3.0] and info.retries == 1 and info.attempts[0].error == "RateLimitError"


def test_malformed_request_is_not_retried_anywhere(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    ds = mock.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(400, json={"error": {"message": "bad param"}})
    )
    with pytest.raises(BadRequestError) as err:
        router_factory().chat(messages=EASY)
    assert (
        ds.call_count == 1
        and err.value.status_code == 400
        and err.value.deployment == "deepseek-v4-flash"
    )


def test_all_failing_raises_with_attempts(router_factory: Any, mock: respx.MockRouter) -> None:
    for url in (DEEPSEEK_URL, OPENAI_URL, ANTHROPIC_URL):
        mock.post(url).mock(return_value=httpx.Response(500, json={"error": {"message": "boom"}}))
    with pytest.raises(AllDeploymentsFailed) as err:
        router_factory(retry=costroute.RetryConfig(attempts=1)).chat(messages=EASY)
    assert len(err.value.attempts) == 3 and "sk-" not in str(err.value)


def test_stream_sync_yields_chunks_and_usage_at_end(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    mock.post(DEEPSEEK_URL).mock(
        return_value=sse_response(openai_sse(["Hel", "lo"], prompt=10, completion=5, hit=0))
    )
    stream = router_factory().chat(messages=EASY, stream=True)
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "Hello"
    assert stream.costroute.usage.output_tokens == 5
    assert stream.costroute.cost_usd == 10 * D("0.0000003") + 5 * D("0.0000012")
    assert stream.costroute.ttft_ms is not None


def test_stream_async_anthropic(router_factory: Any, mock: respx.MockRouter) -> None:
    mock.post(ANTHROPIC_URL).mock(
        return_value=sse_response(
            anthropic_sse(["Hi ", "there"], input_tokens=12, output=7, read=4)
        )
    )

    async def run() -> tuple[str, Any]:
        stream = await router_factory().achat(messages=EASY, model="claude-haiku-4-5", stream=True)
        parts = [c.choices[0].delta.content or "" async for c in stream if c.choices]
        return "".join(parts), stream.costroute

    text, info = asyncio.run(run())
    assert text == "Hi there"
    assert info.usage.input_tokens == 16 and info.usage.cached_input_tokens == 4
    # claude-haiku-4-5: 12 x $1/M + 4 x $0.10/M + 7 x $5/M
    assert info.cost_usd == D("0.000012") + D("0.0000004") + D("0.000035")


def test_async_chat_matches_sync(router_factory: Any, mock: respx.MockRouter) -> None:
    mock.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(200, json=deepseek_body("same", prompt=30, completion=9))
    )
    router = router_factory()
    sync = router.chat(messages=EASY).costroute
    asyn = asyncio.run(router.achat(messages=EASY)).costroute
    assert (sync.deployment, sync.cost_usd, sync.baseline_cost_usd) == (
        asyn.deployment,
        asyn.cost_usd,
        asyn.baseline_cost_usd,
    )


def test_explain_makes_no_network_call(router_factory: Any, mock: respx.MockRouter) -> None:
    plan = router_factory().explain(HARD)
    assert plan.choices and not mock.calls


def test_openai_facade_and_module_level_chat(router_factory: Any, mock: respx.MockRouter) -> None:
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("facade")))
    router = router_factory()
    client = costroute.OpenAI(router=router)
    resp = client.chat.completions.create(model="auto", messages=EASY)
    assert (
        resp.choices[0].message.content == "facade"
        and resp.costroute.deployment == "deepseek-v4-flash"
    )
    aclient = costroute.AsyncOpenAI(router=router)
    aresp = asyncio.run(aclient.chat.completions.create(model="auto", messages=EASY))
    assert aresp.costroute.deployment == "deepseek-v4-flash"
    costroute.set_default_router(router)
    try:
        assert costroute.chat(messages=EASY).choices[0].message.content == "facade"
        assert asyncio.run(costroute.achat(messages=EASY)).costroute.provider == "deepseek"
    finally:
        costroute.set_default_router(None)


def test_response_serialises_without_costroute_field(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("x")))
    resp = router_factory().chat(messages=EASY)
    assert "costroute" not in json.loads(resp.model_dump_json())
    assert resp.costroute.request_id


def test_missing_key_is_a_typed_error_before_network(
    monkeypatch: pytest.MonkeyPatch, mock: respx.MockRouter
) -> None:
    for name in ("DEEPSEEK_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    router = costroute.Router()
    with pytest.raises(MissingAPIKeyError) as err:
        router.chat(messages=EASY)
    assert err.value.env_var == "DEEPSEEK_API_KEY" and "export DEEPSEEK_API_KEY" in str(err.value)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-only-openai")
    plan = router.explain(EASY)
    assert {c.deployment for c in plan.choices} <= {"gpt-5.4-mini", "gpt-5.4"}
    assert any("no API key for" in r for r in plan.reasons)
    with pytest.raises(MissingAPIKeyError):
        router.chat(messages=EASY, model="deepseek-v4-flash")
    assert not mock.calls


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"messages": "hi"}, "messages"),
        ({"messages": []}, "messages"),
        ({"messages": [{"role": "wizard", "content": "x"}]}, "messages[0].role"),
        ({"messages": [{"role": "user"}]}, "messages[0].content"),
        ({"messages": ["hi"]}, "messages[0]"),
        ({"messages": EASY, "max_cost_usd": -1}, "max_cost_usd"),
        ({"messages": EASY, "max_cost_usd": "a lot"}, "max_cost_usd"),
        ({"messages": EASY, "max_cost_usd": True}, "max_cost_usd"),
        ({"messages": EASY, "latency_target_ms": 0}, "latency_target_ms"),
        ({"messages": EASY, "max_tokens": -5}, "max_tokens"),
        ({"messages": EASY, "tags": {"a": 1}}, "tags"),
    ],
)
def test_bad_input_is_typed_and_names_the_field(
    router_factory: Any, mock: respx.MockRouter, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidRequestError) as err:
        router_factory().chat(**kwargs)
    assert err.value.field == field and err.value.fix
    assert not mock.calls


def test_max_cost_caps_output_tokens(router_factory: Any, mock: respx.MockRouter) -> None:
    route = mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("ok")))
    router_factory().chat(messages=EASY, max_cost_usd=0.001)
    sent = sent_json(route)
    # the worst case must fit: input estimate x $0.30/M + max_tokens x $1.20/M <= $0.001
    assert 16 <= sent["max_tokens"] <= 833


def test_keys_from_an_injected_environment_reach_the_provider(
    monkeypatch: pytest.MonkeyPatch, mock: respx.MockRouter
) -> None:
    monkeypatch.delenv("DEEPSEEK_API_KEY", raising=False)
    route = mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("ok")))
    router = costroute.Router(environ={"DEEPSEEK_API_KEY": "sk-injected"})
    assert router.chat(messages=EASY).costroute.deployment == "deepseek-v4-flash"
    assert route.calls.last.request.headers["authorization"] == "Bearer sk-injected"


def test_calls_are_recorded_in_the_ledger_and_reported(
    router_factory: Any, mock: respx.MockRouter, tmp_path: Any
) -> None:
    mock.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(
            200, json=deepseek_body("ok", prompt=100, completion=50, hit=64)
        )
    )
    router = router_factory(ledger=f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    secret_prompt = [{"role": "user", "content": "zebra-quokka-7731 says hi"}]
    infos = [
        router.chat(messages=secret_prompt, user="u1", tags={"feature": "demo"}).costroute
        for _ in range(3)
    ]
    report = router.usage.report(month="2026-11")
    assert report.calls == 3
    assert report.spend_usd == sum(i.cost_usd for i in infos)
    assert report.saved_usd == sum(i.saved_usd for i in infos)
    raw = (tmp_path / "ledger.sqlite").read_bytes() + (tmp_path / "ledger.sqlite-wal").read_bytes()
    assert b"sk-ds-test" not in raw and b"zebra-quokka-7731" not in raw
