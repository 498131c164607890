"""The response cache through Router.chat/achat: hits, streams, tenants, TTL, what is never cached."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

import costroute
from costroute.cache import MemoryResponseCache
from costroute.errors import (
    InvalidRequestError,
    ProviderUnavailableError,
    StreamInterrupted,
)
from costroute.testing import (
    DEEPSEEK_URL,
    FakeClock,
    deepseek_body,
    openai_sse,
    sse_response,
)

Q = [{"role": "user", "content": "What is six times seven?"}]


class ListLedger:
    def __init__(self) -> None:
        self.records: list[Any] = []

    def append(self, record: Any) -> None:
        self.records.append(record)


@pytest.fixture
def timer() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make(router_factory: Any, timer: FakeClock) -> Any:
    def build(**kwargs: Any) -> costroute.Router:
        kwargs.setdefault("cache", MemoryResponseCache(ttl_s=60, timer=timer))
        kwargs.setdefault("ledger", ListLedger())
        return router_factory(**kwargs)  # type: ignore[no-any-return]

    return build


def ok(text: str = "42", **kw: Any) -> httpx.Response:
    return httpx.Response(200, json=deepseek_body(text, prompt=40, completion=10, **kw))


def stream_text(stream: Any) -> str:
    return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)


def test_hit_is_free_saves_the_whole_baseline_and_is_recorded(
    make: Any, mock: respx.MockRouter
) -> None:
    route = mock.post(DEEPSEEK_URL).mock(return_value=ok())
    router = make()
    first = router.chat(messages=Q, temperature=0)
    second = router.chat(messages=Q, temperature=0)
    assert route.call_count == 1
    assert second.choices[0].message.content == "42" and second.usage.prompt_tokens == 40
    info = second.costroute
    assert info.cached and not first.costroute.cached
    assert info.cost_usd == 0 and info.attempts == () and info.usage.total_tokens == 0
    assert info.baseline_cost_usd == first.costroute.baseline_cost_usd > 0
    assert info.saved_usd == info.baseline_cost_usd
    assert info.deployment == first.costroute.deployment
    assert any("response cache hit" in r for r in info.reasons)
    assert info.request_id != first.costroute.request_id
    hit = router.ledger.records[1]
    assert hit.cached and hit.cost_usd == 0 and hit.saved_usd == info.baseline_cost_usd
    assert "costroute" not in json.loads(second.model_dump_json())
    second.choices[0].message.content = "edited"  # the caller's copy, not the cache's
    assert router.chat(messages=Q, temperature=0).choices[0].message.content == "42"


def test_async_hit_matches_sync(make: Any, mock: respx.MockRouter) -> None:
    route = mock.post(DEEPSEEK_URL).mock(return_value=ok())
    router = make()
    asyncio.run(router.achat(messages=Q))
    resp = asyncio.run(router.achat(messages=Q))
    assert resp.costroute.cached and route.call_count == 1
    assert router.chat(messages=Q).costroute.cached


def test_cache_false_per_call_skips_lookup_and_store(make: Any, mock: respx.MockRouter) -> None:
    route = mock.post(DEEPSEEK_URL).mock(return_value=ok())
    router = make()
    router.chat(messages=Q, cache=False)
    assert not router.chat(messages=Q).costroute.cached  # nothing was stored
    assert not router.chat(messages=Q, cache=False).costroute.cached  # no lookup
    assert router.chat(messages=Q).costroute.cached
    assert route.call_count == 3
    with pytest.raises(InvalidRequestError) as err:
        router.chat(messages=Q, cache="yes")
    assert err.value.field == "cache"


def test_tenants_never_share_entries(make: Any, mock: respx.MockRouter) -> None:
    mock.post(DEEPSEEK_URL).mock(side_effect=[ok("for acme"), ok("for globex"), ok("no tenant")])
    router = make()
    assert router.chat(messages=Q, tenant="acme").choices[0].message.content == "for acme"
    globex = router.chat(messages=Q, tenant="globex")
    assert not globex.costroute.cached and globex.choices[0].message.content == "for globex"
    assert not router.chat(messages=Q).costroute.cached
    again = router.chat(messages=Q, tenant="acme")
    assert again.costroute.cached and again.choices[0].message.content == "for acme"


def test_entries_expire_after_ttl(make: Any, mock: respx.MockRouter, timer: FakeClock) -> None:
    route = mock.post(DEEPSEEK_URL).mock(return_value=ok())
    router = make()
    router.chat(messages=Q)
    timer.advance(59)
    assert router.chat(messages=Q).costroute.cached
    timer.advance(2)
    assert not router.chat(messages=Q).costroute.cached and route.call_count == 2


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_stream_replay_equals_the_original_text(
    make: Any, mock: respx.MockRouter, mode: str
) -> None:
    route = mock.post(DEEPSEEK_URL).mock(
        side_effect=lambda r: sse_response(openai_sse(["Six ", "times ", "seven: 42"], hit=0))
    )
    router = make()

    def run() -> tuple[str, Any]:
        if mode == "sync":
            stream = router.chat(messages=Q, stream=True)
            return stream_text(stream), stream.costroute

        async def go() -> tuple[str, Any]:
            stream = await router.achat(messages=Q, stream=True)
            parts = [c.choices[0].delta.content or "" async for c in stream if c.choices]
            return "".join(parts), stream.costroute

        return asyncio.run(go())

    original, first = run()
    replay, info = run()
    assert replay == original == "Six times seven: 42" and route.call_count == 1
    assert info.cached and not first.cached and info.saved_usd == first.baseline_cost_usd
    # the streamed answer also serves a whole response, and the reverse
    assert router.chat(messages=Q).choices[0].message.content == original


def test_whole_answer_is_served_as_a_stream(make: Any, mock: respx.MockRouter) -> None:
    mock.post(DEEPSEEK_URL).mock(return_value=ok("forty-two"))
    router = make()
    router.chat(messages=Q)
    stream = router.chat(messages=Q, stream=True)
    chunks = list(stream)
    assert stream.costroute.cached and stream_text(chunks) == "forty-two"
    # no usage-only chunk unless asked for, as with the openai client
    assert all(c.choices for c in chunks) and chunks[-1].choices[0].finish_reason == "stop"
    asked = list(router.chat(messages=Q, stream=True, stream_options={"include_usage": True}))
    assert asked[-2].choices[0].finish_reason == "stop" and asked[-1].usage.total_tokens == 50
    assert asked[-1].choices == [] and stream_text(asked) == "forty-two"


def test_errors_are_never_cached(make: Any, mock: respx.MockRouter) -> None:
    route = mock.post(DEEPSEEK_URL).mock(
        side_effect=[httpx.Response(503, json={"error": {"message": "down"}}), ok()]
    )
    router = make(retry=costroute.RetryConfig(attempts=1))
    with pytest.raises(ProviderUnavailableError):
        router.chat(messages=Q, model="deepseek-v4-flash")
    assert not router.chat(messages=Q, model="deepseek-v4-flash").costroute.cached
    assert route.call_count == 2


def test_truncated_answers_are_never_cached(make: Any, mock: respx.MockRouter) -> None:
    body = deepseek_body("cut sh", prompt=40, completion=10)
    body["choices"][0]["finish_reason"] = "length"
    route = mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=body))
    router = make()
    router.chat(messages=Q)
    assert not router.chat(messages=Q).costroute.cached and route.call_count == 2


def test_interrupted_streams_are_never_cached(make: Any, mock: respx.MockRouter) -> None:
    cut = "".join(openai_sse(["Six ", "times"], cut=True))
    route = mock.post(DEEPSEEK_URL).mock(side_effect=lambda r: sse_response(cut))
    router = make()
    for _ in range(2):
        with pytest.raises(StreamInterrupted):
            stream_text(router.chat(messages=Q, stream=True))
    assert route.call_count == 2


def test_default_router_has_no_cache_unless_asked(
    router_factory: Any, mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COSTROUTE_CACHE", raising=False)
    route = mock.post(DEEPSEEK_URL).mock(return_value=ok())
    router = router_factory()
    assert router.cache is None
    router.chat(messages=Q)
    assert not router.chat(messages=Q).costroute.cached and route.call_count == 2
    monkeypatch.setenv("COSTROUTE_CACHE", "memory")
    assert isinstance(router_factory().cache, MemoryResponseCache)
    assert isinstance(router_factory(cache="memory").cache, MemoryResponseCache)


def test_entry_of_an_unknown_deployment_is_a_miss(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    shared = MemoryResponseCache()
    route = mock.post(DEEPSEEK_URL).mock(return_value=ok())
    router_factory(cache=shared).chat(messages=Q)
    pro_only = [costroute.catalog.known("deepseek-v4-pro")]
    other = router_factory(cache=shared, deployments=pro_only)
    assert not other.chat(messages=Q).costroute.cached and route.call_count == 2


def test_a_broken_cache_never_fails_a_call(
    router_factory: Any, mock: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken:
        def get(self, key: str) -> Any:
            raise OSError("disk full")

        def set(self, key: str, entry: Any, ttl_s: Any = None) -> None:
            raise OSError("disk full")

    mock.post(DEEPSEEK_URL).mock(return_value=ok())
    resp = router_factory(cache=Broken()).chat(messages=Q)
    assert resp.choices[0].message.content == "42" and not resp.costroute.cached
    assert "lookup failed" in caplog.text and "store failed" in caplog.text


@pytest.mark.redis
def test_redis_cache_is_shared_between_routers(
    router_factory: Any, mock: respx.MockRouter, redis_cache: Any
) -> None:
    route = mock.post(DEEPSEEK_URL).mock(return_value=ok())
    first = router_factory(cache=redis_cache).chat(messages=Q, tenant="acme")
    hit = router_factory(cache=redis_cache).chat(messages=Q, tenant="acme")
    assert hit.costroute.cached and route.call_count == 1
    assert hit.costroute.baseline_cost_usd == first.costroute.baseline_cost_usd
    assert isinstance(hit.costroute.baseline_cost_usd, Decimal)
    raw = b"".join(
        redis_cache.client.get(k) for k in redis_cache.client.keys(redis_cache.prefix + "*")
    )
    assert b"sk-" not in raw
