"""The pluggable parts a user writes: a minimal class for each protocol in Router's signature
is one (isinstance, where the protocol is runtime-checkable) and the router uses it on a chat
call over respx-mocked HTTP; a value that is not one is a ConfigError naming the option."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import pytest
import respx

from costroute.cache import Entry, ResponseCache
from costroute.catalog import known
from costroute.difficulty import Difficulty, Estimator
from costroute.errors import ConfigError
from costroute.ledger import CallRecord, Ledger, LedgerLike
from costroute.observe import Observer, ObserverLike
from costroute.testing import DEEPSEEK_URL, deepseek_body
from costroute.types import Attempt, CallInfo, Plan, Request

Q = [{"role": "user", "content": "What is the capital of France?"}]


class DictCache:
    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}

    def get(self, key: str) -> Entry | None:
        return self.entries.get(key)

    def set(self, key: str, entry: Entry, ttl_s: float | None = None) -> None:
        self.entries[key] = entry


class ListLedger:
    def __init__(self) -> None:
        self.records: list[CallRecord] = []

    def append(self, record: CallRecord) -> None:
        self.records.append(record)


class Recorder:
    def __init__(self) -> None:
        self.events: list[str] = []

    def decision(self, request: Request, plan: Plan) -> None:
        self.events.append(f"decision {plan.primary.deployment}")

    def attempt(self, attempt: Attempt) -> None:
        self.events.append(f"attempt {attempt.deployment} {attempt.status}")

    def complete(self, request: Request, info: CallInfo, error: BaseException | None) -> None:
        self.events.append(f"complete cached={info.cached} error={error}")


class Constant:
    name = "constant"

    def estimate(self, messages: Sequence[Mapping[str, Any]]) -> Difficulty:
        return Difficulty(0.25, "custom")


def test_minimal_classes_are_the_protocols() -> None:
    assert isinstance(DictCache(), ResponseCache)
    assert isinstance(ListLedger(), LedgerLike) and not isinstance(ListLedger(), Ledger)
    assert isinstance(Recorder(), ObserverLike)
    assert isinstance(Constant(), Estimator)
    # the built-in implementations are too
    assert isinstance(Observer(), ObserverLike)
    assert issubclass(Ledger, LedgerLike)


def test_a_router_calls_user_written_parts(router_factory: Any, mock: respx.MockRouter) -> None:
    route = mock.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(200, json=deepseek_body("Paris", prompt=40, completion=10))
    )
    cache, ledger, observer = DictCache(), ListLedger(), Recorder()
    router = router_factory(
        deployments=[known("deepseek-v4-flash")],
        cache=cache,
        ledger=ledger,
        observer=observer,
        estimator=Constant(),
    )
    assert router.cache is cache and router.ledger is ledger and router.observer is observer
    first = router.chat(messages=Q)
    again = router.chat(messages=Q)
    assert route.call_count == 1 and again.choices[0].message.content == "Paris"
    assert first.costroute.difficulty == 0.25 and first.costroute.category == "custom"
    assert len(cache.entries) == 1 and again.costroute.cached
    assert [(r.request_id, r.cached) for r in ledger.records] == [
        (first.costroute.request_id, False),
        (again.costroute.request_id, True),
    ]
    assert ledger.records[0].cost_usd == first.costroute.cost_usd > 0
    assert observer.events == [
        "decision deepseek-v4-flash",
        "attempt deepseek-v4-flash ok",
        "complete cached=False error=None",
        "decision deepseek-v4-flash",
        "complete cached=True error=None",
    ]
    # a records-only ledger keeps records; reports need a Ledger, and the error says so
    with pytest.raises(ConfigError, match="keeps records but makes no reports") as caught:
        _ = router.usage
    assert caught.value.field == "ledger"


@pytest.mark.parametrize(
    ("option", "value"),
    [("ledger", 42), ("ledger", True), ("observer", object()), ("cache", object())],
)
def test_a_value_that_is_not_the_protocol_is_a_config_error(
    router_factory: Any, option: str, value: object
) -> None:
    with pytest.raises(ConfigError) as caught:
        router_factory(**{option: value})
    assert caught.value.field == option
