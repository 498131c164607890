"""Budgets, latency targets, breakers, cascades and per-call policies through Router.chat."""

from __future__ import annotations

import asyncio
import threading
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

import costroute
from costroute.breaker import BreakerConfig
from costroute.budget import Budget, Limit
from costroute.catalog import known
from costroute.errors import BudgetExceeded, InvalidRequestError, ProviderUnavailableError
from costroute.policy import cascade
from costroute.testing import ANTHROPIC_URL, DEEPSEEK_URL, OPENAI_URL, deepseek_body, openai_body

EASY = [{"role": "user", "content": "hi"}]
HARD = [
    {
        "role": "user",
        "content": "Prove rigorously that there are infinitely many primes "
        "of the form 4k+3, then derive the density with Dirichlet's theorem step by step.",
    }
]


def _cheap_pair() -> list[costroute.Deployment]:
    return [known("deepseek-v4-flash"), known("gpt-5.4")]


def test_budget_refuses_before_network_and_records_the_refusal(
    router_factory: Any, mock: respx.MockRouter, tmp_path: Any
) -> None:
    route = mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("ok")))
    budget = Budget([Limit(usd="0.0001", window="day")])
    router = router_factory(budget=budget, ledger=f"sqlite:///{tmp_path / 'l.sqlite'}")
    with pytest.raises(BudgetExceeded) as err:
        router.chat(messages=EASY, max_tokens=1000)  # worst case 1000 x $1.20/M > $0.0001
    assert err.value.window == "day" and err.value.resets_at and not route.calls
    report = router.usage.report(month="2026-11")
    assert report.refusals == 1 and report.spend_usd == 0
    status = router.budget.status()
    assert all(w.reserved == 0 for w in status.windows)


def test_settles_the_actual_cost_and_keeps_no_reservation(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    mock.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(200, json=deepseek_body("ok", prompt=100, completion=50))
    )
    router = router_factory(budget=Budget([Limit(usd=1, window="month")]))
    infos = [router.chat(messages=EASY, max_tokens=200).costroute for _ in range(3)]
    (window,) = router.budget.status().windows
    assert window.spent == sum(i.cost_usd for i in infos) and window.reserved == 0


def test_failed_call_releases_its_reservation(router_factory: Any, mock: respx.MockRouter) -> None:
    mock.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(400, json={"error": {"message": "bad"}})
    )
    router = router_factory(budget=Budget([Limit(usd=1, window="month")]))
    with pytest.raises(costroute.errors.BadRequestError):
        router.chat(messages=EASY, max_tokens=10)
    (window,) = router.budget.status().windows
    assert window.spent == 0 and window.reserved == 0


def test_soft_limit_downgrades_and_says_why(router_factory: Any, mock: respx.MockRouter) -> None:
    mock.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(
            200, json=deepseek_body("ok", prompt=200_000, completion=100_000)
        )
    )
    router = router_factory(budget=Budget([Limit(usd=1, window="month", soft=0.1)]))
    before = router.explain(HARD)
    router.chat(messages=EASY, model="deepseek-v4-flash", max_tokens=100)  # spends ~$0.18: past 10%
    after = router.explain(HARD)
    tier = {d.name: d.tier for d in router.deployments.values()}
    assert tier[after.primary.deployment] < tier[before.primary.deployment]
    assert any("budget" in r and "soft" in r for r in after.reasons)


def test_budget_survives_a_restart_from_the_ledger(
    router_factory: Any, mock: respx.MockRouter, tmp_path: Any
) -> None:
    mock.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(200, json=deepseek_body("ok", prompt=100, completion=50))
    )
    url = f"sqlite:///{tmp_path / 'l.sqlite'}"
    budget = Budget([Limit(usd=1, window="month")])
    spent = (
        router_factory(budget=budget, ledger=url)
        .chat(messages=EASY, max_tokens=100)
        .costroute.cost_usd
    )
    fresh = router_factory(budget=budget, ledger=url, wall_clock=lambda: 1_795_000_000.0)
    (window,) = fresh.budget.status().windows
    assert window.spent == spent > 0


def test_concurrent_calls_never_overspend(router_factory: Any, mock: respx.MockRouter) -> None:
    """50 threads x 20 calls through Router.chat against a budget admitting about half."""
    mock.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(200, json=deepseek_body("ok", prompt=10, completion=100))
    )
    router = router_factory(
        deployments=[known("deepseek-v4-flash")],
        budget=Budget([Limit(usd="0.06", window="day")]),
        ledger=False,
    )
    # each call reserves at most ~100 tokens x $1.20/M + input, and settles 10 x 0.30 + 100 x 1.20 per M
    results: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(20):
            try:
                router.chat(messages=EASY, max_tokens=100)
                outcome = "ok"
            except BudgetExceeded:
                outcome = "refused"
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (window,) = router.budget.status().windows
    admitted = results.count("ok")
    assert len(results) == 1000 and 300 < admitted < 700, admitted
    assert window.spent <= Decimal("0.06") and window.reserved == 0
    assert window.spent == admitted * (10 * Decimal("0.0000003") + 100 * Decimal("0.0000012"))


def test_open_breaker_is_skipped_and_the_plan_says_so(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    ds = mock.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(503, json={"error": {"message": "down"}})
    )
    mock.post(OPENAI_URL).mock(return_value=httpx.Response(200, json=openai_body("gpt")))
    router = router_factory(
        deployments=_cheap_pair(),
        breakers=BreakerConfig(consecutive_failures=2, cooldown_s=30),
        retry=costroute.RetryConfig(attempts=1),
    )
    router.chat(messages=EASY)
    router.chat(messages=EASY)
    assert ds.call_count == 2
    plan = router.explain(EASY)
    assert ("deepseek-v4-flash", "circuit breaker open") in plan.rejected
    assert router.chat(messages=EASY).costroute.deployment == "gpt-5.4" and ds.call_count == 2


def test_tight_latency_target_never_picks_the_slow_reasoner() -> None:
    """Against the simulator's per-model latency, after the router has measured both."""
    from costroute.cli._demo import simulated_router

    with simulated_router(latency_scale=0.05, ledger=False) as router:
        for _ in range(6):  # measure: flash is fast, v4-pro slow (seconds at scale 1)
            router.chat(messages=HARD, model="deepseek-v4-pro")
            router.chat(messages=HARD, model="deepseek-v4-flash")
        fast = router.state.latency.predict_ms(
            "deepseek-v4-flash", 400, router.deployments["deepseek-v4-flash"]
        )
        slow = router.state.latency.predict_ms(
            "deepseek-v4-pro", 400, router.deployments["deepseek-v4-pro"]
        )
        assert slow > fast
        target = (fast + slow) / 2
        for _ in range(5):
            info = router.chat(messages=HARD, latency_target_ms=target).costroute
            assert info.deployment != "deepseek-v4-pro"
            assert any("predicted" in r and "deepseek-v4-pro" in r for r in info.reasons)


def test_cascade_escalates_an_empty_answer_and_bills_both(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    mock.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(200, json=deepseek_body("", prompt=20, completion=1))
    )
    mock.post(ANTHROPIC_URL).mock(
        return_value=httpx.Response(
            200,
            json={
                "id": "m",
                "type": "message",
                "role": "assistant",
                "model": "claude-sonnet-5-5",
                "content": [{"type": "text", "text": "a real answer"}],
                "stop_reason": "end_turn",
                "usage": {"input_tokens": 20, "output_tokens": 4},
            },
        )
    )
    router = router_factory(
        deployments=[known("deepseek-v4-flash"), known("claude-sonnet-5-5")], policy=cascade()
    )
    info = router.chat(messages=EASY).costroute
    assert info.deployment == "claude-sonnet-5-5"
    assert [a.deployment for a in info.attempts] == ["deepseek-v4-flash", "claude-sonnet-5-5"]
    assert info.cost_usd == sum(a.cost_usd for a in info.attempts) and info.attempts[0].cost_usd > 0
    assert any(r.startswith("escalated:") for r in info.reasons)


def test_cascade_keeps_a_good_cheap_answer(router_factory: Any, mock: respx.MockRouter) -> None:
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("fine")))
    router = router_factory(
        deployments=[known("deepseek-v4-flash"), known("claude-sonnet-5-5")], policy=cascade()
    )
    info = asyncio.run(router.achat(messages=EASY)).costroute
    assert info.deployment == "deepseek-v4-flash" and len(info.attempts) == 1


def test_per_call_policy(router_factory: Any) -> None:
    router = router_factory()
    assert router.explain(EASY, policy="quality-first").policy == "quality-first"
    assert (
        router.deployments[router.explain(EASY, policy="quality-first").primary.deployment].tier
        == 3
    )
    with pytest.raises(InvalidRequestError) as err:
        router.explain(EASY, policy="yolo")
    assert err.value.field == "policy"


def test_every_breaker_open_says_so_in_the_error(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    mock.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(503, json={"error": {"message": "down"}})
    )
    router = router_factory(
        deployments=[known("deepseek-v4-flash")],
        breakers=BreakerConfig(consecutive_failures=1, cooldown_s=30),
        retry=costroute.RetryConfig(attempts=1),
    )
    with pytest.raises(ProviderUnavailableError):  # a one-choice plan: the deployment's error
        router.chat(messages=EASY, model="deepseek-v4-flash")
    with pytest.raises(costroute.AllDeploymentsFailed) as err:
        router.chat(messages=EASY, model="deepseek-v4-flash")  # pinned: planning cannot skip it
    assert "circuit breaker open" in str(err.value) and not err.value.attempts


def test_store_options_cannot_be_lost_on_a_built_store(keys: dict[str, str]) -> None:
    from costroute.store import memory_store

    with pytest.raises(costroute.ConfigError) as err:
        costroute.Router(store=memory_store(), breakers=BreakerConfig(), ledger=False)
    assert err.value.field == "store" and "breakers" in str(err.value)


def test_reservations_use_the_exact_tokenizer_where_there_is_one(router_factory: Any) -> None:
    from costroute.providers import count_prompt_tokens
    from costroute.router._state import RouterState

    text = "Summarise the history of the Roman Empire in three paragraphs, please. " * 40
    router = router_factory(budget=Budget([Limit(usd=10, window="day")]))
    request, _ = router._prepare([{"role": "user", "content": text}], {})
    state: RouterState = router.state
    gpt, claude = router.deployments["gpt-5.4"], router.deployments["claude-sonnet-5-5"]
    exact = count_prompt_tokens(gpt, request.messages)
    assert exact is not None
    reserved = state.input_tokens(request, gpt, {})
    assert exact < reserved < request.input_tokens_bound  # exact plus a margin, below the bound
    assert state.input_tokens(request, claude, {}) == request.input_tokens_bound  # approximate


LONG = [{"role": "user", "content": "Summarise the Roman Empire in three paragraphs. " * 60}]


def test_achat_counts_a_long_prompt_in_a_worker_thread(
    router_factory: Any, mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tokenizing a long prompt is milliseconds of CPU: achat does it (with the plan and the
    reservation) in a worker thread; a short one is counted on the loop (microseconds)."""
    import costroute.providers as providers_face
    from costroute.router._worst import COUNT_ABOVE_TOKENS

    mock.post(OPENAI_URL).mock(return_value=httpx.Response(200, json=openai_body("ok")))
    router = router_factory(budget=Budget([Limit(usd=10, window="day")]), ledger=False)
    real = providers_face.count_prompt_tokens
    threads: list[int] = []

    def counting(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(providers_face, "count_prompt_tokens", counting)

    async def main(messages: Any) -> int:
        await router.achat(messages=messages, model="gpt-5.4", max_tokens=100)
        return threading.get_ident()

    request, _ = router._prepare(LONG, {})
    assert request.input_tokens_bound > COUNT_ABOVE_TOKENS
    loop_thread = asyncio.run(main(LONG))
    assert threads and loop_thread not in threads
    threads.clear()
    loop_thread = asyncio.run(main(EASY))
    assert threads == [loop_thread]


def test_the_first_achat_loads_the_tokenizers_in_a_worker_thread(
    router_factory: Any, mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """litellm loads a tokenizer on its first count (hundreds of milliseconds): the first achat
    of a router with a budget counts once per model in a worker thread, so that no count on the
    event loop is a model's first."""
    import costroute.providers as providers_face

    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("ok")))
    mock.post(OPENAI_URL).mock(return_value=httpx.Response(200, json=openai_body("ok")))
    router = router_factory(budget=Budget([Limit(usd=10, window="day")]), ledger=False)
    real = providers_face.count_prompt_tokens
    counts: list[tuple[str, int]] = []

    def counting(dep: Any, *args: Any, **kwargs: Any) -> Any:
        counts.append((dep.model, threading.get_ident()))
        return real(dep, *args, **kwargs)

    monkeypatch.setattr(providers_face, "count_prompt_tokens", counting)

    async def main() -> int:
        await router.achat(messages=EASY)
        await router.achat(messages=EASY)
        return threading.get_ident()

    loop_thread = asyncio.run(main())
    first: dict[str, int] = {}
    for model, thread in counts:
        first.setdefault(model, thread)
    exact = {
        d.model for d in router.deployments.values() if d.provider in providers_face.EXACT_PROVIDERS
    }
    assert exact and set(first) == exact
    assert loop_thread not in first.values()  # every model's first count was off the loop
    assert any(thread == loop_thread for _, thread in counts)  # later counts: on the loop
