"""router.rollout: a candidate shadowed on live calls (recorded, never deciding), evaluated on the
outcomes of those calls against hand-computed figures, promoted only when it beats the current
version, rolled back in one call; sync and async, SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from costroute.difficulty import CallableEstimator
from costroute.errors import ConfigError, RolloutError
from costroute.ledger import CallRecord
from costroute.testing import (
    ANTHROPIC_URL,
    DEEPSEEK_URL,
    OPENAI_URL,
    anthropic_body,
    deepseek_body,
    openai_body,
)

D = Decimal
Q = [{"role": "user", "content": "What is the capital of France?"}]
FLASH, HAIKU = "deepseek-v4-flash", "claude-haiku-4-5"


def hard(messages: Any) -> float:
    """A candidate estimator that finds every request hard."""
    return 0.95


@pytest.fixture
def providers(mock: respx.MockRouter) -> respx.MockRouter:
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("Paris")))
    mock.post(OPENAI_URL).mock(return_value=httpx.Response(200, json=openai_body("Paris")))
    mock.post(ANTHROPIC_URL).mock(return_value=httpx.Response(200, json=anthropic_body("Paris")))
    return mock


@pytest.fixture
def router(router_factory: Any, tmp_path: Path) -> Any:
    return router_factory(ledger=f"sqlite:///{tmp_path / 'ledger.sqlite'}")


# ---- shadow mode on live calls


def test_a_shadowed_candidate_is_recorded_and_never_decides(
    router_factory: Any, providers: respx.MockRouter, ledger_url: str
) -> None:
    router = router_factory(ledger=ledger_url)
    alone = router_factory(ledger=False, estimator=CallableEstimator(hard))
    before = router.explain(Q)
    current = router.rollout.current
    candidate = router.rollout.propose(CallableEstimator(hard), name="all-hard")
    wanted = alone.explain(Q).primary.deployment
    assert wanted != before.primary.deployment  # the candidate would choose otherwise
    info = router.chat(messages=Q).costroute
    assert router.explain(Q) == before  # the caller's plan is the current version's
    assert (info.deployment, info.router_version) == (before.primary.deployment, str(current))
    (record,) = router.usage.records()
    assert (record.router_version, record.shadow_version, record.shadow_deployment) == (
        str(current),
        str(candidate),
        wanted,
    )
    assert len(providers.calls) == 1  # the shadow plan makes no network call
    router.rollout.withdraw()
    router.chat(messages=Q)
    assert router.usage.records()[-1].shadow_version is None


async def test_achat_records_the_shadow_too(
    router_factory: Any, providers: respx.MockRouter, ledger_url: str
) -> None:
    router = router_factory(ledger=ledger_url)
    candidate = router.rollout.propose(CallableEstimator(hard), name="all-hard")
    info = (await router.achat(messages=Q)).costroute
    (record,) = router.usage.records()
    assert record.request_id == info.request_id
    assert (record.router_version, record.shadow_version) == (info.router_version, str(candidate))
    assert record.shadow_deployment is not None and record.shadow_deployment != info.deployment


def test_a_candidate_that_cannot_plan_leaves_the_call_alone(
    router_factory: Any, providers: respx.MockRouter, tmp_path: Path, caplog: Any
) -> None:
    router = router_factory(ledger=f"sqlite:///{tmp_path / 'l.sqlite'}")

    def broken(messages: Any) -> float:
        raise RuntimeError("weights missing")

    router.rollout.propose(CallableEstimator(broken), name="broken")
    info = router.chat(messages=Q).costroute
    assert info.deployment == router.explain(Q).primary.deployment
    (record,) = router.usage.records()
    assert (record.shadow_version is not None, record.shadow_deployment) == (True, None)
    assert "could not plan" in caplog.text


# ---- evaluate on hand-made outcomes


def _rated(
    router: Any, rows: list[tuple[float, str, str | None, float, str]], *, shadow: str
) -> None:
    """Calls the current version decided with ``shadow`` shadowed, and their scores:
    (difficulty, deployment, shadow deployment, score, cost)."""
    for i, (difficulty, dep, shadow_dep, score, cost) in enumerate(rows):
        rid = f"call-{uuid.uuid4().hex[:8]}-{i}"
        router.usage.append(
            CallRecord(
                request_id=rid,
                at=router.now(),
                deployment=dep,
                model=dep,
                provider="p",
                policy="balanced",
                difficulty=difficulty,
                cost_usd=D(cost),
                router_version=str(router.rollout.current),
                shadow_version=shadow,
                shadow_deployment=shadow_dep,
            )
        )
        router.feedback(rid, score)


# (difficulty, deployment that answered, candidate's first choice, score, cost)
SEVEN = [
    (0.10, FLASH, FLASH, 1.0, "0.001"),  # bucket 0, agreed
    (0.10, FLASH, FLASH, 1.0, "0.001"),  # bucket 0, agreed
    (0.20, FLASH, FLASH, 0.0, "0.001"),  # bucket 0, agreed
    (0.80, FLASH, FLASH, 0.0, "0.002"),  # bucket 3, agreed
    (0.80, HAIKU, FLASH, 1.0, "0.004"),  # candidate: flash in bucket 3 -> (0.0, 0.002)
    (0.90, HAIKU, FLASH, 1.0, "0.006"),  # candidate: flash in bucket 3 -> (0.0, 0.002)
    (0.30, HAIKU, FLASH, 1.0, "0.004"),  # bucket 1 has no flash: all flash -> (0.5, 0.00125)
]


def test_evaluate_against_hand_computed_figures(router: Any) -> None:
    candidate = router.rollout.propose(CallableEstimator(hard), name="cand")
    _rated(router, SEVEN, shadow=str(candidate))
    _rated(router, [(0.1, HAIKU, FLASH, 0.0, "9")], shadow="someone-else@0")  # not this one
    report = router.rollout.evaluate(min_labels=5)
    assert (report.current, report.candidate) == (router.rollout.current, candidate)
    assert (report.labels, report.agreed, report.unjudged) == (7, 4, 0)
    assert report.current_quality == pytest.approx(5 / 7)
    assert report.candidate_quality == pytest.approx(2.5 / 7)
    assert report.current_cost_usd == D("0.019") / 7
    assert report.candidate_cost_usd == (D("0.005") + D("0.002") * 2 + D("0.00125")) / 7
    low, high = report.quality_ci
    assert -1 <= low <= -2.5 / 7 <= high <= 0 and report.confidence == 0.95
    assert report == router.rollout.evaluate(min_labels=5)  # seeded: the same interval again
    assert report.verdict in ("worse", "inconclusive") and not report.beats
    assert router.rollout.last_report == report
    with pytest.raises(RolloutError, match="does not beat") as refused:
        router.rollout.promote()
    assert report.verdict in str(refused.value) and refused.value.field == "rollout.promote"
    assert router.rollout.current == report.current  # nothing switched
    assert router.rollout.evaluate(min_labels=8).verdict == "insufficient"


def test_a_cheaper_candidate_of_equal_quality_beats_and_is_promoted(router: Any) -> None:
    candidate = router.rollout.propose(CallableEstimator(hard), name="cand")
    rows = [(0.1, FLASH, FLASH, 1.0, "0.001")] * 20 + [(0.1, HAIKU, FLASH, 1.0, "0.004")] * 20
    _rated(router, rows, shadow=str(candidate))
    report = router.rollout.evaluate(min_labels=40)
    assert (report.labels, report.agreed) == (40, 20)
    assert (report.current_quality, report.candidate_quality) == (1.0, 1.0)
    assert (report.current_cost_usd, report.candidate_cost_usd) == (D("0.0025"), D("0.001"))
    assert report.quality_ci == (0.0, 0.0)
    assert report.verdict == "better" and "cheaper" in report.reason
    old = router.rollout.current
    assert router.rollout.promote() == candidate
    assert router.rollout.current == candidate and router.rollout.candidate is None
    assert router.rollout.history == (old,)
    assert router.explain(Q).router_version == str(candidate)
    assert router.explain(Q).difficulty == 0.95  # the candidate's estimator decides now
    assert router.rollout.rollback() == old  # one call back
    assert router.explain(Q).router_version == str(old)
    with pytest.raises(RolloutError, match="nothing to roll back"):
        router.rollout.rollback()


def test_a_candidate_judged_nowhere_is_unjudged(router: Any) -> None:
    candidate = router.rollout.propose(CallableEstimator(hard), name="cand")
    _rated(
        router,
        [(0.1, FLASH, HAIKU, 1.0, "0.001"), (0.1, FLASH, None, 1.0, "0.001")],
        shadow=str(candidate),
    )
    report = router.rollout.evaluate(min_labels=1)
    assert (report.labels, report.unjudged, report.verdict) == (0, 2, "insufficient")


def test_promote_needs_a_candidate_and_an_evaluation_unless_forced(router: Any) -> None:
    with pytest.raises(RolloutError, match="No candidate"):
        router.rollout.promote()
    with pytest.raises(RolloutError, match="No candidate"):
        router.rollout.evaluate()
    candidate = router.rollout.propose(CallableEstimator(hard), name="cand")
    with pytest.raises(RolloutError, match="not been evaluated"):
        router.rollout.promote()
    with pytest.raises(ConfigError) as bad:
        router.rollout.evaluate(confidence=1.5)
    assert bad.value.field == "confidence"
    with pytest.raises(ConfigError):
        router.rollout.evaluate(min_labels=0)
    assert router.rollout.promote(force=True) == candidate
    assert router.explain(Q).router_version == str(candidate)


def test_evaluate_needs_a_reporting_ledger(router_factory: Any) -> None:
    router = router_factory(ledger=False)
    router.rollout.propose(CallableEstimator(hard), name="cand")
    with pytest.raises(RolloutError) as caught:
        router.rollout.evaluate()
    assert caught.value.field == "ledger"


async def test_aevaluate_is_the_twin(router: Any) -> None:
    candidate = router.rollout.propose(CallableEstimator(hard), name="cand")
    _rated(router, SEVEN, shadow=str(candidate))
    assert await router.rollout.aevaluate(min_labels=5) == router.rollout.evaluate(min_labels=5)


# ---- swaps under load


def test_every_plan_is_wholly_one_version_while_versions_swap(router_factory: Any) -> None:
    router = router_factory(ledger=False)
    easy = router.explain(Q)
    candidate = router.rollout.propose(CallableEstimator(hard), name="cand")
    expected = {easy.router_version: easy.primary.deployment}
    router.rollout.promote(force=True)
    expected[str(candidate)] = router.explain(Q).primary.deployment
    router.rollout.rollback()
    seen: list[tuple[str | None, str]] = []
    stop = threading.Event()

    def plan() -> None:
        while not stop.is_set():
            p = router.explain(Q)
            seen.append((p.router_version, p.primary.deployment))

    threads = [threading.Thread(target=plan) for _ in range(3)]
    for t in threads:
        t.start()
    for _ in range(200):
        router.rollout.propose(CallableEstimator(hard), name="cand")
        router.rollout.promote(force=True)
        router.rollout.rollback()
    stop.set()
    for t in threads:
        t.join()
    assert seen and all(expected[version] == dep for version, dep in seen if version)
    assert {version for version, _ in seen} <= set(expected)
