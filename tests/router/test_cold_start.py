"""The first call of a process imports the provider layer (litellm, about 3 s): that import is
neither part of the call's deadline nor of the latency it records, and ``achat`` never runs it
on the event loop.

Each case runs in a fresh interpreter (litellm not yet imported) against the local simulator.
The child reads the router's clock and records, at every read during the call, whether litellm
was imported already; and it records in which thread the import ran.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

CHILD = textwrap.dedent(
    """
    import asyncio, json, sys, threading, time
    import costroute
    from costroute.cli._demo import sim_deployments
    from costroute.sim import Simulator

    importer = []
    def hook(event, args):
        if event == "import" and args[0] == "litellm" and not importer:
            importer.append(threading.get_ident())
    sys.addaudithook(hook)

    reads = []
    def clock():
        reads.append("litellm" in sys.modules)
        return time.monotonic()

    mode = sys.argv[1]
    messages = [{"role": "user", "content": "hi"}]
    with Simulator(latency_scale=0) as sim:
        router = costroute.Router(sim_deployments(sim), ledger=False, clock=clock, timeout=5)
        assert "litellm" not in sys.modules
        reads.clear()
        if mode == "sync":
            info = router.chat(messages=messages).costroute
            loop_thread = None
        else:
            async def main():
                resp = await router.achat(messages=messages)
                return resp.costroute, threading.get_ident()
            info, loop_thread = asyncio.run(main())
    print(json.dumps({
        "reads": reads,
        "import_off_loop": importer[0] != loop_thread,
        "latency_ms": info.latency_ms,
    }))
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_provider_import_is_outside_the_first_calls_clock(mode: str) -> None:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["reads"], "the call read no clock"
    assert all(result["reads"]), "the call's clock started before litellm was imported"
    assert result["import_off_loop"], "litellm was imported on the event loop's thread"
    assert 0 <= result["latency_ms"] < 5000
