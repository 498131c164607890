"""A hard budget limit holds under retries of billed attempts (respx at the HTTP layer).

A stream cut before its first content token is billed for its prompt, then retried, then sent
to the fallback: three attempts, two of them billed, against a reservation for one. Before each
attempt the router's cover checks ``billed + this attempt's worst case <= reserved``; when it
does not fit, the reservation grows atomically with the limit, or the call stops with
``BudgetExceeded`` (``further=True``), its billed attempts settled and recorded. Sync and async,
one call and 30 concurrent calls (threads, asyncio), in-process and Redis budgets.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from faultkit import Harness, answer

import costroute
from costroute.budget import Budget, Limit
from costroute.errors import BudgetExceeded
from costroute.executor import Executor, RetryConfig
from costroute.testing import DEEPSEEK_URL, OPENAI_URL, sse_response
from costroute.types import Choice, Plan

ZERO = Decimal(0)
PRIMARY, FALLBACK = "gpt-5.4", "deepseek-v4-flash"  # OpenAI: the reservation counts exactly
# 4,000 tokens by OpenAI's tokenizer; 5,007 by the 4-characters-a-token estimate.
LONG = [{"role": "user", "content": "word " * 4000}]
MAX_TOKENS = 64


def cut_before_content(request: httpx.Request) -> httpx.Response:
    """A 200 stream that opens (a role chunk, no content) and stops: billed for the prompt."""
    chunk = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [
            {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}
        ],
    }
    return sse_response(f"data: {json.dumps(chunk)}\n\n")


def _routes(mock: respx.MockRouter) -> tuple[respx.Route, respx.Route]:
    primary = mock.post(OPENAI_URL).mock(side_effect=cut_before_content)
    fallback = mock.post(DEEPSEEK_URL).mock(side_effect=lambda r: answer(DEEPSEEK_URL, True))
    return primary, fallback


def _worst(router: costroute.Router) -> Decimal:
    """What the router reserves for one call of this scenario."""
    request, plan = router._prepare(LONG, {"max_tokens": MAX_TOKENS})
    return router.state.worst_case(request, plan)


def _attempt_worst(router: costroute.Router, deployment: str) -> Decimal:
    """What the router reserves for one attempt on ``deployment`` (a plan of that one)."""
    request, _ = router._prepare(LONG, {"max_tokens": MAX_TOKENS})
    only = Plan(choices=(Choice(deployment=deployment),), policy="one", difficulty=0.0)
    return router.state.worst_case(request, only)


def _window(router: costroute.Router) -> Any:
    (window,) = router.budget.status().windows
    return window


def _stream(router: costroute.Router) -> Any:
    stream = router.chat(messages=LONG, max_tokens=MAX_TOKENS, stream=True)
    "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    return stream.costroute


async def _astream(router: costroute.Router) -> Any:
    stream = await router.achat(messages=LONG, max_tokens=MAX_TOKENS, stream=True)
    [c async for c in stream]
    return stream.costroute


def _call(router: costroute.Router, mode: str) -> Any:
    return _stream(router) if mode == "stream" else asyncio.run(_astream(router))


MODES = ("stream", "async_stream")


@pytest.mark.parametrize("mode", MODES)
def test_the_reservation_grows_for_billed_retries_and_settles_exactly(
    harness_factory: Callable[..., Harness], mock: respx.MockRouter, mode: str
) -> None:
    primary, fallback = _routes(mock)
    h = harness_factory([PRIMARY, FALLBACK], budget=Budget([Limit(usd=1, window="month")]))
    worst = _worst(h.router)
    info = _call(h.router, mode)
    cut1, cut2, ok = info.attempts
    assert (primary.call_count, fallback.call_count) == (2, 1)
    assert [a.status_code for a in (cut1, cut2)] == [200, 200] and ok.deployment == FALLBACK
    # A cut attempt is billed at most what was reserved for it (the estimate is bounded).
    assert ZERO < cut1.cost_usd == cut2.cost_usd <= _attempt_worst(h.router, PRIMARY)
    assert info.cost_usd == cut1.cost_usd + cut2.cost_usd + ok.cost_usd > worst  # it grew
    window = _window(h.router)
    assert (window.spent, window.reserved) == (info.cost_usd, ZERO)
    (record,) = h.ledger.records
    assert (record.status, record.cost_usd) == ("ok", info.cost_usd)


@pytest.mark.parametrize("mode", MODES)
def test_a_limit_with_no_room_stops_the_call_and_settles_what_it_was_billed(
    harness_factory: Callable[..., Harness], mock: respx.MockRouter, mode: str
) -> None:
    primary, fallback = _routes(mock)
    probe = harness_factory([PRIMARY, FALLBACK])
    limit = _worst(probe.router)  # exactly one reservation: no room for a second attempt
    h = harness_factory([PRIMARY, FALLBACK], budget=Budget([Limit(usd=limit, window="month")]))
    with pytest.raises(BudgetExceeded) as err:
        _call(h.router, mode)
    e = err.value
    assert (e.window, e.scope, e.further, e.limit_usd) == ("month", "global", True, limit)
    (cut,) = e.attempts
    assert cut.deployment == PRIMARY and cut.cost_usd > 0
    assert (primary.call_count, fallback.call_count) == (1, 0)  # not retried, no fallback
    window = _window(h.router)
    assert (window.spent, window.reserved) == (cut.cost_usd, ZERO)
    assert window.spent <= limit
    (record,) = h.ledger.records
    assert (record.status, record.error_class) == ("refused", "BudgetExceeded")
    assert record.cost_usd == cut.cost_usd and record.attempts == (cut,)


class Interrupted(BaseException):
    """Stands for KeyboardInterrupt in the sync driver."""


@pytest.mark.parametrize("mode", MODES)
def test_a_call_abandoned_between_retries_settles_its_billed_attempt(
    harness_factory: Callable[..., Harness], mock: respx.MockRouter, mode: str
) -> None:
    """Cancelled (or interrupted) while waiting to retry after a billed cut: the cut is settled
    and recorded, not released as if nothing had been billed."""
    primary, _ = _routes(mock)
    h = harness_factory([PRIMARY, FALLBACK], budget=Budget([Limit(usd=1, window="month")]))

    def interrupt(seconds: float) -> None:
        raise Interrupted

    async def cancel(seconds: float) -> None:
        raise asyncio.CancelledError

    h.router.executor.sleep, h.router.executor.asleep = interrupt, cancel
    with pytest.raises(Interrupted if mode == "stream" else asyncio.CancelledError):
        _call(h.router, mode)
    assert primary.call_count == 1
    (record,) = h.ledger.records
    (cut,) = record.attempts
    assert cut.cost_usd > 0 and record.cost_usd == cut.cost_usd and record.status == "error"
    window = _window(h.router)
    assert (window.spent, window.reserved) == (cut.cost_usd, ZERO)


def test_the_executor_asks_the_cover_before_every_attempt_of_a_plain_call(
    mock: respx.MockRouter, keys: dict[str, str]
) -> None:
    """Executor.run/arun (no stream): the cover is asked before each attempt; refused, the run
    stops, settles through ``finish`` and raises the refusal."""
    route = mock.post(OPENAI_URL).mock(
        return_value=httpx.Response(503, json={"error": {"message": "busy"}})
    )
    deployments = costroute.Router(ledger=False).deployments
    slept: list[float] = []

    async def asleep(seconds: float) -> None:
        slept.append(seconds)

    executor = Executor(
        deployments, retry=RetryConfig(attempts=3), sleep=slept.append, asleep=asleep
    )
    plan = Plan(choices=(Choice(deployment=PRIMARY),), policy="fixed", difficulty=0.0)
    request = costroute.Router(ledger=False)._prepare(LONG, {})[0]
    refusal = BudgetExceeded(
        window="month",
        scope="global",
        spent_usd=1,
        reserved_usd=0,
        limit_usd=1,
        needed_usd=1,
        resets_at=None,
        further=True,
    )

    class Cover:
        def __init__(self) -> None:
            self.asked: list[Decimal] = []

        def shortfall(self, choice: Choice, dep: Any, billed: Decimal) -> Decimal | None:
            self.asked.append(billed)
            return None if len(self.asked) < 3 else Decimal(2)

        def extend(self, amount: Decimal) -> None:
            raise refusal

        async def aextend(self, amount: Decimal) -> None:
            raise refusal

        def bounds(self, choice: Choice, dep: Any) -> tuple[int, int]:
            return 10**6, 10**6

    for run in (
        lambda f, c: executor.run(plan, request, 60, f, c),
        lambda f, c: asyncio.run(executor.arun(plan, request, 60, f, c)),
    ):
        finished: list[tuple[Any, BaseException | None]] = []
        cover = Cover()
        calls = route.call_count
        with pytest.raises(BudgetExceeded) as err:
            run(lambda outcome, error, done=finished: done.append((outcome, error)), cover)
        assert err.value is refusal and len(refusal.attempts) == 2
        assert route.call_count - calls == 2 and cover.asked == [ZERO, ZERO, ZERO]
        ((outcome, error),) = finished
        assert error is refusal and len(outcome.attempts) == 2


# ---- 30 concurrent streams, the limit = 10 reservations --------------------------------------

CALLS, ADMITS = 30, 10


def _concurrent_router(
    harness_factory: Callable[..., Harness], store: Any
) -> tuple[Harness, Decimal]:
    probe = harness_factory([PRIMARY, FALLBACK])
    limit = _worst(probe.router) * ADMITS
    h = harness_factory(
        [PRIMARY, FALLBACK], budget=Budget([Limit(usd=limit, window="month")]), store=store
    )
    return h, limit


def _check(h: Harness, limit: Decimal, outcomes: list[str]) -> None:
    window = _window(h.router)
    recorded = sum((r.cost_usd for r in h.ledger.records), ZERO)
    print(
        f"\nlimit=${limit} settled=${window.spent} ({window.spent / limit:.0%})"
        f" reserved=${window.reserved} ok={outcomes.count('ok')}"
        f" stopped={outcomes.count('stopped')} refused={outcomes.count('refused')}"
    )
    assert len(outcomes) == CALLS and set(outcomes) <= {"ok", "refused", "stopped"}, outcomes
    assert window.spent <= limit  # the hard limit holds
    assert window.reserved == 0
    assert window.spent == recorded  # every billed attempt settled and recorded, once
    assert outcomes.count("refused") < CALLS and window.spent > 0  # the budget was used
    stopped = [r for r in h.ledger.records if r.status == "refused" and r.cost_usd > 0]
    assert len(stopped) == outcomes.count("stopped")


def _outcome(exc: BaseException | None) -> str:
    if exc is None:
        return "ok"
    assert isinstance(exc, BudgetExceeded), exc
    return "stopped" if getattr(exc, "further", False) else "refused"


def _threads(h: Harness) -> list[str]:
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(CALLS)

    def one() -> None:
        start.wait()
        try:
            _stream(h.router)
            out = _outcome(None)
        except BudgetExceeded as exc:
            out = _outcome(exc)
        with lock:
            outcomes.append(out)

    threads = [threading.Thread(target=one) for _ in range(CALLS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def _tasks(h: Harness) -> list[str]:
    async def one() -> str:
        try:
            await _astream(h.router)
        except BudgetExceeded as exc:
            return _outcome(exc)
        return _outcome(None)

    async def main() -> list[str]:
        return list(await asyncio.gather(*(one() for _ in range(CALLS))))

    return asyncio.run(main())


@pytest.mark.parametrize("driver", [_threads, _tasks], ids=["threads", "asyncio"])
def test_thirty_concurrent_streams_never_pass_the_limit(
    harness_factory: Callable[..., Harness], mock: respx.MockRouter, driver: Any
) -> None:
    _routes(mock)
    h, limit = _concurrent_router(harness_factory, None)
    _check(h, limit, driver(h))


@pytest.mark.redis
@pytest.mark.parametrize("driver", [_threads, _tasks], ids=["threads", "asyncio"])
def test_thirty_concurrent_streams_never_pass_a_redis_limit(
    harness_factory: Callable[..., Harness],
    mock: respx.MockRouter,
    redis_url: str,
    redis_prefix: tuple[Any, str],
    driver: Any,
) -> None:
    from costroute.store import redis_store

    mock.route(host="127.0.0.1").pass_through()  # Redis is not HTTP, but be explicit
    _routes(mock)
    h, limit = _concurrent_router(harness_factory, redis_store(redis_url, prefix=redis_prefix[1]))
    _check(h, limit, driver(h))
    client, prefix = redis_prefix
    leases = sum(client.zcard(k) for k in client.scan_iter(match=f"{prefix}budget:v2:l:*"))
    assert leases == 0
