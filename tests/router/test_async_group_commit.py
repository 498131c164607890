"""achat with a :class:`~costroute.ledger.Ledger` and in-process state: settling runs on the
event loop, the record is awaited through the ledger's group commit (written by the ledger's own
thread, committed before the caller gets its answer), and no worker thread of the loop is used.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

import costroute
from costroute.errors import LedgerError
from costroute.ledger import CallRecord, SQLiteLedger
from costroute.testing import DEEPSEEK_URL, deepseek_body, openai_sse, sse_response

Q = [{"role": "user", "content": "hi"}]


class Spied(SQLiteLedger):
    """A SQLite ledger that notes the thread of each write, and can be made to fail."""

    fail = False

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.threads: list[int] = []

    def append(self, record: CallRecord) -> None:
        self.threads.append(threading.get_ident())
        if self.fail:
            raise OSError("disk full")
        super().append(record)


@pytest.fixture
def no_worker_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any hand-over to the loop's worker threads."""

    async def refused(*_: Any, **__: Any) -> Any:
        raise AssertionError("asyncio.to_thread was called")

    monkeypatch.setattr(asyncio, "to_thread", refused)


async def test_achat_awaits_its_record_from_the_ledgers_writer(
    router_factory: Any, mock: respx.MockRouter, tmp_path: Path, no_worker_threads: None
) -> None:
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("Hi")))
    ledger = Spied(tmp_path / "ledger.sqlite")
    router = router_factory(
        ledger=ledger, budget=costroute.Budget([costroute.Limit(usd=100, window="month")])
    )
    router._warm = True  # (the first call's imports run in a worker thread otherwise)
    assert router._settle_on_loop
    responses = await asyncio.gather(*(router.achat(messages=Q) for _ in range(20)))
    stored = {r.request_id for r in ledger.records()}
    assert stored == {r.costroute.request_id for r in responses}
    assert threading.get_ident() not in ledger.threads
    (window,) = router.budget.status().windows
    assert window.reserved == 0 and window.spent == sum(r.costroute.cost_usd for r in responses)


async def test_an_async_stream_and_a_refusal_are_recorded_the_same_way(
    router_factory: Any, mock: respx.MockRouter, tmp_path: Path, no_worker_threads: None
) -> None:
    mock.post(DEEPSEEK_URL).mock(
        return_value=sse_response(openai_sse(["a ", "joke"], prompt=30, completion=2))
    )
    ledger = Spied(tmp_path / "ledger.sqlite")
    router = router_factory(ledger=ledger)
    router._warm = True
    stream = await router.achat(messages=Q, stream=True)
    assert "".join([c.choices[0].delta.content or "" async for c in stream]) == "a joke"
    tight = router_factory(
        ledger=ledger, budget=costroute.Budget([costroute.Limit(usd=0.000001, window="day")])
    )
    tight._warm = True
    with pytest.raises(costroute.BudgetExceeded):
        await tight.achat(messages=[{"role": "user", "content": "x" * 40}])
    statuses = sorted(r.status for r in ledger.records())
    assert statuses == ["ok", "refused"] and threading.get_ident() not in ledger.threads


async def test_a_failed_write_raises_or_warns_as_on_ledger_error_says(
    router_factory: Any, mock: respx.MockRouter, tmp_path: Path, caplog: Any
) -> None:
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("Hi")))
    ledger = Spied(tmp_path / "ledger.sqlite")
    ledger.fail = True
    with pytest.raises(LedgerError, match="disk full") as raised:
        await router_factory(ledger=ledger).achat(messages=Q)
    assert raised.value.field == "ledger"
    with caplog.at_level(logging.WARNING, logger="costroute"):
        answer = await router_factory(ledger=ledger, on_ledger_error="warn").achat(messages=Q)
    assert answer.choices[0].message.content == "Hi"
    assert f"ledger write failed for {answer.costroute.request_id}" in caplog.text
