"""Router answers are the openai SDK's own types; streams are read once and bill their usage
whether or not the caller sees the usage chunk."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from costroute.errors import InvalidRequestError
from costroute.testing import DEEPSEEK_URL, deepseek_body, openai_sse, sse_response

Q = [{"role": "user", "content": "hi"}]


def test_chat_returns_a_chat_completion_and_costroute_stays_out_of_dumps(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("Hello!")))
    resp = router_factory(ledger=False).chat(messages=Q)
    assert isinstance(resp, ChatCompletion)
    assert resp.choices[0].message.content == "Hello!"
    assert resp.costroute.deployment == "deepseek-v4-flash"
    assert "costroute" not in resp.model_dump()
    assert "costroute" not in json.loads(resp.model_dump_json())
    # provider fields beyond the OpenAI schema stay readable, as the openai SDK keeps them
    assert resp.usage is not None and resp.usage.prompt_cache_hit_tokens == 0


async def test_achat_and_cache_hits_return_chat_completions(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("Hi")))
    router = router_factory(ledger=False, cache="memory")
    first = await router.achat(messages=Q)
    hit = router.chat(messages=Q)
    assert isinstance(first, ChatCompletion) and isinstance(hit, ChatCompletion)
    assert hit.costroute.cached and hit.choices[0].message.content == "Hi"


def _stream_route(mock: respx.MockRouter) -> respx.Route:
    return mock.post(DEEPSEEK_URL).mock(
        return_value=sse_response(openai_sse(["a ", "joke"], prompt=30, completion=2))
    )


def test_stream_chunks_and_the_usage_chunk_only_when_asked(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    _stream_route(mock)
    router = router_factory(ledger=False)
    stream = router.chat(messages=Q, stream=True)
    chunks = list(stream)
    assert chunks and all(isinstance(c, ChatCompletionChunk) for c in chunks)
    # the openai idiom that failed on the usage-only chunk
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text == "a joke"
    # billed from the provider's usage all the same
    assert stream.costroute.usage.input_tokens == 30 and stream.costroute.cost_usd > 0

    asked = list(router.chat(messages=Q, stream=True, stream_options={"include_usage": True}))
    assert asked[-1].choices == [] and asked[-1].usage is not None
    assert asked[-1].usage.completion_tokens == 2


def test_a_stream_is_read_once_and_never_sent_again(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    route = _stream_route(mock)
    stream = router_factory().chat(messages=Q, stream=True)
    assert len(list(stream)) >= 2
    with pytest.raises(InvalidRequestError, match="read once"):
        list(stream)
    assert route.call_count == 1


async def test_an_async_stream_is_read_once(router_factory: Any, mock: respx.MockRouter) -> None:
    route = _stream_route(mock)
    stream = await router_factory().achat(messages=Q, stream=True)
    assert [c async for c in stream]
    with pytest.raises(InvalidRequestError, match="read once"):
        [c async for c in stream]
    assert route.call_count == 1


def test_a_cached_stream_is_read_once(router_factory: Any, mock: respx.MockRouter) -> None:
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("Hi")))
    router = router_factory(ledger=False, cache="memory")
    router.chat(messages=Q)
    stream = router.chat(messages=Q, stream=True)
    assert stream.costroute.cached and list(stream)
    with pytest.raises(InvalidRequestError, match="read once"):
        list(stream)


# ---- closing a stream: context managers and close(), as the openai SDK's streams have


def _budgeted(router_factory: Any, tmp_path: Any) -> Any:
    import costroute

    return router_factory(
        budget=costroute.Budget([costroute.Limit(usd=10, window="month")]),
        ledger=f"sqlite://{tmp_path}/ledger.sqlite",
    )


def test_a_stream_closed_after_its_first_chunk_settles_what_was_billed(
    router_factory: Any, mock: respx.MockRouter, tmp_path: Any
) -> None:
    _stream_route(mock)
    router = _budgeted(router_factory, tmp_path)
    with router.chat(messages=Q, stream=True) as stream:
        first = next(iter(stream))
    assert isinstance(first, ChatCompletionChunk)
    assert stream.costroute is not None and stream.costroute.cost_usd > 0
    (record,) = router.usage.records()
    assert record.cost_usd == stream.costroute.cost_usd
    assert router.budget.status().windows[0].reserved == 0
    with pytest.raises(InvalidRequestError, match="read once"):
        list(stream)


def test_a_stream_closed_before_reading_sends_nothing_and_reserves_nothing(
    router_factory: Any, mock: respx.MockRouter, tmp_path: Any
) -> None:
    route = _stream_route(mock)
    router = _budgeted(router_factory, tmp_path)
    stream = router.chat(messages=Q, stream=True)
    assert router.budget.status().windows[0].reserved > 0
    stream.close()
    stream.close()  # idempotent
    assert route.call_count == 0 and router.budget.status().windows[0].reserved == 0
    assert router.usage.records() == []


async def test_an_async_stream_closes_as_the_sdks_does(
    router_factory: Any, mock: respx.MockRouter, tmp_path: Any
) -> None:
    route = _stream_route(mock)
    router = _budgeted(router_factory, tmp_path)
    async with await router.achat(messages=Q, stream=True) as stream:
        async for _ in stream:
            break
    assert stream.costroute.cost_usd > 0 and route.call_count == 1
    unread = await router.achat(messages=Q, stream=True)
    await unread.close()
    assert route.call_count == 1 and router.budget.status().windows[0].reserved == 0
    assert len(router.usage.records()) == 1
