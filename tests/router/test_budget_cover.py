"""The router's budget cover: the reservation's arithmetic per attempt, no I/O when it covers.

The fault tests (tests/faults/test_budget_retries.py) show the cover at work on billed retries;
these check its arithmetic (the same as the reservation's, a cascade's escalation counted after
the first answer) and that the normal path never grows a reservation.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx
import respx

from costroute.budget import Budget, Limit
from costroute.catalog import known
from costroute.policy import cascade
from costroute.router._cover import BudgetCover
from costroute.router._worst import Counts
from costroute.testing import DEEPSEEK_URL, deepseek_body, openai_sse, sse_response
from costroute.types import Attempt, Usage

EASY = [{"role": "user", "content": "What is six times seven?"}]
ZERO = Decimal(0)


def _counting_extends(router: Any) -> list[Decimal]:
    grown: list[Decimal] = []
    real, areal = router.budget.extend, router.budget.aextend

    def extend(res: Any, amount: Decimal) -> None:
        grown.append(amount)
        real(res, amount)

    async def aextend(res: Any, amount: Decimal) -> None:
        grown.append(amount)
        await areal(res, amount)

    router.budget.extend, router.budget.aextend = extend, aextend
    return grown


def test_the_cover_of_each_choice_is_the_reservations_arithmetic(router_factory: Any) -> None:
    router = router_factory(budget=Budget([Limit(usd=10, window="month")]), ledger=False)
    request, plan = router._prepare(EASY, {"max_tokens": 300})
    counts = Counts()
    res = router.state.reserve(request, plan, counts)
    cover = BudgetCover(router.state, request, res, counts)
    worst = [cover.worst(c) for c in plan.choices]
    assert res.amount == router.state.worst_case(request, plan) == max(worst)
    for choice in plan.choices:  # a first attempt on any choice is covered
        dep = router.deployments[choice.deployment]
        assert cover.shortfall(choice, dep, ZERO) is None
        assert cover.shortfall(choice, dep, res.amount) == res.amount + cover.worst(choice)
        tokens, cap = cover.bounds(choice, dep)
        assert cap == 300 and 0 < tokens <= request.input_tokens_bound
    router.budget.release(res)


def test_a_cascades_escalation_is_covered_after_what_the_first_answer_billed(
    router_factory: Any,
) -> None:
    router = router_factory(
        deployments=[known("deepseek-v4-flash"), known("claude-sonnet-5-5")],
        policy=cascade(),
        budget=Budget([Limit(usd=10, window="month")]),
        ledger=False,
    )
    request, plan = router._prepare(EASY, {"max_tokens": 300})
    assert plan.cascade is not None
    counts = Counts()
    res = router.state.reserve(request, plan, counts)
    cover = BudgetCover(router.state, request, res, counts)
    first, (up,) = plan.choices[0], plan.cascade.escalate_to
    dep = router.deployments[up.deployment]
    assert res.amount == cover.worst(first) + cover.worst(up)

    def billed(cost: Decimal) -> Attempt:
        return Attempt(
            deployment=first.deployment,
            model="m",
            provider="deepseek",
            status="ok",
            latency_ms=1.0,
            usage=Usage(),
            cost_usd=cost,
        )

    later = cover.after([billed(cover.worst(first))])
    assert later.offset == cover.worst(first) and later.reservation is res
    assert later.shortfall(up, dep, ZERO) is None  # the first stage billed what was reserved
    over = cover.after([billed(cover.worst(first) + Decimal("0.001"))])
    assert over.shortfall(up, dep, ZERO) == res.amount + Decimal("0.001")
    router.budget.release(res)


def test_the_normal_path_never_grows_a_reservation(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    """Answers, streams, and retries after failures that cost nothing (a 503): no extension."""
    calls = iter(
        [
            httpx.Response(503, json={"error": {"message": "busy"}}),
            httpx.Response(200, json=deepseek_body("42", prompt=20, completion=2)),
        ]
    )

    def answer(request: httpx.Request) -> httpx.Response:
        if b'"stream": true' in request.content or b'"stream":true' in request.content:
            return sse_response(openai_sse(["4", "2"], prompt=20, completion=2, hit=0))
        return next(calls, httpx.Response(200, json=deepseek_body("42", prompt=20, completion=2)))

    mock.post(DEEPSEEK_URL).mock(side_effect=answer)
    router = router_factory(
        deployments=[known("deepseek-v4-flash")],
        budget=Budget([Limit(usd=1, window="month")]),
        ledger=False,
    )
    grown = _counting_extends(router)
    info = router.chat(messages=EASY, max_tokens=50).costroute
    assert [a.status for a in info.attempts] == ["error", "ok"]  # retried after a 503
    asyncio.run(router.achat(messages=EASY, max_tokens=50))
    assert [c for c in router.chat(messages=EASY, stream=True)]

    async def astream() -> None:
        [c async for c in await router.achat(messages=EASY, stream=True)]

    asyncio.run(astream())
    assert grown == []
    (window,) = router.budget.status().windows
    assert window.reserved == 0 and window.spent > 0
