"""Budget under billed retries: does a hard limit hold when attempts that were billed are retried?

The scenario: 30 concurrent streamed calls; every stream of the primary deployment (gpt-5.4) is
cut before its first content token, after the provider opened it (a 200), so each cut is billed
for its prompt; each call retries once on the primary (a second billed cut), then falls back to
deepseek-v4-flash. The monthly hard limit is 10 reservations (10 x the worst case one call
reserves). Served by the local simulator over real HTTP (``costroute.sim``); retries do not
wait. Run for the in-process store and for Redis, with threads and with asyncio.

Run ``python benchmarks/budget_retries.py [--calls 30] [--admits 10] [--redis URL]``. Prints one
line per run: limit, settled spend, settled / limit, what is left reserved, and the calls that
answered, were stopped by the budget mid-way (their billed attempts settled) or were refused
before any attempt. Redis URL: ``--redis``, else COSTROUTE_TEST_REDIS_URL, else
redis://127.0.0.1:6379/15 (skipped, with the reason, when unreachable); keys go under a random
prefix and are deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import _offline  # noqa: F401  (litellm offline: before anything imports it)

import costroute
from costroute.budget import Budget, Limit
from costroute.cli._demo import sim_deployments
from costroute.errors import BudgetExceeded
from costroute.executor import RetryConfig
from costroute.sim import Fault, Simulator
from costroute.types import Choice, Plan, Request, Signals

PRIMARY, FALLBACK = "gpt-5.4", "deepseek-v4-flash"
MESSAGES = [{"role": "user", "content": "word " * 4000}]  # 4,000 tokens; 20 kB of text
MAX_TOKENS = 64
ZERO = Decimal(0)


@dataclass
class FixedPolicy:
    """Always the primary, then the fallback."""

    name: str = "fixed"

    def route(self, request: Request, signals: Signals) -> Plan:
        return Plan(
            choices=(Choice(deployment=PRIMARY), Choice(deployment=FALLBACK)),
            policy=self.name,
            difficulty=0.0,
        )


@dataclass
class ListLedger:
    """A ledger in a list (the router writes one record per call)."""

    records: list[Any] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def append(self, record: Any) -> None:
        with self.lock:
            self.records.append(record)

    def spent(self, *args: Any, **kwargs: Any) -> Decimal:  # nothing to restore
        return ZERO


def _router(sim: Simulator, limit: Decimal | None, store: Any, ledger: Any) -> costroute.Router:
    async def no_wait(seconds: float) -> None:
        return None

    budget = Budget([Limit(usd=limit, window="month")]) if limit is not None else None
    return costroute.Router(
        sim_deployments(sim),
        policy=FixedPolicy(),
        budget=budget,
        store=store,
        retry=RetryConfig(attempts=2, backoff_s=0),
        sleep=lambda seconds: None,
        asleep=no_wait,
        ledger=ledger,
    )


def _outcome(exc: BaseException | None) -> str:
    if exc is None:
        return "ok"
    if isinstance(exc, BudgetExceeded):
        return "stopped" if getattr(exc, "further", False) else "refused"
    return f"other:{type(exc).__name__}"


def _threads(router: costroute.Router, calls: int) -> list[str]:
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(calls)

    def one() -> None:
        start.wait()
        error: BaseException | None = None
        try:
            for _ in router.chat(messages=MESSAGES, max_tokens=MAX_TOKENS, stream=True):
                pass
        except Exception as exc:
            error = exc
        with lock:
            outcomes.append(_outcome(error))

    threads = [threading.Thread(target=one) for _ in range(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def _tasks(router: costroute.Router, calls: int) -> list[str]:
    async def one() -> str:
        try:
            stream = await router.achat(messages=MESSAGES, max_tokens=MAX_TOKENS, stream=True)
            async for _ in stream:
                pass
        except Exception as exc:
            return _outcome(exc)
        return _outcome(None)

    async def main() -> list[str]:
        return list(await asyncio.gather(*(one() for _ in range(calls))))

    return asyncio.run(main())


def run(
    sim: Simulator,
    label: str,
    limit: Decimal,
    calls: int,
    driver: Callable[[costroute.Router, int], list[str]],
    store: Any,
) -> dict[str, Any]:
    ledger = ListLedger()
    router = _router(sim, limit, store, ledger)
    outcomes = driver(router, calls)
    window = next(w for w in router.budget.status().windows if w.key == "global")
    recorded = sum((r.cost_usd for r in ledger.records), ZERO)
    row = {
        "run": label,
        "limit": limit,
        "settled": window.spent,
        "settled/limit": f"{window.spent / limit:.0%}",
        "reserved_left": window.reserved,
        "ledger": recorded,
        "ok": outcomes.count("ok"),
        "stopped": outcomes.count("stopped"),
        "refused": outcomes.count("refused"),
        "other": len([o for o in outcomes if o.startswith("other")]),
        "max_call": max((r.cost_usd for r in ledger.records), default=ZERO),
    }
    print("  ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--admits", type=int, default=10, help="the limit, in reservations")
    parser.add_argument("--redis", default=None)
    args = parser.parse_args()
    url = args.redis or os.environ.get("COSTROUTE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    with Simulator(latency_scale=0) as sim:
        probe = _router(sim, None, None, False)
        request, plan = probe._prepare(MESSAGES, {"max_tokens": MAX_TOKENS})
        worst = probe.state.worst_case(request, plan)
        limit = worst * args.admits
        model = probe.deployments[PRIMARY].model.partition("/")[2]
        sim.inject(Fault.cut_stream(after_chunks=1), model=model, times=1_000_000)
        print(
            f"scenario: {args.calls} concurrent streams; {PRIMARY} cuts every stream before"
            f" content (billed), 2 attempts, then {FALLBACK}; one call reserves ${worst};"
            f" limit = {args.admits} reservations = ${limit}"
        )
        for name, driver in (("threads", _threads), ("asyncio", _tasks)):
            run(sim, f"memory/{name}", limit, args.calls, driver, None)
        try:
            from costroute.store import redis_store

            for name, driver in (("threads", _threads), ("asyncio", _tasks)):
                prefix = f"costroute-bench-retries:{uuid.uuid4().hex[:12]}:"
                store = redis_store(url, prefix=prefix)
                try:
                    run(sim, f"redis/{name}", limit, args.calls, driver, store)
                finally:
                    keys = list(store.redis.scan_iter(match=f"{prefix}*", count=1000))
                    if keys:
                        store.redis.delete(*keys)
        except costroute.errors.BackendUnavailable as exc:
            print(f"redis: skipped ({exc})")


if __name__ == "__main__":
    main()
