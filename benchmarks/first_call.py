"""First call of a fresh process: latency, what CallInfo records, and deadlines against a hung
provider.

Each scenario runs in a new interpreter (``python benchmarks/first_call.py --child NAME``), as a
user's process would, against the local simulator on 127.0.0.1 (no network):

- ``cold``: the first ``Router.chat`` of a process (litellm not yet imported): wall time of the
  call, the latency recorded in ``CallInfo``, then a second call for comparison.
- ``deadline``: ``Router(timeout=1.0)``, first call, the provider hangs (a 30 s delay fault):
  wall time until the call gives up.
- ``deadline-warm``: the same after one successful call (the provider layer loaded).
- ``per-call``: ``Router()`` (120 s), warm process, ``chat(..., timeout=0.5)`` against a hung
  provider: wall time until the call gives up.
- ``async-deadline``: ``achat`` on a cold process with ``Router(timeout=1.0)`` against a hung
  provider, with a 10 ms ticker on the loop: the wall time and the longest gap between ticks
  (how long the event loop was blocked).

    python benchmarks/first_call.py
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from typing import Any

import _offline  # noqa: F401  (litellm offline: before anything imports it)

MESSAGES = [{"role": "user", "content": "What is the capital of Australia?"}]


def _router(sim: Any, **kwargs: Any) -> Any:
    import costroute
    from costroute.cli._demo import sim_deployments

    return costroute.Router(sim_deployments(sim), ledger=False, **kwargs)


def _hang(sim: Any) -> None:
    from costroute.sim import Fault

    sim.inject(Fault.delay(30), times=100)


def child(name: str) -> dict[str, Any]:
    from costroute.sim import Simulator

    with Simulator(latency_scale=0) as sim:
        if name == "cold":
            router = _router(sim)
            t0 = time.perf_counter()
            info = router.chat(messages=MESSAGES).costroute
            first = time.perf_counter() - t0
            t0 = time.perf_counter()
            info2 = router.chat(messages=MESSAGES).costroute
            second = time.perf_counter() - t0
            return {
                "first_wall_s": first,
                "first_recorded_ms": info.latency_ms,
                "second_wall_s": second,
                "second_recorded_ms": info2.latency_ms,
            }
        if name == "deadline":
            router = _router(sim, timeout=1.0)
            _hang(sim)
            return {"wall_s": _fail_time(lambda: router.chat(messages=MESSAGES))}
        if name == "deadline-warm":
            router = _router(sim, timeout=1.0)
            router.chat(messages=MESSAGES)  # warm: litellm imported, connection open
            _hang(sim)
            return {"wall_s": _fail_time(lambda: router.chat(messages=MESSAGES))}
        if name == "per-call":
            router = _router(sim)
            router.chat(messages=MESSAGES)  # warm
            _hang(sim)
            return {"wall_s": _fail_time(lambda: router.chat(messages=MESSAGES, timeout=0.5))}
        if name == "async-deadline":
            router = _router(sim, timeout=1.0)
            _hang(sim)
            return asyncio.run(_async_deadline(router))
    raise SystemExit(f"unknown scenario {name}")


def _fail_time(call: Any) -> float:
    t0 = time.perf_counter()
    try:
        call()
    except Exception as exc:
        print(f"  ({type(exc).__name__})", file=sys.stderr)
    return time.perf_counter() - t0


async def _async_deadline(router: Any) -> dict[str, Any]:
    gaps: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last - 0.01)
            last = now

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.05)
    t0 = time.perf_counter()
    try:
        await router.achat(messages=MESSAGES)
    except Exception as exc:
        print(f"  ({type(exc).__name__})", file=sys.stderr)
    wall = time.perf_counter() - t0
    stop.set()
    await task
    return {"wall_s": wall, "longest_loop_stall_ms": max(gaps) * 1000}


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2])))
        return
    for name in ("cold", "deadline", "deadline-warm", "per-call", "async-deadline"):
        out = subprocess.run(
            [sys.executable, __file__, "--child", name], capture_output=True, text=True, check=True
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        shown = ", ".join(f"{k}={v:.3f}" for k, v in result.items())
        print(f"{name:15} {shown}")


if __name__ == "__main__":
    main()
