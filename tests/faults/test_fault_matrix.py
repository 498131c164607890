"""The fault matrix: every fault, for OpenAI, Anthropic and DeepSeek, sync, async and streamed.

Each case ends in an answer (from the same deployment after a retry, or from the fallback
deployment once the first is exhausted) or in a typed error; every attempt is recorded with its
cost in ``resp.costroute.attempts`` and in the ledger; the injected sleep shows each wait
(Retry-After 2 s for the 429, else full jitter with rng=0.5: 0.5 x min(4, 1 x 2^0) = 0.5 s).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from faultkit import (
    FAULTS,
    FIRST_ERROR,
    MODES,
    PROVIDERS,
    STREAMING,
    TEXT,
    Harness,
    answer,
    call,
    cut_stream,
    error_body,
    requests_per_attempt,
    respond,
)

from costroute.errors import AllDeploymentsFailed, StreamInterrupted

ZERO = Decimal(0)


def expected_wait(fault: str) -> float:
    return 2.0 if fault == "429_retry_after" else 0.5


def _check_ledger(h: Harness, info: Any, status: str, error_class: str | None) -> None:
    assert len(h.ledger.records) == 1
    record = h.ledger.records[0]
    assert record.attempts == info.attempts
    assert record.cost_usd == info.cost_usd == sum((a.cost_usd for a in info.attempts), ZERO)
    assert (record.status, record.error_class) == (status, error_class)


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_fault_once_then_same_deployment_answers(
    harness_factory: Any, mock: respx.MockRouter, provider: str, mode: str, fault: str
) -> None:
    p = PROVIDERS[provider]
    stream = mode in STREAMING
    route = mock.post(p.url).mock(side_effect=[FAULTS[fault](p.url, stream), answer(p.url, stream)])
    h = harness_factory([p.deployment, p.fallback])
    if fault == "cut_half_way" and stream:
        # After the first content token a stream cannot fall back: a typed error with the text.
        with pytest.raises(StreamInterrupted) as err:
            call(h.router, mode)
        assert err.value.deployment == p.deployment and err.value.partial_text
        assert TEXT.startswith(err.value.partial_text) and err.value.partial_text != TEXT
        (record,) = h.ledger.records
        (attempt,) = record.attempts
        assert (attempt.status, attempt.error, attempt.status_code) == (
            "interrupted",
            "ProviderConnectionError",
            200,
        )
        assert attempt.cost_usd > 0 and record.cost_usd == attempt.cost_usd  # partial usage billed
        assert record.status == "error" and record.error_class == "StreamInterrupted"
        assert route.call_count == 1 and h.slept == []
        return
    text, info = call(h.router, mode)
    assert text == TEXT and info.deployment == p.deployment and route.call_count == 2
    if requests_per_attempt(provider, mode, fault) == 2:
        # litellm reconnected by itself (see faultkit.LITELLM_RECONNECTS): one attempt, no wait
        (ok,) = info.attempts
        assert ok.status == "ok" and ok.cost_usd > 0 and h.slept == []
        _check_ledger(h, info, "ok", None)
        return
    failed, ok = info.attempts
    assert (failed.deployment, failed.status) == (p.deployment, "error")
    assert (failed.error, failed.status_code) == FIRST_ERROR[fault]
    assert failed.cost_usd == ZERO and ok.status == "ok" and ok.cost_usd > 0
    assert h.slept == [expected_wait(fault)]
    assert info.retries == 1 and info.fallbacks == 0
    _check_ledger(h, info, "ok", None)


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_persistent_fault_falls_back_to_the_next_deployment(
    harness_factory: Any, mock: respx.MockRouter, provider: str, mode: str, fault: str
) -> None:
    p = PROVIDERS[provider]
    stream = mode in STREAMING
    if fault == "cut_half_way" and stream:
        # Cut before the first content token instead: invisible to the caller, so it retries
        # and falls back like any other failure.
        route = mock.post(p.url).mock(
            side_effect=lambda request: cut_stream(p.name, before_content=True)
        )
        expected = (
            ("ProviderConnectionError", 200)
            if p.name == "anthropic"
            else (
                "InvalidResponseError",
                200,
            )
        )
    else:
        route = mock.post(p.url).mock(side_effect=respond(FAULTS[fault], p.url, stream))
        expected = FIRST_ERROR[fault]
    mock.post(p.fallback_url).mock(side_effect=lambda request: answer(p.fallback_url, stream))
    h = harness_factory([p.deployment, p.fallback])
    text, info = call(h.router, mode)
    assert info.deployment == p.fallback and text == TEXT
    assert route.call_count == 2 * requests_per_attempt(provider, mode, fault)
    first, second, ok = info.attempts
    for failed in (first, second):
        assert (failed.deployment, failed.status) == (p.deployment, "error")
        assert (failed.error, failed.status_code) == expected
    assert (ok.deployment, ok.status) == (p.fallback, "ok") and ok.cost_usd > 0
    assert h.slept == [expected_wait(fault) if fault != "cut_half_way" or not stream else 0.5]
    assert info.fallbacks == 1 and any("falling back" in r for r in info.reasons)
    _check_ledger(h, info, "ok", None)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_every_deployment_failing_is_a_typed_error_with_every_attempt(
    harness_factory: Any, mock: respx.MockRouter, provider: str, mode: str
) -> None:
    p = PROVIDERS[provider]
    for url in (p.url, p.fallback_url):
        mock.post(url).mock(return_value=httpx.Response(503, json=error_body(p.name, 503)))
    h = harness_factory([p.deployment, p.fallback])
    with pytest.raises(AllDeploymentsFailed) as err:
        call(h.router, mode)
    attempts = err.value.attempts
    assert [a.deployment for a in attempts] == [p.deployment] * 2 + [p.fallback] * 2
    assert all(a.error == "ProviderUnavailableError" and a.status_code == 503 for a in attempts)
    assert h.slept == [0.5, 0.5]
    (record,) = h.ledger.records
    assert record.attempts == attempts and record.cost_usd == ZERO
    assert (record.status, record.error_class) == ("error", "AllDeploymentsFailed")


def test_matrix_covers_three_providers_four_modes_nine_faults() -> None:
    assert len(PROVIDERS) * len(MODES) * len(FAULTS) == 108
