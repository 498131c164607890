"""achat never waits on costroute's own I/O on the event loop: the ledger write, the Redis
store and a shared response cache run in a worker thread; an in-process setup stays inline.

A ledger and a cache that record the thread they are called on stand in for SQLite,
PostgreSQL and Redis (which block the same way).
"""

from __future__ import annotations

import threading
from typing import Any

import httpx
import respx

from costroute.testing import DEEPSEEK_URL, deepseek_body, openai_sse, sse_response

Q = [{"role": "user", "content": "hi"}]


class ThreadLedger:
    """A ledger that keeps its records and the thread each append ran on."""

    def __init__(self) -> None:
        self.records: list[Any] = []
        self.threads: list[int] = []

    def append(self, record: Any) -> None:
        self.threads.append(threading.get_ident())
        self.records.append(record)


class ThreadCache:
    """A response cache (get/set) that notes the thread of every call."""

    def __init__(self) -> None:
        self.entries: dict[str, Any] = {}
        self.threads: list[int] = []

    def get(self, key: str) -> Any:
        self.threads.append(threading.get_ident())
        return self.entries.get(key)

    def set(self, key: str, entry: Any, ttl_s: float | None = None) -> None:
        self.threads.append(threading.get_ident())
        self.entries[key] = entry


async def test_achat_writes_the_ledger_and_the_cache_off_the_event_loop(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("Hi")))
    ledger, cache = ThreadLedger(), ThreadCache()
    router = router_factory(ledger=ledger, cache=cache)
    loop_thread = threading.get_ident()
    await router.achat(messages=Q)  # a miss: lookup, answer, store, record
    hit = await router.achat(messages=Q)  # a hit: lookup, record
    assert hit.costroute.cached and len(ledger.records) == 2
    assert ledger.threads and loop_thread not in ledger.threads
    assert len(cache.threads) == 3 and loop_thread not in cache.threads


async def test_an_async_stream_settles_off_the_event_loop(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    mock.post(DEEPSEEK_URL).mock(
        return_value=sse_response(openai_sse(["a ", "joke"], prompt=30, completion=2))
    )
    ledger = ThreadLedger()
    router = router_factory(ledger=ledger)
    stream = await router.achat(messages=Q, stream=True)
    assert "".join([c.choices[0].delta.content or "" async for c in stream]) == "a joke"
    assert stream.costroute.cost_usd > 0
    assert len(ledger.threads) == 1 and ledger.threads[0] != threading.get_ident()


async def test_without_blocking_bookkeeping_achat_stays_on_the_loop(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    # In-process store, no ledger, no cache: nothing to hand over (a thread hop buys nothing).
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("Hi")))
    router = router_factory(ledger=False)
    assert not router._offload_begin and not router._offload_settle
    assert (await router.achat(messages=Q)).costroute.cost_usd > 0


async def test_a_failed_achat_is_recorded_off_the_event_loop(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    import pytest

    import costroute
    from costroute.catalog import known

    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(503, json={"error": {}}))
    ledger = ThreadLedger()
    router = router_factory(
        deployments=[known("deepseek-v4-flash")],
        ledger=ledger,
        retry=costroute.RetryConfig(attempts=1),
    )
    with pytest.raises(costroute.ProviderError):
        await router.achat(messages=Q)
    (record,) = ledger.records
    assert record.status == "error"
    assert ledger.threads[0] != threading.get_ident()


async def test_a_refused_achat_is_recorded_off_the_event_loop(router_factory: Any) -> None:
    import pytest

    import costroute

    ledger = ThreadLedger()
    router = router_factory(
        ledger=ledger, budget=costroute.Budget([costroute.Limit(usd=0.000001, window="day")])
    )
    with pytest.raises(costroute.BudgetExceeded):
        await router.achat(messages=Q)
    (record,) = ledger.records
    assert record.status == "refused" and ledger.threads[0] != threading.get_ident()


async def test_an_interrupted_async_stream_is_settled_off_the_event_loop(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    import pytest

    from costroute.errors import StreamInterrupted

    # content, then the body ends with no finish reason: interrupted after content
    body = b'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"half"}}]}\n\n'
    mock.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(
            200, content=body, headers={"content-type": "text/event-stream"}
        )
    )
    ledger = ThreadLedger()
    router = router_factory(ledger=ledger)
    stream = await router.achat(messages=Q, stream=True)
    with pytest.raises(StreamInterrupted):
        [c async for c in stream]
    (record,) = ledger.records
    assert ledger.threads[0] != threading.get_ident() and record.cost_usd > 0


async def test_an_embedding_estimator_encodes_off_the_event_loop(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    # An embedding model takes 12-25 ms a prompt on a CPU: planning runs in a worker thread.
    from costroute.difficulty import EmbeddingEstimator

    threads: list[int] = []

    def encoder(texts: list[str]) -> list[list[float]]:
        threads.append(threading.get_ident())
        return [[1.0] + [0.0] * 383 for _ in texts]

    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("Hi")))
    router = router_factory(ledger=False, estimator=EmbeddingEstimator(encoder=encoder))
    assert router._offload_begin
    await router.achat(messages=Q)
    assert len(threads) == 1 and threads[0] != threading.get_ident()
