"""Per-call overhead of costroute against plain litellm, measured in the same run.

Prints JSON:
- chat_median_us / litellm_median_us / ratio: Router.chat (no ledger) vs litellm.completion on
  the same mocked transport (respx serving a DeepSeek response; no network), in alternating
  blocks of back-to-back calls; ratio_with_sqlite_ledger: the same with the default SQLite
  ledger recording every call;
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
import tempfile
import time
from typing import Any

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
    env = {"DEEPSEEK_API_KEY": "sk-bench"}
    ledger_dir = tempfile.mkdtemp(prefix="costroute-bench-")
    routers = {
        "no_ledger": costroute.Router(environ=env, ledger=False),
        "sqlite_ledger": costroute.Router(environ=env, ledger=f"sqlite:///{ledger_dir}/l.sqlite"),
    }
    router = routers["no_ledger"]
    body = deepseek_body("Paris", prompt=12, completion=3)
    kwargs = dict(
        model="deepseek/deepseek-v4-flash",
        api_key="sk-bench",
        max_retries=0,
        num_retries=0,
        timeout=120.0,
    )
    samples: dict[str, list[float]] = {"litellm": [], **{name: [] for name in routers}}
    calls: dict[str, Any] = {
        "litellm": lambda: lite.completion(messages=messages, **kwargs),
        **{name: (lambda r=r: r.chat(messages=messages)) for name, r in routers.items()},
    }
    with respx.mock(assert_all_mocked=True) as mock:
        mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=body))
        for fn in calls.values():  # warm every path
            for _ in range(20):
                fn()
        # Alternating blocks of back-to-back calls: each side carries its own background work
        # (litellm's logging thread runs after its own calls), and drift hits every side alike.
        block = 25
        for _ in range(max(1, args.calls // block)):
            for name, fn in calls.items():
                for _ in range(block):
                    t = time.perf_counter()
                    fn()
                    samples[name].append(time.perf_counter() - t)
    explain: list[float] = []
    for _ in range(5000):
        t = time.perf_counter()
        router.explain(messages)
        explain.append(time.perf_counter() - t)
    med = {name: statistics.median(v) * 1e6 for name, v in samples.items()}
    result = {
        "calls_per_side": len(samples["litellm"]),
        "litellm_median_us": round(med["litellm"], 1),
        "chat_median_us": round(med["no_ledger"], 1),
        "ratio": round(med["no_ledger"] / med["litellm"], 4),
        "chat_with_sqlite_ledger_median_us": round(med["sqlite_ledger"], 1),
        "ratio_with_sqlite_ledger": round(med["sqlite_ledger"] / med["litellm"], 4),
        "explain_median_us": round(statistics.median(explain) * 1e6, 2),
        "import_costroute_s": round(cold_import("costroute"), 3),
        "import_litellm_s": round(cold_import("litellm"), 3),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
