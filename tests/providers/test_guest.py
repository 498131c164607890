"""costroute is a guest in the host's process: routing a call changes none of the host's litellm
settings or environment variables (the two defaults DESIGN.md allows, the price map and offline
mode, are set only when unset and only while litellm loads), and async calls keep litellm's own
fast transport (aiohttp).

Runs in a fresh interpreter without the test suite's own settings (tests/conftest.py sets
DISABLE_AIOHTTP_TRANSPORT so that respx sees async calls), against the local simulator.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

CHILD = textwrap.dedent(
    """
    import asyncio, json, os, sys
    import costroute
    from costroute.cli._demo import sim_deployments
    from costroute.sim import Simulator

    before = dict(os.environ)
    messages = [{"role": "user", "content": "What is the capital of Australia?"}]
    with Simulator(latency_scale=0) as sim:
        router = costroute.Router(sim_deployments(sim), ledger=False)
        router.chat(messages=messages)  # costroute imports litellm here
        litellm = sys.modules["litellm"]
        litellm.drop_params = True  # the host's own choice, made afterwards
        asyncio.run(router.achat(messages=messages))
        router.chat(messages=messages)
        agents = [list(r.headers)[0] for r in sim.requests]
    # TIKTOKEN_CACHE_DIR is litellm's own: it sets it when it first loads a tokenizer.
    changed = sorted(
        k for k in set(os.environ) | set(before)
        if os.environ.get(k) != before.get(k) and k != "TIKTOKEN_CACHE_DIR"
    )
    print(json.dumps({"drop_params": litellm.drop_params, "changed": changed, "agents": agents}))
    """
)


@pytest.mark.slow
def test_routing_leaves_the_hosts_litellm_and_environment_alone() -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISABLE_AIOHTTP_TRANSPORT", "HF_HUB_OFFLINE")
    }
    # Not even the two defaults DESIGN.md allows before litellm's import stay set afterwards.
    for key in ("LITELLM_LOCAL_MODEL_COST_MAP", "LITELLM_OFFLINE_MODE"):
        env.pop(key, None)
    out = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120, env=env
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["drop_params"] is True
    assert result["changed"] == []
    # The first header's name as sent: httpx (the sync call, and async calls when aiohttp is
    # disabled) sends "Host"; litellm's aiohttp transport sends "host".
    assert result["agents"] == ["Host", "host", "Host"]
