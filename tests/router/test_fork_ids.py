"""Request ids after fork: a Router built before ``os.fork()`` gives every child ids of its own.

gunicorn ``--preload``, celery prefork and ``multiprocessing`` with fork build the Router in the
parent. Ids drawn from state made at import repeated in every child: the SQLite ledger stored
hundreds of records per run under ``<id>#n`` with a warning each, the PostgreSQL ledger refused
the second worker's record (``LedgerError``) of a call that was answered and billed.
"""

from __future__ import annotations

import os
import uuid
import warnings
from typing import Any

import httpx
import pytest
import respx

from costroute.testing import DEEPSEEK_URL, deepseek_body

EASY = [{"role": "user", "content": "hi"}]
CHILDREN = 3
CALLS = 5


def fork_and_call(router: Any) -> None:
    """``CALLS`` chats in each of ``CHILDREN`` forked children at once; each must exit 0."""
    pids = []
    for _ in range(CHILDREN):
        pid = os.fork()
        if pid == 0:  # the child: never return into pytest
            code = 1
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error")  # a renamed record warns: fail the child
                    for _ in range(CALLS):
                        router.chat(messages=EASY)
                code = 0
            finally:
                os._exit(code)
        pids.append(pid)
    codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
    assert codes == [0] * CHILDREN


def test_forked_children_record_every_call_under_its_own_id(
    router_factory: Any, mock: respx.MockRouter, tmp_path: Any, caplog: Any
) -> None:
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("Hi")))
    router = router_factory(ledger=f"sqlite://{tmp_path}/ledger.sqlite")
    first = router.chat(messages=EASY).costroute.request_id  # the parent routed before forking
    fork_and_call(router)
    records = router.usage.records()
    ids = [r.request_id for r in records]
    assert len(ids) == 1 + CHILDREN * CALLS
    assert len(set(ids)) == len(ids) and first in ids
    assert not [i for i in ids if "#" in i]  # none stored under a new name
    assert "already" not in caplog.text


@pytest.mark.postgres
def test_forked_children_share_one_postgres_ledger(
    router_factory: Any, mock: respx.MockRouter, postgres_url: str
) -> None:
    from costroute.ledger import PostgresLedger

    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("Hi")))
    ledger = PostgresLedger(postgres_url, schema=f"fork_{uuid.uuid4().hex[:12]}")
    try:
        router = router_factory(ledger=ledger)
        first = router.chat(messages=EASY).costroute.request_id
        fork_and_call(router)
        ids = [r.request_id for r in ledger.records()]
        assert len(ids) == 1 + CHILDREN * CALLS
        assert len(set(ids)) == len(ids) and first in ids
    finally:
        ledger.drop_schema()
        ledger.close()


def test_forked_children_do_not_share_the_parents_http_connections(tmp_path: Any) -> None:
    """The parent's keep-alive connection to the provider (in litellm's client cache) must not
    be used by the children: writes from several processes on one socket interleave, and one
    child could read another's answer. Over the real HTTP path, against the local simulator."""
    import costroute
    from costroute.cli._demo import sim_deployments
    from costroute.sim import Simulator

    with Simulator(latency_scale=0) as sim:
        router = costroute.Router(sim_deployments(sim), ledger=f"sqlite://{tmp_path}/ledger.sqlite")
        router.chat(messages=EASY)  # the parent opens a connection and keeps it alive
        pids = []
        for _ in range(4):
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    for _ in range(40):
                        router.chat(messages=EASY)
                    code = 0
                finally:
                    os._exit(code)
            pids.append(pid)
        codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
        router.chat(messages=EASY)  # and the parent's own connection still works
        bodies = [r.body for r in sim.requests]
    assert codes == [0] * 4
    assert len(bodies) == 2 + 4 * 40 and all(b.get("messages") for b in bodies)
