"""A cascade check that fails while the router runs: the paid first answer stands, is recorded in
the ledger and settled in the budget, and the reasons (and the log) say what went wrong."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from costroute.budget import Budget, Limit
from costroute.catalog import known
from costroute.policy import cascade
from costroute.testing import ANTHROPIC_URL, DEEPSEEK_URL, anthropic_body, deepseek_body
from costroute.types import Request

EASY = [{"role": "user", "content": "hi"}]


def boom(request: Request, message: Mapping[str, Any]) -> str | None:
    raise ValueError("boom")


def forty_two(request: Request, message: Mapping[str, Any]) -> Any:
    return 42


def setup(
    router_factory: Any, mock: respx.MockRouter, tmp_path: Path, check: Any
) -> tuple[Any, respx.Route]:
    mock.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(
            200, json=deepseek_body("cheap answer", prompt=20, completion=5)
        )
    )
    premium = mock.post(ANTHROPIC_URL).mock(
        return_value=httpx.Response(200, json=anthropic_body("premium answer"))
    )
    router = router_factory(
        deployments=[known("deepseek-v4-flash"), known("claude-sonnet-5-5")],
        policy=cascade(check),
        ledger=f"sqlite:///{tmp_path / 'ledger.sqlite'}",
        budget=Budget([Limit(usd=50, window="month")]),
    )
    return router, premium


def assert_first_answer_kept_and_settled(router: Any, resp: Any, premium: respx.Route) -> None:
    info = resp.costroute
    assert resp.choices[0].message.content == "cheap answer"
    assert info.deployment == "deepseek-v4-flash" and not premium.calls
    assert [a.deployment for a in info.attempts] == ["deepseek-v4-flash"]
    assert info.cost_usd > 0
    # Recorded in the ledger through the normal path...
    report = router.usage.report(month="2026-11")
    assert report.calls == 1 and report.spend_usd == info.cost_usd and report.errors == 0
    # ...and the budget reservation settled at the actual cost, nothing left reserved.
    (window,) = router.budget.status().windows
    assert window.reserved == 0 and window.spent == info.cost_usd


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_check_that_raises_keeps_the_paid_first_answer(
    router_factory: Any,
    mock: respx.MockRouter,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    mode: str,
) -> None:
    router, premium = setup(router_factory, mock, tmp_path, boom)
    with caplog.at_level(logging.WARNING, logger="costroute"):
        if mode == "sync":
            resp = router.chat(messages=EASY)
        else:
            resp = asyncio.run(router.achat(messages=EASY))
    assert_first_answer_kept_and_settled(router, resp, premium)
    assert (
        "acceptance check boom failed (ValueError: boom); kept the first answer, unchecked and "
        "not escalated (fix the check)"
    ) in resp.costroute.reasons
    assert not any(r.startswith("escalated") for r in resp.costroute.reasons)
    (record,) = [r for r in caplog.records if "acceptance check boom failed" in r.getMessage()]
    assert record.exc_info is not None and isinstance(record.exc_info[1], ValueError)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_check_returning_neither_reason_nor_none_keeps_the_first_answer(
    router_factory: Any, mock: respx.MockRouter, tmp_path: Path, mode: str
) -> None:
    router, premium = setup(router_factory, mock, tmp_path, forty_two)
    if mode == "sync":
        resp = router.chat(messages=EASY)
    else:
        resp = asyncio.run(router.achat(messages=EASY))
    assert_first_answer_kept_and_settled(router, resp, premium)
    assert any(
        r.startswith("acceptance check forty_two failed (TypeError: returned 42;")
        for r in resp.costroute.reasons
    )


def test_a_raw_boolean_check_reads_like_custom(
    router_factory: Any, mock: respx.MockRouter, tmp_path: Path
) -> None:
    def never(request: Request, message: Mapping[str, Any]) -> bool:
        return False

    router, premium = setup(router_factory, mock, tmp_path, never)
    info = router.chat(messages=EASY).costroute
    assert info.deployment == "deepseek-v4-flash" and not premium.calls
    assert not any(r.startswith("escalated") for r in info.reasons)

    def always(request: Request, message: Mapping[str, Any]) -> bool:
        return True

    (tmp_path / "b").mkdir()
    router, premium = setup(router_factory, mock, tmp_path / "b", always)
    info = router.chat(messages=EASY).costroute
    assert info.deployment == "claude-sonnet-5-5" and premium.calls
    assert "escalated: always rejected the answer" in info.reasons


class Interrupted(BaseException):
    """Stands for KeyboardInterrupt in the sync driver."""


def escalate(request: Request, message: Mapping[str, Any]) -> str:
    return "the test escalates"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_escalation_cut_short_settles_the_paid_first_answer(
    router_factory: Any, mock: respx.MockRouter, tmp_path: Path, mode: str
) -> None:
    """Interrupted (or cancelled) while the escalation waits to retry: the first answer, already
    billed, is settled and recorded as an error, not released as if nothing was spent."""
    router, premium = setup(router_factory, mock, tmp_path, escalate)
    premium.mock(return_value=httpx.Response(503, json={"error": {"message": "busy"}}))

    def interrupt(seconds: float) -> None:
        raise Interrupted

    async def cancel(seconds: float) -> None:
        raise asyncio.CancelledError

    router.executor.sleep, router.executor.asleep = interrupt, cancel
    if mode == "sync":
        with pytest.raises(Interrupted):
            router.chat(messages=EASY)
    else:
        with pytest.raises(asyncio.CancelledError):
            asyncio.run(router.achat(messages=EASY))
    assert premium.call_count == 1
    (record,) = router.usage.records()
    assert record.status == "error" and record.cost_usd > 0
    assert [a.deployment for a in record.attempts] == ["deepseek-v4-flash"]
    (window,) = router.budget.status().windows
    assert window.reserved == 0 and window.spent == record.cost_usd
