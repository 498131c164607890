"""Many concurrent calls over a Redis store wait for a pooled connection: none fails.

Before the store's clients used blocking pools, redis-py's async pool (100 connections) failed
the 101st concurrent reservation with "Too many connections", a ConnectionError that the
health layer took for an outage: with a fail-closed budget, every call past 100 and every call
after them (for ``retry_s``) was refused with BackendUnavailable. Provider HTTP is mocked with
respx (litellm's httpx path, DISABLE_AIOHTTP_TRANSPORT in tests/conftest.py).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import respx

from costroute.budget import Budget, Limit
from costroute.store import redis_store
from costroute.testing import DEEPSEEK_URL, deepseek_body

CONCURRENT = 1000
POOL = 10
AFTER = 20
QUESTION = [{"role": "user", "content": "What is 17 + 25?"}]


@pytest.mark.redis
@pytest.mark.slow  # about 8 s on 2 cores, litellm's own per-call work for the most part
async def test_a_thousand_concurrent_calls_wait_for_ten_connections_and_all_succeed(
    router_factory: Any, mock: respx.MockRouter, redis_url: str, redis_prefix: tuple[Any, str]
) -> None:
    mock.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(200, json=deepseek_body("42", prompt=20, completion=2))
    )
    store = redis_store(redis_url, prefix=redis_prefix[1], max_connections=POOL)
    assert store.redis.connection_pool.max_connections == POOL
    router = router_factory(
        store=store, budget=Budget([Limit(usd=1000, window="month")]), ledger=False
    )

    async def call() -> BaseException | None:
        try:
            await router.achat(messages=QUESTION, max_tokens=16)
        except Exception as exc:
            return exc
        return None

    errors = await asyncio.gather(*(call() for _ in range(CONCURRENT)))
    assert [e for e in errors if e is not None] == []
    assert store.health is not None and store.health.down_since is None
    assert store.health.pool_timeouts == 0

    after = [await call() for _ in range(AFTER)]  # nothing else in flight
    assert after == [None] * AFTER

    (window,) = router.budget.status().windows
    assert window.reserved == 0 and window.spent > 0  # every reservation settled
    assert mock.calls.call_count == CONCURRENT + AFTER
