"""Quickstart: three routed calls, offline, against costroute's local simulator.

Run: python examples/quickstart.py
With real keys, drop the simulator and use costroute.Router() as it is.
"""

from __future__ import annotations

import costroute
from costroute.sim import Simulator

with Simulator(latency_scale=0) as sim:
    # The default catalog (DeepSeek, Claude, GPT), pointed at the simulator with a dummy key.
    deployments = [
        d.model_copy(update={"api_base": sim.api_base(d.provider)})
        for d in costroute.catalog.default_deployments(api_key="sk-simulated")
    ]
    router = costroute.Router(deployments)

    for prompt in (
        "hi!",
        "A train leaves at 3pm at 80 km/h; another at 4pm at 100 km/h. When does the second catch up?",
        "Prove that there are infinitely many primes, then prove it again with Euler's product.",
    ):
        resp = router.chat(messages=[{"role": "user", "content": prompt}])
        info = resp.costroute
        print(
            f"{info.deployment:<18} difficulty {info.difficulty:.2f}  cost ${info.cost_usd:.6f}"
            f"  saved ${info.saved_usd:.6f}  {resp.choices[0].message.content[:40]!r}"
        )

    # The plan and its reasons, without a network call:
    print(router.explain([{"role": "user", "content": "What is 2 + 2?"}]).reasons)
