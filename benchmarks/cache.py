"""Response-cache hit, end to end through ``Router.chat``: median microseconds (target <= 50).

A first call (respx serving a DeepSeek answer, no network) fills an in-memory cache; every
later identical call is a hit: request validation, the canonical key, the lookup, the rebuilt
response and the settled CallInfo (ledger off, as in overhead.py). Also reported: a miss
through the same mocked transport, the key alone, and a hit on the async path and as a stream.

Prints JSON. Run: python benchmarks/cache.py [--calls 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")
os.environ.setdefault("DISABLE_AIOHTTP_TRANSPORT", "True")


def _median_us(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1e6, 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20000)
    args = parser.parse_args()

    import httpx
    import respx

    import costroute
    from costroute._request import build_request
    from costroute.cache import MemoryResponseCache, cache_key
    from costroute.testing import DEEPSEEK_URL, deepseek_body, openai_sse, sse_response

    messages = [{"role": "user", "content": "What is the capital of France?"}]
    env = {"DEEPSEEK_API_KEY": "sk-bench"}
    # The cache path alone (no ledger), and with the default kind of ledger recording every hit.
    router = costroute.Router(environ=env, ledger=False, cache=MemoryResponseCache())
    ledger_dir = tempfile.mkdtemp(prefix="costroute-bench-")
    ledger_router = costroute.Router(
        environ=env, ledger=f"sqlite:///{ledger_dir}/l.sqlite", cache=MemoryResponseCache()
    )
    miss_router = costroute.Router(environ=env, ledger=False, cache=False)
    hits: list[float] = []
    ledger_hits: list[float] = []
    misses: list[float] = []
    keys: list[float] = []
    with respx.mock(assert_all_mocked=True) as mock:
        mock.post(DEEPSEEK_URL).mock(
            return_value=httpx.Response(200, json=deepseek_body("Paris", prompt=12, completion=3))
        )
        first = router.chat(messages=messages)
        assert not first.costroute.cached
        for _ in range(50):
            miss_router.chat(messages=messages)
        for _ in range(400):
            t = time.perf_counter()
            miss_router.chat(messages=messages)
            misses.append(time.perf_counter() - t)
        for _ in range(1000):  # warm
            router.chat(messages=messages)
        for _ in range(args.calls):
            t = time.perf_counter()
            resp = router.chat(messages=messages)
            hits.append(time.perf_counter() - t)
        assert resp.costroute.cached and resp.choices[0].message.content == "Paris"
        for _ in range(1000):
            ledger_router.chat(messages=messages)
        for _ in range(args.calls // 4):
            t = time.perf_counter()
            ledger_router.chat(messages=messages)
            ledger_hits.append(time.perf_counter() - t)
        request = build_request(messages, {})
        for _ in range(args.calls):
            t = time.perf_counter()
            cache_key(request, None, "balanced", "auto")
            keys.append(time.perf_counter() - t)

        async def async_hits(n: int) -> list[float]:
            out = []
            for _ in range(n):
                t = time.perf_counter()
                await router.achat(messages=messages)
                out.append(time.perf_counter() - t)
            return out

        ahits = asyncio.run(async_hits(args.calls))
        stream_messages = [{"role": "user", "content": "Stream the capital of France."}]
        mock.post(DEEPSEEK_URL).mock(return_value=sse_response(openai_sse(["Pa", "ris"], hit=0)))
        "".join(
            c.choices[0].delta.content or ""
            for c in router.chat(messages=stream_messages, stream=True)
            if c.choices
        )
        shits: list[float] = []
        for _ in range(args.calls // 4):
            t = time.perf_counter()
            text = "".join(
                c.choices[0].delta.content or ""
                for c in router.chat(messages=stream_messages, stream=True)
                if c.choices
            )
            shits.append(time.perf_counter() - t)
        assert text == "Paris"
    print(
        json.dumps(
            {
                "hit_median_us": _median_us(hits),
                "hit_p90_us": round(statistics.quantiles(hits, n=10)[-1] * 1e6, 2),
                "target_us": 50,
                "met": _median_us(hits) <= 50,
                "hit_with_sqlite_ledger_median_us": _median_us(ledger_hits),
                "async_hit_median_us": _median_us(ahits),
                "stream_hit_median_us": _median_us(shits),
                "key_median_us": _median_us(keys),
                "miss_median_us": _median_us(misses),
                "calls": args.calls,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
