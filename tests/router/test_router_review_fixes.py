"""Router behaviours fixed after review: the policy a cache hit reports, settings validated at
construction, cascade attempts kept whole, and what a failed plan's error carries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

import costroute
from costroute.breaker import BreakerConfig
from costroute.catalog import known
from costroute.errors import AllDeploymentsFailed, ConfigError
from costroute.executor import Outcome
from costroute.router._cascade import _merged
from costroute.store import memory_store
from costroute.testing import (
    ANTHROPIC_URL,
    DEEPSEEK_URL,
    OPENAI_URL,
    anthropic_body,
    deepseek_body,
    openai_body,
)
from costroute.types import Attempt, Choice, Usage

Q = [{"role": "user", "content": "What is the capital of France?"}]


class ListLedger:
    def __init__(self) -> None:
        self.records: list[Any] = []

    def append(self, record: Any) -> None:
        self.records.append(record)


class Recorder:
    """An observer that keeps the events it is told of, in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def decision(self, request: Any, plan: Any) -> None:
        self.events.append(("decision", plan.policy))

    def attempt(self, attempt: Any) -> None:
        self.events.append(("attempt", attempt.deployment))

    def complete(self, request: Any, info: Any, error: Any) -> None:
        self.events.append(("complete", (info.policy, info.cached, error)))


def _answer_everywhere(mock: respx.MockRouter) -> None:
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("Paris")))
    mock.post(OPENAI_URL).mock(return_value=httpx.Response(200, json=openai_body("Paris")))
    mock.post(ANTHROPIC_URL).mock(return_value=httpx.Response(200, json=anthropic_body("Paris")))


# ---- a cache hit reports the policy its key was made under ----------------------------------


def test_a_hit_under_a_per_call_policy_reports_that_policy(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    _answer_everywhere(mock)
    ledger, observer = ListLedger(), Recorder()
    router = router_factory(cache="memory", ledger=ledger, observer=observer)
    assert router.policy.name == "balanced"
    first = router.chat(messages=Q, policy="quality-first")
    hit = router.chat(messages=Q, policy="quality-first")
    assert not first.costroute.cached and first.costroute.policy == "quality-first"
    assert hit.costroute.cached and hit.costroute.policy == "quality-first"
    assert hit.choices[0].message.content == "Paris"
    assert [(r.policy, r.cached) for r in ledger.records] == [
        ("quality-first", False),
        ("quality-first", True),
    ]
    # the hit is told to the observer like a call: its decision, then its completion
    assert observer.events[-2:] == [
        ("decision", "quality-first"),
        ("complete", ("quality-first", True, None)),
    ]
    # the router's own policy is another key: a miss, then a hit reporting "balanced"
    own = router.chat(messages=Q)
    again = router.chat(messages=Q)
    assert not own.costroute.cached and own.costroute.policy == "balanced"
    assert again.costroute.cached and again.costroute.policy == "balanced"
    assert ledger.records[-1].policy == "balanced"


def test_a_hit_reserves_nothing_and_settles_no_budget(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    _answer_everywhere(mock)
    router = router_factory(
        cache="memory", ledger=False, budget=costroute.Budget([costroute.Limit(usd=1)])
    )
    paid = router.chat(messages=Q).costroute
    hit = router.chat(messages=Q).costroute
    assert hit.cached and hit.cost_usd == 0 and paid.cost_usd > 0
    (window,) = router.budget.status().windows
    assert window.spent == paid.cost_usd and window.reserved == 0


# ---- settings are checked when the router is built ------------------------------------------


@pytest.mark.parametrize("value", ["Raise", "ignore", "", None, True])
def test_on_ledger_error_takes_raise_or_warn_only(keys: dict[str, str], value: Any) -> None:
    with pytest.raises(ConfigError) as err:
        costroute.Router(on_ledger_error=value, ledger=False)
    assert err.value.field == "on_ledger_error"
    assert err.value.fix == 'use "raise" or "warn"'
    assert repr(value) in str(err.value)


@pytest.mark.parametrize("value", ["raise", "warn"])
def test_on_ledger_error_accepts_its_two_values(keys: dict[str, str], value: str) -> None:
    assert costroute.Router(on_ledger_error=value, ledger=False).on_ledger_error == value


@pytest.mark.parametrize("value", ["Open", "fail-open", "", None])
def test_on_store_failure_takes_closed_or_open_only(keys: dict[str, str], value: Any) -> None:
    with pytest.raises(ConfigError) as err:
        costroute.Router(on_store_failure=value, ledger=False)  # in-process store: was ignored
    assert err.value.field == "on_store_failure"
    assert "'closed'" in (err.value.fix or "") and "'open'" in (err.value.fix or "")


def test_on_store_failure_with_a_built_store_names_the_routers_parameter(
    keys: dict[str, str],
) -> None:
    with pytest.raises(ConfigError) as err:
        costroute.Router(store=memory_store(), on_store_failure="open", ledger=False)
    message = str(err.value)
    assert err.value.field == "store"
    assert "Router(on_store_failure=)" in message
    assert "on_failure=..." in (err.value.fix or "")  # what redis_store calls it
    assert "on_failure cannot" not in message


def test_every_store_option_given_with_a_built_store_is_named(keys: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as err:
        costroute.Router(
            store=memory_store(), on_store_failure="open", breakers=BreakerConfig(), ledger=False
        )
    assert "Router(breakers=, on_store_failure=)" in str(err.value)
    assert "redis_store(url, breakers=..., on_failure=...)" in (err.value.fix or "")


# ---- a cascade bills every attempt of both stages -------------------------------------------


def test_a_cascade_keeps_an_escalation_attempt_equal_to_a_first_one() -> None:
    """Attempts are values: a second-stage attempt can equal a first-stage one field by field
    (same deployment, cost and latency under a fake clock) and is billed all the same."""
    dep = known("deepseek-v4-flash")
    attempt = Attempt(
        deployment=dep.name,
        model=dep.model,
        provider=dep.provider,
        status="ok",
        latency_ms=0.0,
        usage=Usage(10, 5),
        cost_usd=Decimal("0.00001"),
    )
    choice = Choice(deployment=dep.name)
    first = Outcome("first", dep, choice, [attempt], Usage(10, 5))
    second = Outcome("second", dep, choice, [attempt], Usage(10, 5))
    merged = _merged(first, second, "too short")
    assert merged.response == "second"
    assert merged.attempts == [attempt, attempt]
    assert sum((a.cost_usd for a in merged.attempts), Decimal(0)) == Decimal("0.00002")
    assert merged.notes == ["escalated: too short"]


# ---- AllDeploymentsFailed carries the run's notes -------------------------------------------


def test_all_deployments_failed_carries_the_notes_of_the_run(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(503, json={"error": {"message": "x"}}))
    mock.post(OPENAI_URL).mock(return_value=httpx.Response(503, json={"error": {"message": "x"}}))
    router = router_factory(
        deployments=[known("deepseek-v4-flash"), known("gpt-5.4")],
        retry=costroute.RetryConfig(attempts=1),
        ledger=False,
    )
    with pytest.raises(AllDeploymentsFailed) as err:
        router.chat(messages=Q)
    notes = err.value.notes
    assert isinstance(notes, tuple) and len(notes) == 2
    assert all("falling back" in n for n in notes)
    assert notes[0] in str(err.value)
    assert not hasattr(err.value, "skipped")
