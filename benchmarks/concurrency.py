"""N concurrent async calls: costroute ``achat`` against ``litellm.acompletion`` in the same run.

A fake OpenAI-format provider runs in its own process on 127.0.0.1 (asyncio, keep-alive, each
response written in one piece with TCP_NODELAY) and answers every request after ``--delay``
seconds (200 ms by default). Each scenario runs in a fresh interpreter so that memory and CPU
figures are its own:

- ``litellm``: ``litellm.acompletion`` N at once (the baseline);
- ``costroute/<store>/<ledger>``: ``Router.achat`` N at once, routed to one deployment served
  by the fake provider, with the memory or Redis store (and a budget, so every call reserves
  and settles), and no ledger, SQLite or PostgreSQL.
- ``openai-sdk/memory/none``: the drop-in, ``costroute.AsyncOpenAI(router=...)``'s
  ``chat.completions.create`` N at once over the in-process router without a ledger (the openai
  SDK's client, its httpx layer answered in-process by the router).

Per scenario: errors, wall time, the ratio to litellm's wall time at the same N, CPU time per
call (process time / N), peak RSS (these from a first pass of N calls, without asyncio's debug
mode), and, from a second pass of N calls in debug mode, the longest event-loop stall
(``slow_callback_duration=10 ms``: the slowest callback it reports, 0 when none; it includes
litellm's and aiohttp's own callbacks), and costroute's own blocking I/O that ran on the
loop's thread during the run (sync Redis, sqlite3 and psycopg calls: how many, the slowest).

With ``--rounds R`` every N runs R rounds of all scenarios, litellm first in each, and a last
table gives each scenario's ratio to its own round's litellm run: median and range (on a shared
machine litellm's own CPU a call moves by a third between runs, and the ratio with it).

    python benchmarks/concurrency.py [--n 100 500 1000] [--rounds 1] [--redis URL] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Any

import _offline  # noqa: F401  (litellm offline: before anything imports it)

BODY = json.dumps(
    {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "deepseek-v4-flash",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Canberra."},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 20, "completion_tokens": 3, "total_tokens": 23},
    }
).encode()
MESSAGES = [{"role": "user", "content": "What is the capital of Australia?"}]


# ---- the fake provider (its own process) ---------------------------------------------------


async def _serve(port_out: Any, delay: float) -> None:
    response = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
        + f"content-length: {len(BODY)}\r\n\r\n".encode()
        + BODY
    )

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                if length:
                    await reader.readexactly(length)
                await asyncio.sleep(delay)
                writer.write(response)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=4096)
    port_out.write(f"{server.sockets[0].getsockname()[1]}\n")
    port_out.flush()
    async with server:
        await server.serve_forever()


def start_provider(delay: float) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(delay)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    return proc, int(proc.stdout.readline())


# ---- one scenario (its own process) ----------------------------------------------------------


class _Stalls(logging.Handler):
    """Collects the durations asyncio debug mode reports for slow callbacks."""

    def __init__(self) -> None:
        super().__init__()
        self.worst = 0.0

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if " took " in msg:
            seconds = float(msg.rsplit(" took ", 1)[1].split(" ")[0])
            self.worst = max(self.worst, seconds)


class _LoopIO:
    """costroute's own blocking I/O on the event loop's thread: the sync Redis connection's
    sends and connects, sqlite3 and psycopg statements, counted and timed when they run on a
    thread with a running loop (none should: achat hands them to worker threads)."""

    def __init__(self) -> None:
        self.calls = 0
        self.worst = 0.0

    def install(self) -> None:
        import sqlite3

        def timed(fn: Any) -> Any:
            def wrapper(*a: Any, **k: Any) -> Any:
                try:
                    asyncio.get_running_loop()
                except RuntimeError:
                    return fn(*a, **k)
                t0 = time.perf_counter()
                try:
                    return fn(*a, **k)
                finally:
                    self.calls += 1
                    self.worst = max(self.worst, time.perf_counter() - t0)

            return wrapper

        try:
            import redis.connection

            conn = redis.connection.AbstractConnection
            conn.connect = timed(conn.connect)  # type: ignore[method-assign]
            conn.send_packed_command = timed(conn.send_packed_command)  # type: ignore[method-assign]
            conn.read_response = timed(conn.read_response)  # type: ignore[method-assign]
        except ImportError:
            pass
        try:
            import psycopg

            psycopg.Cursor.execute = timed(psycopg.Cursor.execute)  # type: ignore[method-assign]
        except ImportError:
            pass

        class Timed(sqlite3.Connection):
            execute = timed(sqlite3.Connection.execute)
            executemany = timed(sqlite3.Connection.executemany)
            commit = timed(sqlite3.Connection.commit)

        connect = sqlite3.connect
        sqlite3.connect = lambda *a, **k: connect(*a, factory=Timed, **k)  # type: ignore[assignment]


async def _run(scenario: str, n: int, port: int, args: argparse.Namespace) -> dict[str, Any]:
    base = f"http://127.0.0.1:{port}"
    loop_io = _LoopIO()
    if scenario == "litellm":
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm

        litellm.suppress_debug_info = True

        async def one() -> Any:
            return await litellm.acompletion(
                model="deepseek/deepseek-v4-flash",
                messages=MESSAGES,
                api_base=base,
                api_key="sk-fake",
                max_retries=0,
                num_retries=0,
                timeout=60,
            )

        warm = one
    else:
        import costroute
        from costroute.catalog import known

        loop_io.install()

        _, store, ledger = scenario.split("/")
        dep = known("deepseek-v4-flash").model_copy(
            update={"api_base": base, "api_key": _secret("sk-fake")}
        )
        kwargs: dict[str, Any] = {"ledger": False, "timeout": 60}
        if store == "redis":
            from costroute.store import redis_store

            kwargs["store"] = redis_store(
                args.redis, prefix=f"costroute-bench:{uuid.uuid4().hex[:8]}:"
            )
        kwargs["budget"] = costroute.Budget([costroute.Limit(usd=1000, window="month")])
        if ledger == "sqlite":
            kwargs["ledger"] = f"sqlite:///{tempfile.mkdtemp()}/ledger.sqlite"
        elif ledger == "postgres":
            sep = "&" if "?" in args.postgres else "?"
            kwargs["ledger"] = f"{args.postgres}{sep}schema=concbench_{uuid.uuid4().hex[:8]}"
        router = costroute.Router([dep], **kwargs)

        # the drop-in: the openai SDK's client (made only in its scenario: it imports openai)
        client = costroute.AsyncOpenAI(router=router) if scenario.startswith("openai-sdk") else None

        async def one() -> Any:
            if client is not None:
                return await client.chat.completions.create(model="auto", messages=MESSAGES)
            return await router.achat(messages=MESSAGES)

        warm = one
    await warm()  # the first call imports and connects: not measured
    # The timed pass runs without asyncio's debug mode: debug mode records a traceback for
    # every callback scheduled (about 2 ms of CPU per call here), which would be measured too.
    loop_io.calls, loop_io.worst = 0, 0.0
    cpu0, t0 = time.process_time(), time.perf_counter()
    results = await asyncio.gather(*(one() for _ in range(n)), return_exceptions=True)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    # A second pass in debug mode finds the slow callbacks (its time is not reported).
    stalls = _Stalls()
    logging.getLogger("asyncio").addHandler(stalls)
    loop = asyncio.get_running_loop()
    loop.set_debug(True)
    loop.slow_callback_duration = 0.010
    results += await asyncio.gather(*(one() for _ in range(n)), return_exceptions=True)
    loop.set_debug(False)
    own_io, own_io_worst = loop_io.calls, loop_io.worst  # both passes; before the clean-up
    errors = [r for r in results if isinstance(r, BaseException)]
    if scenario != "litellm" and ledger == "postgres":
        router.ledger.drop_schema()
    return {
        "errors": len(errors),
        "first_error": repr(errors[0])[:200] if errors else None,
        "wall_s": wall,
        "cpu_ms_per_call": cpu * 1000 / n,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worst_stall_ms": stalls.worst * 1000,
        "own_io_on_loop": own_io,
        "own_io_on_loop_worst_ms": own_io_worst * 1000,
    }


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)


def _child(scenario: str, n: int, port: int, args: argparse.Namespace) -> dict[str, Any] | None:
    """One scenario in a fresh interpreter: its figures, or None (printed) when it failed."""
    extra = []
    if args.redis:
        extra += ["--redis", args.redis]
    if args.postgres:
        extra += ["--postgres", args.postgres]
    out = subprocess.run(
        [sys.executable, __file__, "--child", scenario, str(n), str(port), *extra],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        print(f"{scenario:28} {n:>5} failed: {out.stderr.strip()[-300:]}")
        return None
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        asyncio.run(_serve(sys.stdout, float(sys.argv[2])))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100, 500, 1000])
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument(
        "--rounds", type=int, default=1, help="rounds of every scenario per N (medians at the end)"
    )
    parser.add_argument("--redis", default=None)
    parser.add_argument("--postgres", default=None)
    parser.add_argument("--child", nargs=3, metavar=("SCENARIO", "N", "PORT"))
    args = parser.parse_args()
    if args.child:
        scenario, n, port = args.child
        print(json.dumps(asyncio.run(_run(scenario, int(n), int(port), args))))
        return
    scenarios = [
        "litellm", "costroute/memory/none", "openai-sdk/memory/none", "costroute/memory/sqlite"
    ]  # fmt: skip
    if args.redis:
        scenarios.append("costroute/redis/none")
    if args.postgres:
        scenarios.append("costroute/memory/postgres")
    proc, port = start_provider(args.delay)
    try:
        print(f"{'scenario':28} {'N':>5} {'errors':>6} {'wall s':>7} {'x litellm':>9}"
              f" {'CPU ms/call':>11} {'RSS MB':>7} {'stall ms':>8} {'own I/O on loop':>15}")  # fmt: skip
        ratios: dict[tuple[str, int], list[float]] = {}
        for n in args.n:
            for _ in range(args.rounds):  # each round runs every scenario, litellm first
                base_wall = None
                for scenario in scenarios:
                    r = _child(scenario, n, port, args)
                    if r is None:
                        continue
                    base_wall = r["wall_s"] if scenario == "litellm" else base_wall
                    ratio = r["wall_s"] / base_wall if base_wall else float("nan")
                    ratios.setdefault((scenario, n), []).append(ratio)
                    print(
                        f"{scenario:28} {n:>5} {r['errors']:>6} {r['wall_s']:>7.2f} {ratio:>9.2f}"
                        f" {r['cpu_ms_per_call']:>11.2f} {r['peak_rss_mb']:>7.0f}"
                        f" {r['worst_stall_ms']:>8.1f}"
                        f" {r['own_io_on_loop']:>6} ({r['own_io_on_loop_worst_ms']:.1f} ms)"
                        + (f"  first error: {r['first_error']}" if r["first_error"] else ""),
                        flush=True,
                    )
        if args.rounds > 1:  # the ratio to the same round's litellm run: median and range
            print(f"\n{'scenario':28} {'N':>5} {'median x litellm':>16} {'range':>13}")
            for (scenario, n), rs in ratios.items():
                if scenario != "litellm":
                    print(f"{scenario:28} {n:>5} {statistics.median(rs):>16.2f}"
                          f" {min(rs):>6.2f}-{max(rs):.2f}")  # fmt: skip
    finally:
        proc.terminate()


if __name__ == "__main__":
    main()
