"""Forked workers sharing a Router built before the fork (gunicorn ``--preload``, celery
prefork): request ids, ledger records and Redis budget reservations.

The parent starts the local simulator (127.0.0.1), builds one Router with a Redis store, a
budget and a ledger, makes one call (a preloaded app often does), then forks ``--workers``
children that each make ``--calls`` calls. Afterwards it prints, per ledger (SQLite, and
PostgreSQL when a URL is given): calls made, records stored, ids stored under a new name
(``<id>#n``), calls that failed in the children (e.g. ``LedgerError``), and what the Redis budget
still holds reserved with nothing in flight.

    python benchmarks/fork_workers.py [--redis redis://127.0.0.1:6379/15]
        [--postgres postgresql://postgres@127.0.0.1:5432/test] [--workers 4] [--calls 100]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from decimal import Decimal
from typing import Any

import _offline  # noqa: F401  (litellm offline: before anything imports it)

MESSAGES = [{"role": "user", "content": "What is the capital of Australia?"}]


def run(ledger_url: str, args: argparse.Namespace, sim: Any) -> dict[str, Any]:
    import costroute
    from costroute.cli._demo import sim_deployments
    from costroute.store import redis_store

    prefix = f"costroute-bench:{uuid.uuid4().hex[:12]}:"
    store = redis_store(args.redis, prefix=prefix)
    router = costroute.Router(
        sim_deployments(sim),
        store=store,
        budget=costroute.Budget([costroute.Limit(usd=1000, window="month")]),
        ledger=ledger_url,
    )
    router.chat(messages=MESSAGES)  # the parent routes before forking
    pids = []
    t0 = time.perf_counter()
    for _ in range(args.workers):
        pid = os.fork()
        if pid == 0:
            failed = 0
            for _ in range(args.calls):
                try:
                    router.chat(messages=MESSAGES)
                except Exception as exc:
                    failed += 1
                    print(f"worker {os.getpid()}: {type(exc).__name__}: {exc}")
            os._exit(min(failed, 255))
        pids.append(pid)
    failed = sum(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids)
    elapsed = time.perf_counter() - t0
    ids = [r.request_id for r in router.usage.records()]
    month = next(w for w in router.budget.status().windows if w.window == "month")
    store.redis.delete(*store.redis.keys(prefix + "*"))
    return {
        "calls": 1 + args.workers * args.calls,
        "records": len(ids),
        "renamed": sum("#" in i for i in ids),
        "repeated": len(ids) - len({i.split("#")[0] for i in ids}),
        "failed": failed,
        "reserved_left": month.reserved,
        "spent": month.spent,
        "elapsed_s": elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--postgres", default=None)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args()
    from costroute.sim import Simulator

    ledgers = {"sqlite": f"sqlite:///{tempfile.mkdtemp()}/ledger.sqlite"}
    if args.postgres:
        sep = "&" if "?" in args.postgres else "?"
        ledgers["postgres"] = f"{args.postgres}{sep}schema=forkbench_{uuid.uuid4().hex[:8]}"
    with Simulator(latency_scale=0) as sim:
        for name, url in ledgers.items():
            r = run(url, args, sim)
            print(
                f"{name:8} calls={r['calls']} records={r['records']} renamed={r['renamed']}"
                f" ids_repeated={r['repeated']} failed={r['failed']}"
                f" reserved_left=${r['reserved_left']} spent=${r['spent'].quantize(Decimal('0.000001'))}"
                f" elapsed={r['elapsed_s']:.1f}s"
            )
            if name == "postgres":
                from costroute.ledger import open_ledger

                led = open_ledger(url)
                led.drop_schema()
                led.close()


if __name__ == "__main__":
    main()
