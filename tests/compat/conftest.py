"""The compatibility suite: real code of the libraries built on the openai client, run
against the local simulator.

Every case runs twice (``client_kind``):

* ``openai-direct``: a plain ``openai.OpenAI`` / ``openai.AsyncOpenAI`` pointed at the
  simulator's OpenAI API. It proves the case and the simulator right.
* ``costroute``: ``costroute.OpenAI(router=router)`` / ``costroute.AsyncOpenAI(router=router)``
  over the default catalog served by the same simulator, with a SQLite ledger in the test's
  tmp_path. After the case, :class:`Calls` checks that costroute routed every call to one
  of its deployments, priced it (cost > 0) and recorded it in the ledger.

One simulator per module (``latency_scale=0``), reset before each case; the router never
sleeps (``sleep=`` / ``asleep=`` are no-ops), so the suite runs at loopback speed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from compat_support import DIRECT_MODEL, Calls

import costroute
from costroute.cli._demo import sim_deployments
from costroute.sim import Simulator

# openai-agents exports traces to the network unless told not to; the cases also pass
# RunConfig(tracing_disabled=True). Set before any agents import, for this process only.
os.environ.setdefault("OPENAI_AGENTS_DISABLE_TRACING", "1")

KINDS = ("openai-direct", "costroute")


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    """One simulator per module, answering at once."""
    with Simulator(latency_scale=0) as running:
        yield running


@pytest.fixture(params=KINDS)
def client_kind(request: pytest.FixtureRequest, sim: Simulator) -> str:
    """Which client the case runs on; the simulator starts each case afresh."""
    sim.reset()
    return str(request.param)


async def _no_wait(_seconds: float) -> None:
    return None


@pytest.fixture
def router(sim: Simulator, tmp_path: Path) -> Iterator[costroute.Router]:
    """A Router over the default catalog served by ``sim``, with a SQLite ledger."""
    built = costroute.Router(
        sim_deployments(sim),
        ledger=f"sqlite:///{tmp_path}/l.sqlite",
        sleep=lambda _seconds: None,
        asleep=_no_wait,
    )
    yield built
    close = getattr(built, "close", None)
    if callable(close):
        close()


@pytest.fixture
def model(client_kind: str) -> str:
    """The model name the case passes: a simulator model, or ``"auto"`` (costroute routes)."""
    return DIRECT_MODEL if client_kind == "openai-direct" else "auto"


@pytest.fixture
def client(client_kind: str, sim: Simulator, router: costroute.Router) -> Any:
    """A sync openai-shaped client of the kind under test."""
    if client_kind == "openai-direct":
        return openai.OpenAI(base_url=sim.api_base("openai"), api_key="sk-test", max_retries=0)
    return costroute.OpenAI(router=router)


@pytest.fixture
def aclient(client_kind: str, sim: Simulator, router: costroute.Router) -> Any:
    """An async openai-shaped client of the kind under test."""
    if client_kind == "openai-direct":
        return openai.AsyncOpenAI(base_url=sim.api_base("openai"), api_key="sk-test", max_retries=0)
    return costroute.AsyncOpenAI(router=router)


@pytest.fixture
def calls(client_kind: str, sim: Simulator, router: costroute.Router) -> Calls:
    """Checks, at the end of a case, that its calls were routed, priced and recorded."""
    return Calls(client_kind, sim, router)
