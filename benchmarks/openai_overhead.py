"""Router.chat and costroute.OpenAI against a bare openai.OpenAI client, same run, loopback HTTP.

All three call the local simulator (costroute.sim, latency_scale=0) for the same OpenAI model
over real loopback HTTP: the bare SDK client directly; ``Router.chat`` through litellm (one
pinned OpenAI deployment, no ledger); and ``costroute.OpenAI`` over that router (the SDK, then
the in-process transport, then the router). Alternating blocks of back-to-back calls, medians.

Prints JSON: the three medians (µs), ``router_ratio`` = router / bare, ``facade_ratio`` =
facade / bare, and the cold ``import costroute`` time (median of fresh interpreters).

Run: python benchmarks/openai_overhead.py [--calls 300]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")


def cold_import(module: str, runs: int = 5) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    out = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout)
        for _ in range(runs)
    ]
    return statistics.median(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--block", type=int, default=25)
    args = parser.parse_args()

    import openai

    import costroute
    from costroute.catalog import known
    from costroute.sim import Simulator

    messages = [{"role": "user", "content": "What is the capital of France?"}]
    with Simulator(latency_scale=0) as sim:
        base = sim.api_base("openai")
        bare = openai.OpenAI(api_key="sk-bench", base_url=base, max_retries=0)
        dep = known("gpt-5.4-mini", api_base=base, api_key="sk-bench")
        router = costroute.Router([dep], ledger=False)
        facade = costroute.OpenAI(router)
        calls: dict[str, Callable[[], object]] = {
            "bare_openai": lambda: bare.chat.completions.create(
                model="gpt-5.4-mini", messages=messages
            ),
            "router_chat": lambda: router.chat(messages=messages, model="gpt-5.4-mini"),
            "costroute_openai": lambda: facade.chat.completions.create(
                model="gpt-5.4-mini", messages=messages
            ),
        }
        samples: dict[str, list[float]] = {name: [] for name in calls}
        for fn in calls.values():  # warm every path (litellm's import, connections)
            for _ in range(10):
                fn()
        done = 0
        while done < args.calls:
            for name, fn in calls.items():
                for _ in range(args.block):
                    t = time.perf_counter_ns()
                    fn()
                    samples[name].append((time.perf_counter_ns() - t) / 1000.0)
            done += args.block
    med = {name: statistics.median(values) for name, values in samples.items()}
    print(
        json.dumps(
            {
                "calls_each": done,
                "median_us": {k: round(v, 1) for k, v in med.items()},
                "router_ratio": round(med["router_chat"] / med["bare_openai"], 3),
                "facade_ratio": round(med["costroute_openai"] / med["bare_openai"], 3),
                "import_costroute_s": round(cold_import("costroute"), 3),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
