"""The openai SDK's documented idioms against costroute.OpenAI / AsyncOpenAI (respx providers)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pydantic
import pytest
import respx
from openai.types.chat import ChatCompletion, ChatCompletionChunk

import costroute
from costroute import errors
from costroute.catalog import known
from costroute.testing import (
    DEEPSEEK_URL,
    OPENAI_URL,
    deepseek_body,
    openai_body,
    openai_sse,
    sse_response,
)

Q = [{"role": "user", "content": "hi"}]
TOOLS = [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}]
CALL = {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": "{}"}}


def _streaming(request: httpx.Request) -> bool:
    return bool(json.loads(request.content).get("stream"))


def _deepseek(request: httpx.Request) -> httpx.Response:
    if _streaming(request):
        return sse_response(openai_sse(["a ", "joke"], prompt=30, completion=2))
    return httpx.Response(200, json=deepseek_body("Hello!", prompt=30, completion=5))


@pytest.fixture
def deepseek(mock: respx.MockRouter) -> respx.Route:
    return mock.post(DEEPSEEK_URL).mock(side_effect=_deepseek)


@pytest.fixture
def client(router_factory: Any) -> costroute.OpenAI:
    return costroute.OpenAI(router_factory(ledger=False))


@pytest.fixture
def aclient(router_factory: Any) -> costroute.AsyncOpenAI:
    return costroute.AsyncOpenAI(router_factory(ledger=False))


def test_it_is_the_openai_client(client: costroute.OpenAI) -> None:
    assert isinstance(client, openai.OpenAI) and client.max_retries == 0
    assert str(client.base_url).startswith("https://costroute.invalid/")


def test_create(client: costroute.OpenAI, deepseek: respx.Route) -> None:
    resp = client.chat.completions.create(model="auto", messages=Q)
    assert isinstance(resp, ChatCompletion) and resp.choices[0].message.content == "Hello!"
    call = costroute.info(resp)
    assert call is not None and call.deployment == "deepseek-v4-flash" and call.cost_usd > 0
    assert resp._request_id == call.request_id  # the SDK's x-request-id
    assert resp.costroute is call and "costroute" not in resp.model_dump()


def test_stream_loop_prints_every_chunk(client: costroute.OpenAI, deepseek: respx.Route) -> None:
    stream = client.chat.completions.create(model="auto", messages=Q, stream=True)
    seen = [chunk.choices[0].delta.content for chunk in stream]  # no IndexError at the end
    assert "".join(s or "" for s in seen) == "a joke"
    call = costroute.info(stream)
    assert call is not None and call.usage.input_tokens == 30  # billed from the usage chunk
    assert list(stream) == [] and deepseek.call_count == 1  # read once, never sent again


def test_stream_usage_chunk_when_asked(client: costroute.OpenAI, deepseek: respx.Route) -> None:
    chunks = list(
        client.chat.completions.create(
            model="auto", messages=Q, stream=True, stream_options={"include_usage": True}
        )
    )
    assert all(isinstance(c, ChatCompletionChunk) for c in chunks)
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.prompt_tokens == 30


def test_stream_context_manager_and_close(client: costroute.OpenAI, deepseek: respx.Route) -> None:
    with client.chat.completions.create(model="auto", messages=Q, stream=True) as stream:
        first = next(iter(stream))
        assert first.choices[0].delta.content == "a "
    assert stream.response.is_closed
    with client as same:  # the client's own context manager closes it
        assert same is client
    assert client.is_closed()


async def test_async_create_stream_and_context_managers(
    aclient: costroute.AsyncOpenAI, deepseek: respx.Route
) -> None:
    resp = await aclient.chat.completions.create(model="auto", messages=Q)
    assert isinstance(resp, ChatCompletion) and resp.choices[0].message.content == "Hello!"
    async with await aclient.chat.completions.create(
        model="auto", messages=Q, stream=True
    ) as stream:
        text = "".join([c.choices[0].delta.content or "" async for c in stream])
    assert text == "a joke" and costroute.info(stream) is not None
    async with aclient as same:
        assert same is aclient


def test_with_raw_response_has_the_costroute_headers(
    client: costroute.OpenAI, deepseek: respx.Route
) -> None:
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=Q)
    resp = raw.parse()
    assert isinstance(resp, ChatCompletion)
    call = costroute.info(raw)
    assert call is not None
    assert raw.headers["x-costroute-request-id"] == call.request_id
    assert raw.headers["x-costroute-deployment"] == "deepseek-v4-flash"
    assert raw.headers["x-costroute-cost-usd"] == str(call.cost_usd)
    assert raw.headers["x-costroute-saved-usd"] == str(call.saved_usd)


def test_with_streaming_response(client: costroute.OpenAI, deepseek: respx.Route) -> None:
    with client.chat.completions.with_streaming_response.create(model="auto", messages=Q) as raw:
        assert raw.headers["x-costroute-deployment"] == "deepseek-v4-flash"
        resp = raw.parse()
    assert resp.choices[0].message.content == "Hello!"


class Answer(pydantic.BaseModel):
    city: str
    celsius: int


def test_parse_with_a_pydantic_response_format(
    client: costroute.OpenAI, mock: respx.MockRouter
) -> None:
    body = openai_body(json.dumps({"city": "Oslo", "celsius": 4}))
    route = mock.post(OPENAI_URL).mock(return_value=httpx.Response(200, json=body))
    resp = client.chat.completions.parse(model="gpt-5.4", messages=Q, response_format=Answer)
    assert resp.choices[0].message.parsed == Answer(city="Oslo", celsius=4)
    sent = json.loads(route.calls.last.request.content)
    assert sent["response_format"]["type"] == "json_schema"


def test_with_options_timeout_is_the_calls_deadline(
    client: costroute.OpenAI, mock: respx.MockRouter
) -> None:
    route = mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body()))
    fast = client.with_options(timeout=7)
    assert isinstance(fast, costroute.OpenAI) and fast.router is client.router
    fast.chat.completions.create(model="deepseek-v4-flash", messages=Q)
    assert route.calls.last.request.extensions["timeout"]["read"] == 7.0
    client.chat.completions.create(model="deepseek-v4-flash", messages=Q)
    assert route.calls.last.request.extensions["timeout"]["read"] == client.router.timeout


def test_models_list_is_the_routers_deployments(client: costroute.OpenAI) -> None:
    ids = [m.id for m in client.models.list()]
    assert ids == ["auto", *client.router.deployments]
    assert client.models.retrieve("gpt-5.4").owned_by == "openai"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("no-such-model")


def test_other_paths_are_404_with_an_openai_error_body(client: costroute.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.embeddings.create(model="auto", input="hi")
    assert isinstance(caught.value.body, dict) and caught.value.body["code"] == "unknown_url"


def test_the_tool_loop(client: costroute.OpenAI, mock: respx.MockRouter) -> None:
    route = mock.post(DEEPSEEK_URL).mock(
        side_effect=[
            httpx.Response(200, json=openai_body("", tool_calls=[CALL])),
            httpx.Response(200, json=deepseek_body("Sunny.")),
        ]
    )
    messages: list[Any] = [{"role": "user", "content": "Weather in Oslo?"}]
    resp = client.chat.completions.create(model="deepseek-v4-flash", messages=messages, tools=TOOLS)
    message = resp.choices[0].message
    assert message.tool_calls
    messages.append(message)
    messages.append({"role": "tool", "tool_call_id": message.tool_calls[0].id, "content": "4C"})
    final = client.chat.completions.create(
        model="deepseek-v4-flash", messages=messages, tools=TOOLS
    )
    assert final.choices[0].message.content == "Sunny."
    sent = json.loads(route.calls.last.request.content)["messages"][1]
    assert sent["role"] == "assistant" and sent["tool_calls"][0]["id"] == "call_1"


def test_a_pinned_429_is_caught_as_openai_rate_limit_error(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    mock.post(OPENAI_URL).mock(return_value=httpx.Response(429, json={"error": {"message": "x"}}))
    client = costroute.OpenAI(router_factory(ledger=False, retry=costroute.RetryConfig(attempts=1)))
    try:
        client.chat.completions.create(model="gpt-5.4", messages=Q)
    except openai.RateLimitError as exc:
        assert exc.status_code == 429 and isinstance(exc, errors.RateLimitError)
        assert exc.deployment == "gpt-5.4" and "sk-oa-test" not in str(exc)
    else:
        pytest.fail("no RateLimitError")


def test_all_failed_is_an_api_status_error_with_attempts(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(503, json={"error": {}}))
    mock.post(OPENAI_URL).mock(return_value=httpx.Response(500, json={"error": {}}))
    router = router_factory(
        ledger=False,
        deployments=[known("deepseek-v4-flash"), known("gpt-5.4-mini")],
        retry=costroute.RetryConfig(attempts=1),
    )
    with pytest.raises(openai.APIStatusError) as caught:
        costroute.OpenAI(router).chat.completions.create(model="auto", messages=Q)
    assert isinstance(caught.value, errors.AllDeploymentsFailed)
    assert caught.value.status_code == 500 and len(caught.value.attempts) == 2


def test_a_bad_argument_is_the_sdks_bad_request(client: costroute.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="auto", messages=[])
    assert caught.value.status_code == 400 and "messages is empty" in str(caught.value)


async def test_async_errors_are_the_same(router_factory: Any, mock: respx.MockRouter) -> None:
    mock.post(OPENAI_URL).mock(return_value=httpx.Response(429, json={"error": {"message": "x"}}))
    aclient = costroute.AsyncOpenAI(
        router_factory(ledger=False, retry=costroute.RetryConfig(attempts=1))
    )
    with pytest.raises(openai.RateLimitError):
        await aclient.chat.completions.create(model="gpt-5.4", messages=Q)


def test_user_and_extra_body_reach_the_router(
    client: costroute.OpenAI, mock: respx.MockRouter
) -> None:
    route = mock.post(OPENAI_URL).mock(return_value=httpx.Response(200, json=openai_body()))
    resp = client.chat.completions.create(
        model="gpt-5.4", messages=Q, user="u-7", extra_body={"tags": {"feature": "faq"}}
    )
    assert json.loads(route.calls.last.request.content)["user"] == "u-7"
    assert costroute.info(resp) is not None


# ---- the constructor ---------------------------------------------------------------------------


def test_api_key_and_base_url_go_to_the_openai_deployments(
    keys: dict[str, str], mock: respx.MockRouter
) -> None:
    base = "https://proxy.example/v1"
    route = mock.post(f"{base}/chat/completions").mock(
        return_value=httpx.Response(200, json=openai_body("via proxy"))
    )
    client = costroute.OpenAI(
        api_key="sk-mine", base_url=base, organization="org-1", ledger=False, max_retries=3
    )
    resp = client.chat.completions.create(model="gpt-5.4", messages=Q)
    assert resp.choices[0].message.content == "via proxy"
    sent = route.calls.last.request.headers
    assert sent["authorization"] == "Bearer sk-mine" and sent["openai-organization"] == "org-1"
    assert client.router.executor.retry.attempts == 4
    assert "sk-mine" not in repr(client) and "sk-mine" not in repr(client.router.deployments)
    assert client.api_key != "sk-mine"  # the SDK's key is a placeholder for the transport


def test_settings_with_a_ready_router_are_refused(router_factory: Any) -> None:
    router = router_factory(ledger=False)
    for kwargs in ({"api_key": "k"}, {"base_url": "https://x"}, {"max_retries": 1}):
        with pytest.raises(errors.ConfigError):
            costroute.OpenAI(router, **kwargs)
    with pytest.raises(errors.ConfigError, match="http_client"):
        costroute.OpenAI(router, http_client=httpx.Client())
    with pytest.raises(errors.ConfigError, match="max_retries"):
        costroute.OpenAI(router).with_options(max_retries=5)
    with pytest.raises(errors.ConfigError, match="api_key"):
        costroute.OpenAI(router).with_options(api_key="sk-other")


def test_nothing_reaches_the_network_from_the_sdk(client: costroute.OpenAI) -> None:
    transport = client._client._transport  # type: ignore[attr-defined]
    assert isinstance(transport, httpx.BaseTransport)
    assert not isinstance(transport, httpx.HTTPTransport)
