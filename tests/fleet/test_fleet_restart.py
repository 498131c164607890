"""Redis restarted empty under a Router: budgets come back from the ledger (the on_restart hook).

Each test runs a redis-server of its own (no persistence) on a free port, kills it and starts
it again on the same port, so the new server has a new run_id and no keys. No sleeping: the
server's "Ready to accept connections" line is read from its output, and the store's retry
delay runs on an injected clock.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import costroute
from costroute.budget import Budget, Limit
from costroute.cli._demo import sim_deployments
from costroute.errors import BackendUnavailable
from costroute.sim import Simulator
from costroute.store import redis_store
from costroute.testing import FakeClock

QUESTION = [{"role": "user", "content": "hi!"}]


class OwnRedis:
    """A redis-server without persistence on a free port; ``restart()`` keeps the port."""

    def __init__(self, folder: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.folder = folder
        self.proc: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(
            ["redis-server", *args, "--dir", str(self.folder)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.proc.stdout is not None
        for line in self.proc.stdout:  # blocks until the server is ready
            if "Ready to accept connections" in line:
                return
        raise RuntimeError("redis-server exited before it was ready")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self.proc = None


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    server = OwnRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(latency_scale=0) as running:
        yield running


def _router(sim: Simulator, url: str, clock: FakeClock, ledger: str) -> Any:
    return costroute.Router(
        sim_deployments(sim),
        store=redis_store(url, clock=clock, retry_s=5.0, connect_timeout_s=0.5),
        budget=Budget([Limit(usd=10, window="month")]),
        ledger=ledger,
    )


def _spent(router: Any) -> Decimal:
    window = next(w for w in router.budget.status().windows if w.key == "global")
    return Decimal(window.spent)


@pytest.mark.redis
def test_a_restart_seen_as_an_outage_restores_budgets_from_the_ledger(
    own_redis: OwnRedis, sim: Simulator, tmp_path: Path
) -> None:
    clock = FakeClock()
    router = _router(sim, own_redis.url, clock, f"sqlite:///{tmp_path}/ledger.sqlite")
    for _ in range(3):
        router.chat(messages=QUESTION)
    before = _spent(router)
    assert before == router.usage.spent(router.usage.records()[0].at) > 0

    own_redis.kill()
    with pytest.raises(BackendUnavailable):  # fails closed while Redis is down
        router.chat(messages=QUESTION)
    own_redis.start()  # a new, empty server on the same port
    clock.advance(5.0)  # the store tries Redis again
    resp = router.chat(messages=QUESTION)

    ledger_spend = router.usage.spent(router.usage.records()[0].at)
    assert ledger_spend == before + resp.costroute.cost_usd
    assert _spent(router) == ledger_spend  # the window was restored, then the new call added


@pytest.mark.redis
def test_a_restart_between_two_calls_restores_budgets_from_the_ledger(
    own_redis: OwnRedis, sim: Simulator, tmp_path: Path
) -> None:
    clock = FakeClock()
    router = _router(sim, own_redis.url, clock, f"sqlite:///{tmp_path}/ledger.sqlite")
    for _ in range(3):
        router.chat(messages=QUESTION)
    before = _spent(router)

    own_redis.kill()
    own_redis.start()  # no call in between: nothing failed
    resp = router.chat(messages=QUESTION)

    assert _spent(router) == before + resp.costroute.cost_usd
