"""achat runs none of costroute's blocking I/O on the event loop's thread, on every path.

Against the local simulator, with a Redis store (budget, breakers asked on every attempt,
latency stats) and a SQLite or PostgreSQL ledger: the sync Redis connection, sqlite3 and
psycopg's cursors are patched to fail, and note it, when they
are called from the thread that runs the event loop (``asyncio.get_running_loop()`` succeeds
there, and nowhere else). Paths: an answer, a cascade that escalates, a 400, a stream read to
the end, a stream closed before reading, a stream cancelled while waiting to retry after a
billed cut, and a call cancelled while the provider answers.
"""

from __future__ import annotations

import asyncio
import sqlite3
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

import costroute
from costroute.budget import Budget, Limit
from costroute.cli._demo import sim_deployments
from costroute.errors import BadRequestError
from costroute.policy import cascade
from costroute.sim import Fault, Simulator
from costroute.store import redis_store
from costroute.types import Request

pytestmark = [pytest.mark.redis, pytest.mark.slow]

Q = [{"role": "user", "content": "What is the capital of Australia?"}]
CHEAP, PREMIUM = "deepseek-v4-flash", "claude-sonnet-5-5"
BAD_PARAM = {
    "error": {
        "message": "Invalid value for temperature",
        "type": "invalid_request_error",
        "param": "temperature",
        "code": "invalid_value",
    }
}


def _on_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@pytest.fixture
def blocked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Where blocking I/O ran on the event loop's thread (each also raised there)."""
    import psycopg
    import redis.connection

    found: list[str] = []

    def guard(what: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if _on_loop():
                found.append(f"{what}:\n{''.join(traceback.format_stack(limit=12))}")
                raise AssertionError(f"{what} on the event loop's thread")
            return fn(*args, **kwargs)

        return guarded

    conn = redis.connection.AbstractConnection
    monkeypatch.setattr(conn, "connect", guard("redis connect", conn.connect))
    monkeypatch.setattr(conn, "send_packed_command", guard("redis", conn.send_packed_command))
    for name in ("execute", "executemany"):
        monkeypatch.setattr(
            psycopg.Cursor, name, guard(f"psycopg {name}", getattr(psycopg.Cursor, name))
        )

    class Guarded(sqlite3.Connection):
        execute = guard("sqlite3 execute", sqlite3.Connection.execute)
        executemany = guard("sqlite3 executemany", sqlite3.Connection.executemany)
        executescript = guard("sqlite3 executescript", sqlite3.Connection.executescript)
        commit = guard("sqlite3 commit", sqlite3.Connection.commit)
        cursor = guard("sqlite3 cursor", sqlite3.Connection.cursor)

    connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: connect(*a, factory=Guarded, **k))
    return found


@pytest.fixture(params=["sqlite", "postgres"])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    url: str = request.getfixturevalue("postgres_url")
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}schema=noblock_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(latency_scale=0) as s:
        yield s


@pytest.fixture
def router(
    sim: Simulator, redis_prefix: tuple[Any, str], redis_url: str, ledger_url: str
) -> Iterator[costroute.Router]:
    escalate = {"on": False}

    def check(request: Request, message: Mapping[str, Any]) -> str | None:
        return "the test asks for the premium answer" if escalate["on"] else None

    deps = [d for d in sim_deployments(sim) if d.name in (CHEAP, PREMIUM)]
    router = costroute.Router(
        deps,
        policy=cascade(check),
        store=redis_store(redis_url, prefix=redis_prefix[1]),
        ledger=ledger_url,
        budget=Budget([Limit(usd=50, window="month")]),
        retry=costroute.RetryConfig(attempts=2, backoff_s=0.001, max_backoff_s=0.001),
        timeout=30,
    )
    router.state.breakers.redis.hint_s = 0  # every attempt asks Redis, none reuses a hint
    router.escalate = escalate  # type: ignore[attr-defined]
    yield router
    drop = getattr(router.ledger, "drop_schema", None)
    if drop is not None:
        drop()


async def _paths(router: costroute.Router, sim: Simulator) -> dict[str, Any]:
    out: dict[str, Any] = {}
    resp = await router.achat(messages=Q)
    out["answer"] = resp.costroute

    router.escalate["on"] = True  # type: ignore[attr-defined]
    out["cascade"] = (await router.achat(messages=Q)).costroute
    router.escalate["on"] = False  # type: ignore[attr-defined]

    sim.inject(Fault.status(400, body=BAD_PARAM), model=CHEAP)
    with pytest.raises(BadRequestError):
        await router.achat(messages=Q)

    stream = await router.achat(messages=Q, stream=True)
    out["stream_text"] = "".join(
        [c.choices[0].delta.content or "" async for c in stream if c.choices]
    )
    out["stream"] = stream.costroute

    unread = await router.achat(messages=Q, stream=True)
    await unread.close()

    # A stream cut before its first content token (billed for its prompt), then cancelled while
    # it waits to retry: the cut is settled and recorded.
    sim.inject(Fault.cut_stream(after_chunks=1), model=CHEAP)
    waiting = asyncio.Event()

    async def wait_forever(seconds: float) -> None:
        waiting.set()
        await asyncio.Event().wait()

    router.executor.asleep = wait_forever

    async def read() -> None:
        async for _ in await router.achat(messages=Q, stream=True):
            pass

    task = asyncio.create_task(read())
    await waiting.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    # Cancelled while waiting to retry after a 503 (nothing billed): the reservation goes back.
    sim.inject(Fault.status(503), model=CHEAP)
    waiting.clear()
    task = asyncio.create_task(router.achat(messages=Q))
    await waiting.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    return out


def test_achat_never_blocks_the_event_loop(
    router: costroute.Router, sim: Simulator, blocked: list[str]
) -> None:
    out = asyncio.run(_paths(router, sim))
    assert blocked == [], "\n\n".join(blocked)
    assert out["answer"].deployment == CHEAP and out["answer"].cost_usd > 0
    assert [a.deployment for a in out["cascade"].attempts] == [CHEAP, PREMIUM]
    assert out["stream_text"] and out["stream"].cost_usd > 0
    records = router.usage.records()
    statuses = sorted(r.status for r in records)
    assert statuses == ["error", "error", "ok", "ok", "ok"], statuses
    (window,) = router.budget.status().windows
    assert window.reserved == 0 and window.spent == sum(r.cost_usd for r in records)


def test_achat_works_from_one_event_loop_to_the_next(
    router: costroute.Router, sim: Simulator
) -> None:
    """Each asyncio.run() is a new event loop: the store's Redis work goes through its sync
    client in worker threads, which serves any loop (redis.asyncio connections belong to the
    loop they were made on: the second call failed with "Event loop is closed")."""
    for _ in range(3):
        assert asyncio.run(router.achat(messages=Q)).costroute.cost_usd > 0
    (window,) = router.budget.status().windows
    assert window.reserved == 0 and window.spent > 0
