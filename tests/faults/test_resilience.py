"""Retries, fallbacks and the deadline beyond the fault matrix: Retry-After against the
deadline, refused keys and models, context windows, malformed requests, bad retry settings."""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from faultkit import EASY, TEXT, answer, call, error_body

import costroute
from costroute.errors import (
    AllDeploymentsFailed,
    BadRequestError,
    ConfigError,
)
from costroute.testing import ANTHROPIC_URL, DEEPSEEK_URL, OPENAI_URL


def test_happy_path_never_sleeps(harness_factory: Any, mock: respx.MockRouter) -> None:
    mock.post(DEEPSEEK_URL).mock(side_effect=lambda r: answer(DEEPSEEK_URL, False))
    h = harness_factory(["deepseek-v4-flash", "gpt-5.4-mini"])
    for mode in ("sync", "async"):
        text, info = call(h.router, mode)
        assert text == TEXT and len(info.attempts) == 1 and info.retries == 0
    assert h.slept == []


def test_retry_after_past_the_deadline_falls_back_without_waiting(
    harness_factory: Any, mock: respx.MockRouter
) -> None:
    limited = httpx.Response(429, json=error_body("deepseek", 429), headers={"retry-after": "30"})
    mock.post(DEEPSEEK_URL).mock(return_value=limited)
    mock.post(OPENAI_URL).mock(side_effect=lambda r: answer(OPENAI_URL, False))
    h = harness_factory(
        ["deepseek-v4-flash", "gpt-5.4-mini"],
        timeout=20,
        retry=costroute.RetryConfig(attempts=3, max_retry_after_s=60),
    )
    _, info = call(h.router, "sync")
    assert info.deployment == "gpt-5.4-mini" and h.slept == []  # 30 s would end past 20 s
    assert [a.error for a in info.attempts] == ["RateLimitError", None]


def test_retry_after_within_the_deadline_is_honoured(
    harness_factory: Any, mock: respx.MockRouter
) -> None:
    limited = httpx.Response(429, json=error_body("deepseek", 429), headers={"retry-after": "12"})
    mock.post(DEEPSEEK_URL).mock(side_effect=[limited, answer(DEEPSEEK_URL, False)])
    h = harness_factory(
        ["deepseek-v4-flash"], timeout=20, retry=costroute.RetryConfig(max_retry_after_s=15)
    )
    _, info = call(h.router, "sync")
    assert h.slept == [12.0] and info.retries == 1 and h.clock() == 12.0


def test_retry_after_above_the_cap_falls_back(harness_factory: Any, mock: respx.MockRouter) -> None:
    limited = httpx.Response(429, json=error_body("deepseek", 429), headers={"retry-after": "20"})
    mock.post(DEEPSEEK_URL).mock(return_value=limited)
    mock.post(OPENAI_URL).mock(side_effect=lambda r: answer(OPENAI_URL, False))
    h = harness_factory(
        ["deepseek-v4-flash", "gpt-5.4-mini"],
        timeout=120,
        retry=costroute.RetryConfig(max_retry_after_s=10),
    )
    _, info = call(h.router, "sync")
    assert info.deployment == "gpt-5.4-mini" and h.slept == []


def test_one_deadline_covers_every_attempt_and_wait(
    harness_factory: Any, mock: respx.MockRouter
) -> None:
    h = harness_factory(["deepseek-v4-flash", "gpt-5.4-mini"], timeout=10)
    sent: list[float] = []

    def slow(request: httpx.Request) -> httpx.Response:
        sent.append(request.extensions["timeout"]["read"])
        h.clock.advance(6)  # the provider takes 6 s, then the read times out
        raise httpx.ReadTimeout("timed out", request=request)

    mock.post(DEEPSEEK_URL).mock(side_effect=slow)
    gpt = mock.post(OPENAI_URL).mock(side_effect=lambda r: answer(OPENAI_URL, False))
    with pytest.raises(AllDeploymentsFailed) as err:
        call(h.router, "sync")
    # t=0: 10 s left; fails at 6; waits 0.5; t=6.5: 3.5 s left; fails at 12.5: deadline passed
    assert sent == [10.0, 3.5] and h.slept == [0.5]
    assert [a.error for a in err.value.attempts] == ["ProviderTimeout"] * 2
    assert not gpt.called
    (record,) = h.ledger.records
    assert record.status == "error" and len(record.attempts) == 2


@pytest.mark.parametrize(
    ("status", "error"), [(401, "AuthenticationError"), (404, "ModelNotFoundError")]
)
def test_refused_key_or_model_moves_to_another_provider_loudly(
    harness_factory: Any,
    mock: respx.MockRouter,
    caplog: pytest.LogCaptureFixture,
    status: int,
    error: str,
) -> None:
    flash = mock.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(status, json=error_body("deepseek", status))
    )
    mock.post(OPENAI_URL).mock(side_effect=lambda r: answer(OPENAI_URL, False))
    h = harness_factory(["deepseek-v4-flash", "deepseek-v4-pro", "gpt-5.4-mini"])
    with caplog.at_level(logging.WARNING, logger="costroute"):
        _, info = call(h.router, "sync")
    assert info.deployment == "gpt-5.4-mini" and flash.call_count == 1  # not retried
    assert [(a.deployment, a.error) for a in info.attempts] == [
        ("deepseek-v4-flash", error),
        ("gpt-5.4-mini", None),
    ]
    assert any("moving to another provider than deepseek" in r for r in info.reasons)
    assert any("skipped deepseek-v4-pro" in r for r in info.reasons)
    assert any(r.levelno == logging.WARNING and error in r.getMessage() for r in caplog.records)


def test_context_window_error_falls_back_only_to_a_larger_window(
    harness_factory: Any, mock: respx.MockRouter
) -> None:
    too_long = {
        "error": {
            "message": "This model's maximum context length is 272000 tokens.",
            "type": "invalid_request_error",
            "code": "context_length_exceeded",
        }
    }
    mock.post(OPENAI_URL).mock(return_value=httpx.Response(400, json=too_long))
    haiku = mock.post(ANTHROPIC_URL).mock(side_effect=lambda r: answer(ANTHROPIC_URL, False))
    mock.post(DEEPSEEK_URL).mock(side_effect=lambda r: answer(DEEPSEEK_URL, False))
    # windows: gpt-5.4-mini 272k, claude-haiku-4-5 200k (smaller: skipped), deepseek 1M
    h = harness_factory(["gpt-5.4-mini", "claude-haiku-4-5", "deepseek-v4-flash"])
    _, info = call(h.router, "sync")
    assert info.deployment == "deepseek-v4-flash" and not haiku.called
    assert info.attempts[0].error == "ContextWindowExceeded"
    assert any("skipped claude-haiku-4-5: context window" in r for r in info.reasons)


@pytest.mark.parametrize("mode", ["sync", "async", "stream", "async_stream"])
def test_malformed_request_is_typed_not_retried_and_recorded(
    harness_factory: Any, mock: respx.MockRouter, mode: str
) -> None:
    bad = mock.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(400, json={"error": {"message": "temperature must be <= 2"}})
    )
    other = mock.post(OPENAI_URL).mock(side_effect=lambda r: answer(OPENAI_URL, False))
    h = harness_factory(["deepseek-v4-flash", "gpt-5.4-mini"])
    with pytest.raises(BadRequestError) as err:
        call(h.router, mode)
    assert err.value.status_code == 400 and err.value.deployment == "deepseek-v4-flash"
    assert bad.call_count == 1 and not other.called and h.slept == []
    (record,) = h.ledger.records
    assert (record.status, record.error_class, len(record.attempts)) == (
        "error",
        "BadRequestError",
        1,
    )


@pytest.mark.parametrize("mode", ["stream", "async_stream"])
def test_a_stream_closed_early_by_the_caller_is_billed(
    harness_factory: Any, mock: respx.MockRouter, mode: str
) -> None:
    mock.post(DEEPSEEK_URL).mock(side_effect=lambda r: answer(DEEPSEEK_URL, True))
    h = harness_factory(["deepseek-v4-flash"])
    if mode == "stream":
        stream = h.router.chat(messages=EASY, stream=True)
        chunks = iter(stream)
        for chunk in chunks:
            if chunk.choices and chunk.choices[0].delta.content:
                break
        chunks.close()  # type: ignore[attr-defined]  # a generator: what `break` leaves to GC
        info = stream.costroute
    else:

        async def run() -> Any:
            stream = await h.router.achat(messages=EASY, stream=True)
            agen = stream.__aiter__()
            async for chunk in agen:
                if chunk.choices and chunk.choices[0].delta.content:
                    break
            await agen.aclose()
            return stream.costroute

        info = asyncio.run(run())
    (attempt,) = info.attempts
    assert attempt.status == "interrupted" and attempt.cost_usd > Decimal(0)
    assert h.ledger.records[0].status == "ok"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"attempts": -1}, "retry.attempts"),
        ({"attempts": 0}, "retry.attempts"),
        ({"attempts": 1.5}, "retry.attempts"),
        ({"attempts": True}, "retry.attempts"),
        ({"backoff_s": -0.1}, "retry.backoff_s"),
        ({"backoff_s": 2, "max_backoff_s": 1}, "retry.max_backoff_s"),
        ({"max_retry_after_s": -1}, "retry.max_retry_after_s"),
        ({"backoff_s": "1"}, "retry.backoff_s"),
    ],
)
def test_bad_retry_settings_are_typed(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as err:
        costroute.RetryConfig(**kwargs)
    assert err.value.field == field and err.value.fix
