"""Router.feedback / afeedback and the facade's client.feedback: outcomes of routed calls in the
ledger, next to the feature vector each call kept instead of its prompt; and a router trained
from those features alone scores like one trained from the texts."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

import costroute
from costroute import difficulty
from costroute.difficulty import FEATURE_NAMES, LearnedEstimator
from costroute.errors import ConfigError, FeedbackTooLate, InvalidRequestError, UnknownCallError
from costroute.ledger import RatedCall
from costroute.testing import (
    ANTHROPIC_URL,
    DEEPSEEK_URL,
    OPENAI_URL,
    anthropic_body,
    deepseek_body,
    openai_body,
)
from costroute.train.data import Record
from costroute.train.fit import fit_logistic, train

SECRET = "zebra-quokka-7731"
Q = [{"role": "user", "content": f"What is the capital of France? ({SECRET})"}]


@pytest.fixture
def providers(mock: respx.MockRouter) -> respx.MockRouter:
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("Paris")))
    mock.post(OPENAI_URL).mock(return_value=httpx.Response(200, json=openai_body("Paris")))
    mock.post(ANTHROPIC_URL).mock(return_value=httpx.Response(200, json=anthropic_body("Paris")))
    return mock


def test_feedback_joins_the_call_and_its_features(
    router_factory: Any, providers: respx.MockRouter, ledger_url: str, tmp_path: Path
) -> None:
    router = router_factory(ledger=ledger_url)
    info = router.chat(messages=Q).costroute
    router.feedback(info.request_id, 1.0, note="thumbs up")
    router.feedback(info.request_id, 0.0, source="tests")
    rows = {r.source: r for r in router.usage.outcomes()}
    assert set(rows) == {"user", "tests"}
    user = rows["user"]
    assert isinstance(user, RatedCall)
    assert (user.deployment, user.policy, user.difficulty, user.cost_usd) == (
        info.deployment,
        info.policy,
        info.difficulty,
        info.cost_usd,
    )
    assert user.features == difficulty.feature_vector(Q) and user.features
    assert (user.score, user.note, user.recorded_at) == (1.0, "thumbs up", router.now())
    (record,) = router.usage.records()
    assert record.prompt_text is None  # prompt storage stays off by default
    router.ledger.close()
    if ledger_url.startswith("sqlite"):  # nor anywhere in the file (PostgreSQL: the row above)
        raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
        assert SECRET.encode() not in raw


async def test_afeedback(router_factory: Any, providers: respx.MockRouter, ledger_url: str) -> None:
    router = router_factory(ledger=ledger_url)
    info = (await router.achat(messages=Q)).costroute
    await router.afeedback(info.request_id, 0.5, source="app")
    await router.afeedback(info.request_id, 0.75, source="app")  # replaces
    (row,) = await router.usage.aoutcomes()
    assert (row.request_id, row.source, row.score) == (info.request_id, "app", 0.75)
    with pytest.raises(UnknownCallError):
        await router.afeedback("req-nobody-made", 1.0)


def test_errors_come_before_any_write(
    router_factory: Any, providers: respx.MockRouter, ledger_url: str
) -> None:
    now = [dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)]
    router = router_factory(ledger=ledger_url, now=lambda: now[0])
    info = router.chat(messages=Q).costroute
    with pytest.raises(InvalidRequestError) as bad:
        router.feedback(info.request_id, 5)
    assert bad.value.field == "score"
    with pytest.raises(InvalidRequestError) as bad:
        router.feedback(info.request_id, 1.0, source="")
    assert bad.value.field == "source"
    with pytest.raises(UnknownCallError):
        router.feedback("req-nobody-made", 1.0)
    now[0] += dt.timedelta(days=31)  # the router's clock dates the outcome
    with pytest.raises(FeedbackTooLate):
        router.feedback(info.request_id, 1.0)
    assert router.usage.outcomes() == []


async def test_feedback_grades_another_deployments_answer(
    router_factory: Any, providers: respx.MockRouter, ledger_url: str
) -> None:
    router = router_factory(ledger=ledger_url)
    info = router.chat(messages=Q).costroute
    other = next(name for name in router.deployments if name != info.deployment)
    router.feedback(info.request_id, 1.0, source="tests")
    router.feedback(info.request_id, 0.0, source="tests", deployment=other)
    await router.afeedback(info.request_id, 0.25, source="app", deployment=other)
    rows = {r.source: r for r in router.usage.outcomes()}
    assert {s: r.score for s, r in rows.items()} == {
        "tests": 1.0,
        f"tests@{other}": 0.0,
        f"app@{other}": 0.25,
    }
    assert rows["tests"].graded == info.deployment  # the call's own answer
    assert rows[f"tests@{other}"].graded == rows[f"app@{other}"].graded == other
    assert {r.deployment for r in rows.values()} == {info.deployment}  # joined to the same call
    client = costroute.OpenAI(router)
    client.feedback(info.request_id, 0.5, source="facade", deployment=other)
    assert {r.source for r in router.usage.outcomes()} >= {f"facade@{other}"}


async def test_feedback_for_another_deployment_checks_its_arguments_before_writing(
    router_factory: Any, providers: respx.MockRouter, ledger_url: str
) -> None:
    router = router_factory(ledger=ledger_url)
    info = router.chat(messages=Q).costroute
    with pytest.raises(InvalidRequestError) as bad:
        router.feedback(info.request_id, 1.0, deployment="no-such-model")
    assert bad.value.field == "deployment" and info.deployment in str(bad.value.fix)
    with pytest.raises(InvalidRequestError) as bad:
        await router.afeedback(info.request_id, 1.0, source="user@example.com")
    assert bad.value.field == "source" and "deployment=" in str(bad.value.fix)
    assert router.usage.outcomes() == []


async def test_a_router_without_ledger_says_how_to_add_one(router_factory: Any) -> None:
    router = router_factory(ledger=False)
    with pytest.raises(ConfigError) as info:
        router.feedback("req-1", 1.0)
    assert info.value.field == "ledger" and "Router(ledger=" in str(info.value)
    with pytest.raises(ConfigError):
        await router.afeedback("req-1", 1.0)


def test_openai_facade_feedback_by_response_id_or_request_id(
    router_factory: Any, providers: respx.MockRouter, ledger_url: str
) -> None:
    client = costroute.OpenAI(router_factory(ledger=ledger_url))
    first = client.chat.completions.create(model="auto", messages=Q)
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=Q)
    second = raw.parse()
    request_ids = [costroute.info(r).request_id for r in (first, second)]  # type: ignore[union-attr]
    assert raw.headers["x-costroute-request-id"] == request_ids[1]
    client.feedback(first, 0.0)  # the ChatCompletion itself
    client.feedback(raw.headers["x-costroute-request-id"], 1.0, source="tests")
    assert first.id == second.id  # the mocked provider repeats its id (as cache hits do):
    client.feedback(second.id, 0.5, source="app")  # the id names the latest call with it
    rated = {(r.request_id, r.source): r.score for r in client.router.usage.outcomes()}
    assert rated == {
        (request_ids[0], "user"): 0.0,
        (request_ids[1], "tests"): 1.0,
        (request_ids[1], "app"): 0.5,
    }
    with pytest.raises(InvalidRequestError) as info:
        client.feedback(object(), 1.0)
    assert info.value.field == "response"
    with pytest.raises(UnknownCallError):
        client.feedback("chatcmpl-never-seen", 1.0)


async def test_async_openai_facade_feedback(
    router_factory: Any, providers: respx.MockRouter, ledger_url: str
) -> None:
    client = costroute.AsyncOpenAI(router_factory(ledger=ledger_url))
    resp = await client.chat.completions.create(model="auto", messages=Q)
    await client.feedback(resp, 1.0, note="fine")
    (row,) = client.router.usage.outcomes()
    assert (row.request_id, row.note) == (costroute.info(resp).request_id, "fine")  # type: ignore[union-attr]


# ---- training from the ledger: features are enough ----------------------------------------

EASY = [
    "hi there",
    "Write a haiku about the sea.",
    "What is the capital of {c}?",
    "Translate 'good morning' into {c}.",
    "Suggest three names for a cat from {c}.",
]
HARD = [
    "Prove that {n}^3 - {n} is divisible by 6 for every integer, step by step.",
    "Implement a lock-free queue in Rust with atomics; explain the memory ordering of each step.",
    "How many integers below {n}000 are divisible by 7 but not by 11? Show the computation.",
    "Let $f(x) = x^{n} + 3x$. Compute $\\int_0^1 f(x)\\,dx$ and simplify the fraction.",
    "Design a distributed rate limiter with exactly-once semantics; analyze the tradeoffs.",
]
COUNTRIES = ["France", "Peru", "Japan", "Kenya", "Norway", "Chile"]


def _workload(n: int, seed: int) -> list[tuple[str, float]]:
    """``(prompt, weak model's quality)``: hard prompts fail more often, as on real data."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        hard = rng.random() < 0.5
        template = rng.choice(HARD if hard else EASY)
        prompt = template.format(c=rng.choice(COUNTRIES), n=rng.randint(2, 9))
        prompt += " " * rng.randint(0, 3) + "Thanks!" * rng.randint(0, 2)
        out.append((prompt, float(rng.random() < (0.3 if hard else 0.9))))
    return out


def _train_on_ledger(rows: list[RatedCall], l2: float) -> LearnedEstimator:
    """What train(label="weak_fails", vocab_size=0) fits, from the ledger's feature vectors."""
    import numpy as np

    x = np.asarray([[(r.features or {}).get(n, 0.0) for n in FEATURE_NAMES] for r in rows])
    y = np.asarray([1.0 - r.score for r in rows])
    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std < 1e-9] = 1.0
    design = np.hstack([np.ones((len(rows), 1)), (x - mean) / std])
    penalty = np.concatenate([[0.0], np.full(len(FEATURE_NAMES), l2)])
    w = fit_logistic(design, y, penalty)
    return LearnedEstimator(w[1:].tolist(), float(w[0]), mean.tolist(), std.tolist())


def test_a_router_trained_on_ledger_features_scores_like_one_trained_on_texts(
    router_factory: Any, providers: respx.MockRouter, ledger_url: str, tmp_path: Path
) -> None:
    pytest.importorskip("numpy", reason="training needs numpy: pip install 'costroute[train]'")
    router = router_factory(ledger=ledger_url)  # store_prompts stays off
    texts: list[Record] = []
    for i, (prompt, quality) in enumerate(_workload(80, seed=7)):
        messages = [{"role": "user", "content": prompt}]
        info = router.chat(messages=messages).costroute
        router.feedback(info.request_id, quality, source="tests")
        texts.append(Record(str(i), tuple(messages), {"weak": quality}))

    rows = router.usage.outcomes(source="tests")
    assert len(rows) == 80 and all(r.features for r in rows)
    assert all(r.prompt_text is None for r in router.usage.records())
    from_ledger = _train_on_ledger(rows, l2=1e-3)
    from_texts = train(texts, weak="weak", label="weak_fails", l2=1e-3, vocab_size=0)

    for a, b in zip(from_ledger.weights, from_texts.weights, strict=True):
        assert a == pytest.approx(b, abs=1e-9)
    assert from_ledger.bias == pytest.approx(from_texts.bias, abs=1e-9)
    held_out = [[{"role": "user", "content": p}] for p, _ in _workload(40, seed=8)]
    scores = [(from_ledger.estimate(m).score, from_texts.estimate(m).score) for m in held_out]
    assert all(a == pytest.approx(b, abs=1e-9) for a, b in scores)

    # ... and it learned something: hard prompts score above easy ones, on average.
    def mean_score(templates: list[str]) -> float:
        return sum(
            from_ledger.estimate([{"role": "user", "content": t.format(c="Peru", n=5)}]).score
            for t in templates
        ) / len(templates)

    assert mean_score(HARD) > mean_score(EASY) + 0.2
    json.dumps(from_ledger.to_json())  # a weights file, as `costroute router train` writes
