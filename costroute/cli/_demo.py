"""``costroute demo``: a realistic workload through the real HTTP path, against the simulator.

Starts :class:`costroute.sim.Simulator` on 127.0.0.1, points the default catalog at it (with
dummy keys), sends a mixed workload from trivial to hard, prints each decision, and ends with
spend, baseline and savings. No key, no network, well under a minute.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from pydantic import SecretStr

from costroute.catalog import Deployment, default_deployments
from costroute.router import Router
from costroute.sim import Simulator
from costroute.types import CallInfo

__all__ = [
    "PRICED_AT",
    "PRICES_LINE",
    "WORKLOAD",
    "priced_at",
    "run_demo",
    "sim_deployments",
    "simulated_router",
]

PRICED_AT = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)
"""The demos price every call as if made at this instant, a Monday 08:00 UTC, when DeepSeek
charges its standard rates: their dollars do not depend on the hour they run (a router
prices at the hour of the call, DeepSeek's off-peak windows included)."""


def priced_at() -> dt.datetime:
    """``Router(now=priced_at)``: the demos' clock for prices."""
    return PRICED_AT


PRICES_LINE = f"prices: as at {PRICED_AT:%A %H:%M} UTC (DeepSeek's standard rates, not off-peak)"


_WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}

WORKLOAD: tuple[tuple[str, dict[str, Any]], ...] = (
    ("hi!", {}),
    ("Thanks, that's all.", {}),
    ("What is the capital of Australia?", {}),
    ("Translate 'good morning' into Spanish.", {}),
    ("Give me a synonym for 'happy'.", {}),
    ("Who wrote Pride and Prejudice?", {}),
    ("What is 17 + 25?", {}),
    ("Summarise in one sentence: the meeting moved to Tuesday at 3pm.", {}),
    ("Write a haiku about autumn rain.", {}),
    ("What's the weather in Paris right now? Use get_weather.", {"tools": [_WEATHER_TOOL]}),
    (
        "Return a JSON object with keys name and age for Ada Lovelace.",
        {"response_format": {"type": "json_object"}},
    ),
    ("hi!", {}),
    ("What is the capital of Australia?", {}),
    ("A shop sells pens at 3 for $2. How much do 27 pens cost? Show the steps.", {}),
    (
        "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in "
        "May. How many clips did Natalia sell altogether in April and May?",
        {},
    ),
    ("Explain the difference between a process and a thread.", {}),
    ("Write a Python function that checks whether a string is a palindrome, with tests.", {}),
    (
        "What does this code print? def f(x): return [i*i for i in range(x) if i % 2]; print(f(7))",
        {},
    ),
    ("Compare TCP and UDP for a real-time multiplayer game and recommend one, with reasons.", {}),
    ("Refactor this function to be iterative: def fact(n): return 1 if n < 2 else n*fact(n-1)", {}),
    ("Find all real x such that x^4 - 5x^2 + 4 = 0, and verify each root.", {}),
    (
        "Design a rate limiter for a distributed API gateway: compare token bucket and sliding "
        "window, discuss consistency across regions, and give pseudocode.",
        {},
    ),
    ("Prove that the square root of 2 is irrational.", {}),
    (
        "Let f(x) = x^3 - 3x + 1. Prove that f has exactly three real roots and find, with "
        "justification, the sum of their squares.",
        {},
    ),
    (
        "Implement Dijkstra's algorithm in Python with a binary heap, analyse its complexity, and "
        "explain how to recover the shortest path.",
        {},
    ),
    (
        "How many positive integers n <= 1000 make n^2 + n + 41 composite? Prove your method is "
        "correct, step by step.",
        {},
    ),
    (
        "Prove that for every prime p > 3, p^2 - 1 is divisible by 24. Then generalise: for which "
        "integers k does k divide p^2 - 1 for all sufficiently large primes p? Prove it.",
        {},
    ),
    (
        "Given a weighted DAG with negative edges, derive an O(V+E) algorithm for the longest path, "
        "prove its correctness, and discuss why it fails on graphs with cycles.",
        {},
    ),
    (
        "Evaluate the integral of x^2 * e^(-x) from 0 to infinity, and prove the general formula "
        "for the integral of x^n e^(-x) by induction.",
        {},
    ),
    (
        "A bag has 5 red and 7 blue balls. Three are drawn without replacement. What is the "
        "probability that exactly two are red? Show every step.",
        {},
    ),
    (
        "Write a concurrent web crawler in Python with asyncio: bounded concurrency, retries with "
        "backoff, politeness per host, and cycle detection. Explain the design choices.",
        {},
    ),
    ("Thanks, that's all.", {}),
    ("What is 17 + 25?", {}),
    ("Who wrote Pride and Prejudice?", {}),
    ("Summarise in one line: our Q3 revenue grew 12% on strong renewals.", {"model": "gpt-5.4"}),
    ("Draft a two-sentence status update for a delayed shipment.", {"model": "gpt-5.4-mini"}),
    (
        "Prove that every bounded monotone sequence of reals converges, step by step.",
        {"latency_target_ms": 4000},
    ),
)


def sim_deployments(sim: Simulator, api_key: str = "sk-sim-not-a-real-key") -> list[Deployment]:
    """The default catalog pointed at the simulator, with a dummy key."""
    return [
        d.model_copy(update={"api_base": sim.api_base(d.provider), "api_key": SecretStr(api_key)})
        for d in default_deployments()
    ]


@contextmanager
def simulated_router(latency_scale: float = 0.2, **router_kwargs: Any) -> Iterator[Router]:
    """A Router over the default catalog, served by a fresh local simulator."""
    router_kwargs.setdefault("ledger", False)  # simulated calls stay out of the real ledger
    with Simulator(latency_scale=latency_scale, seed=7) as sim:
        yield Router(sim_deployments(sim), **router_kwargs)


def _row(i: int, prompt: str, info: CallInfo) -> str:
    short = (prompt[:38] + "...") if len(prompt) > 41 else prompt
    return (
        f"{i:>3}  {short:<41} {info.deployment:<18} {info.difficulty:>5.2f}"
        f"  ${info.cost_usd:>10.6f}  ${info.saved_usd:>10.6f}  {info.latency_ms:>7.0f} ms"
    )


def run_demo(
    out: Callable[[str], None] = print,
    latency_scale: float = 0.2,
    workload: Sequence[tuple[str, dict[str, Any]]] = WORKLOAD,
    params: Mapping[str, Any] | None = None,
) -> list[CallInfo]:
    """Run the demo workload; print each decision and the totals; return the CallInfos.

    ``params`` (e.g. ``{"temperature": 0.3}``) go with every request; the totals say which
    deployment answered without one it does not accept.
    """
    from costroute.providers import litellm

    loading = time.perf_counter()
    litellm()  # import the provider layer first, so the first call's latency is its own
    out(f"loaded the provider layer (litellm) in {time.perf_counter() - loading:.1f} s")
    started = time.perf_counter()
    infos: list[CallInfo] = []
    with simulated_router(latency_scale=latency_scale, now=priced_at) as router:
        out(
            "costroute demo: a local simulator of the OpenAI, Anthropic and DeepSeek APIs on "
            "127.0.0.1 (no keys, no network)"
        )
        out(f"deployments: {', '.join(router.deployments)}; baseline: {router.baseline.name}")
        out(PRICES_LINE + "\n")
        out(
            f"{'#':>3}  {'request':<41} {'deployment':<18} {'diff':>5}  {'cost':>11}  "
            f"{'saved':>11}  {'latency':>10}"
        )
        for i, (prompt, kwargs) in enumerate(workload, 1):
            resp = router.chat(
                messages=[{"role": "user", "content": prompt}], **{**(params or {}), **kwargs}
            )
            infos.append(resp.costroute)
            out(_row(i, prompt, resp.costroute))
    spend = sum((i.cost_usd for i in infos), Decimal(0))
    baseline = sum((i.baseline_cost_usd for i in infos), Decimal(0))
    saved = baseline - spend
    pct = (saved / baseline * 100) if baseline else Decimal(0)
    by_dep: dict[str, int] = {}
    for info in infos:
        by_dep[info.deployment] = by_dep.get(info.deployment, 0) + 1
    out("")
    out(
        f"calls: {len(infos)}   routed: "
        + ", ".join(f"{k} x{v}" for k, v in sorted(by_dep.items()))
    )
    for note, count in _drops(infos).items():
        out(f"{note} on {count} call{'s' if count > 1 else ''}")
    out(f"spend:    ${spend:.6f}")
    out(f"baseline: ${baseline:.6f}  (every call on {infos[0].baseline_model if infos else '-'})")
    out(f"saved:    ${saved:.6f}  ({pct:.1f}%)")
    out(f"{len(infos)} calls took {time.perf_counter() - started:.1f} s")
    return infos


def _drops(infos: Sequence[CallInfo]) -> dict[str, int]:
    """``"temperature=0.3 dropped for claude-sonnet-5-5"`` -> calls it was answered so."""
    counts: dict[str, int] = {}
    for info in infos:
        prefix = f"{info.deployment}: "
        for reason in info.reasons:
            if reason.startswith(prefix) and " dropped (" in reason:
                param = reason[len(prefix) :].partition(" dropped (")[0]
                note = f"{param} dropped for {info.deployment}"
                counts[note] = counts.get(note, 0) + 1
    return counts
