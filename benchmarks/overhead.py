"""Per-call overhead of costroute against plain litellm, measured in the same run.

Prints JSON:
- chat_median_us / litellm_median_us / ratio: Router.chat vs litellm.completion on the same
  mocked transport (respx serving a DeepSeek response; no network), interleaved so that drift
  affects both alike;
- explain_median_us: Router.explain() (difficulty estimate + policy), no network;
- import_costroute_s / import_litellm_s: cold imports in fresh interpreters.

Run: python benchmarks/overhead.py [--calls 400]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")
os.environ.setdefault("DISABLE_AIOHTTP_TRANSPORT", "True")


def cold_import(module: str, runs: int = 3) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    times = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(runs)
    ]
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=400)
    args = parser.parse_args()

    import httpx
    import respx

    import costroute
    from costroute.providers import litellm
    from costroute.testing import DEEPSEEK_URL, deepseek_body

    lite = litellm()
    messages = [{"role": "user", "content": "What is the capital of France?"}]
    router = costroute.Router(environ={"DEEPSEEK_API_KEY": "sk-bench"}, ledger=None)
    body = deepseek_body("Paris", prompt=12, completion=3)
    plain: list[float] = []
    routed: list[float] = []
    with respx.mock(assert_all_mocked=True) as mock:
        mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=body))
        kwargs = dict(
            model="deepseek/deepseek-v4-flash",
            api_key="sk-bench",
            max_retries=0,
            num_retries=0,
            timeout=30,
        )
        for _ in range(20):  # warm both paths
            lite.completion(messages=messages, **kwargs)
            router.chat(messages=messages)
        for _ in range(args.calls):
            t = time.perf_counter()
            lite.completion(messages=messages, **kwargs)
            plain.append(time.perf_counter() - t)
            t = time.perf_counter()
            router.chat(messages=messages)
            routed.append(time.perf_counter() - t)
    explain: list[float] = []
    for _ in range(5000):
        t = time.perf_counter()
        router.explain(messages)
        explain.append(time.perf_counter() - t)
    chat_us = statistics.median(routed) * 1e6
    lite_us = statistics.median(plain) * 1e6
    print(
        json.dumps(
            {
                "calls": args.calls,
                "chat_median_us": round(chat_us, 1),
                "litellm_median_us": round(lite_us, 1),
                "ratio": round(chat_us / lite_us, 4),
                "explain_median_us": round(statistics.median(explain) * 1e6, 2),
                "import_costroute_s": round(cold_import("costroute"), 3),
                "import_litellm_s": round(cold_import("litellm"), 3),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
