"""Errors about a provider call are also the openai SDK's matching types."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import httpx
import openai
import pytest
import respx

import costroute
from costroute import errors
from costroute.catalog import known
from costroute.testing import ANTHROPIC_URL, DEEPSEEK_URL, deepseek_body

Q = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize(
    ("ours", "theirs", "status"),
    [
        ("RateLimitError", openai.RateLimitError, 429),
        ("ProviderUnavailableError", openai.InternalServerError, 503),
        ("AuthenticationError", openai.AuthenticationError, 401),
        ("PermissionDeniedError", openai.PermissionDeniedError, 403),
        ("ModelNotFoundError", openai.NotFoundError, 404),
        ("ContextWindowExceeded", openai.BadRequestError, 400),
        ("BadRequestError", openai.BadRequestError, 400),
        ("ProviderTimeout", openai.APITimeoutError, None),
        ("ProviderConnectionError", openai.APIConnectionError, None),
        ("InvalidResponseError", openai.APIResponseValidationError, 200),
    ],
)
def test_each_provider_error_is_the_matching_openai_error(
    ours: str, theirs: type[Exception], status: int | None
) -> None:
    cls = getattr(errors, ours)
    assert issubclass(cls, theirs) and issubclass(cls, errors.ProviderError)
    assert issubclass(cls, errors.CostrouteError) and issubclass(cls, openai.APIError)
    exc = cls("boom", status_code=status, provider="deepseek", deployment="flash", fix="do X")
    assert exc.status_code == status and exc.deployment == "flash" and exc.fix == "do X"
    assert isinstance(exc.body, dict) and exc.body["message"] == str(exc) == exc.message
    assert "flash" in str(exc) and "Fix: do X" in str(exc)
    assert cls.__module__ == "costroute.errors" and cls.__name__ == ours


def test_all_deployments_failed_and_stream_interrupted_are_openai_errors() -> None:
    last = errors.RateLimitError("slow", status_code=429)
    failed = errors.AllDeploymentsFailed([], last, ["fell back"])
    assert isinstance(failed, openai.APIStatusError) and failed.status_code == 429
    assert failed.last is last and failed.attempts == () and "fell back" in str(failed)
    timed_out = errors.AllDeploymentsFailed([], errors.ProviderTimeout("slow"))
    assert timed_out.status_code == 504
    assert errors.AllDeploymentsFailed([], None).status_code == 503
    cut = errors.StreamInterrupted("flash", "Hel", None)
    assert isinstance(cut, openai.APIConnectionError) and cut.partial_text == "Hel"


def test_import_costroute_imports_no_openai_until_a_provider_error_is_read() -> None:
    code = (
        "import sys, costroute\n"
        "print('openai' in sys.modules)\n"
        "costroute.errors.RateLimitError\n"
        "print('openai' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_a_pinned_deployments_429_is_a_rate_limit_error(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    mock.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(
            429, json={"error": {"message": "slow down"}}, headers={"retry-after": "1"}
        )
    )
    router = router_factory(retry=costroute.RetryConfig(attempts=1))
    with pytest.raises(openai.RateLimitError) as caught:
        router.chat(messages=Q, model="deepseek-v4-flash")
    exc = caught.value
    assert isinstance(exc, errors.RateLimitError) and exc.status_code == 429
    assert exc.deployment == "deepseek-v4-flash" and exc.retry_after == 1.0
    assert "sk-ds-test" not in str(exc) and "sk-ds-test" not in repr(exc.body)


@pytest.mark.parametrize("status", [401, 400])
def test_a_pinned_deployments_401_and_400_keep_their_status(
    router_factory: Any, mock: respx.MockRouter, status: int
) -> None:
    mock.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(status, json={"error": {"message": "no"}})
    )
    with pytest.raises(openai.APIStatusError) as caught:
        router_factory().chat(messages=Q, model="deepseek-v4-flash")
    assert caught.value.status_code == status
    assert not isinstance(caught.value, errors.AllDeploymentsFailed)


def test_when_every_deployment_fails_all_deployments_failed_is_an_api_status_error(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(503, json={"error": {}}))
    mock.post(ANTHROPIC_URL).mock(return_value=httpx.Response(429, json={"error": {}}))
    router = router_factory(
        deployments=[known("deepseek-v4-flash"), known("claude-haiku-4-5")],
        retry=costroute.RetryConfig(attempts=1),
    )
    with pytest.raises(openai.APIStatusError) as caught:
        router.chat(messages=Q)
    exc = caught.value
    assert isinstance(exc, errors.AllDeploymentsFailed) and exc.status_code == 429  # the last one
    assert [a.deployment for a in exc.attempts] == ["deepseek-v4-flash", "claude-haiku-4-5"]
    assert not isinstance(exc, openai.RateLimitError)  # one of them was a 503


def test_when_every_attempt_is_rate_limited_the_error_is_an_openai_rate_limit_error(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(429, json={"error": {}}))
    mock.post(ANTHROPIC_URL).mock(return_value=httpx.Response(429, json={"error": {}}))
    router = router_factory(
        deployments=[known("deepseek-v4-flash"), known("claude-haiku-4-5")],
        retry=costroute.RetryConfig(attempts=2),
    )
    with pytest.raises(openai.RateLimitError) as caught:  # what openai-client code catches
        router.chat(messages=Q)
    exc = caught.value
    assert isinstance(exc, errors.AllDeploymentsRateLimited)
    assert isinstance(exc, errors.AllDeploymentsFailed)
    assert exc.status_code == 429 and len(exc.attempts) == 4


def test_a_parameter_litellm_refuses_and_a_provider_400_are_one_type(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    mock.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(400, json={"error": {"message": "bad temperature"}})
    )
    router = router_factory(deployments=[known("deepseek-v4-flash"), known("claude-opus-4-7")])
    with pytest.raises(errors.BadRequestError) as provider:
        router.chat(messages=Q, model="deepseek-v4-flash", temperature=9)
    # litellm refuses top_k for Claude Opus 4.7 locally (not an OpenAI parameter: costroute's
    # parameter rules, which drop OpenAI sampling hints a deployment cannot take, pass it on).
    # Opus 4.7, not Sonnet 5.5: every litellm release costroute allows has it in its map.
    with pytest.raises(errors.BadRequestError) as refused:
        router.chat(messages=Q, model="claude-opus-4-7", top_k=5)
    for caught in (provider, refused):
        assert isinstance(caught.value, openai.BadRequestError) and caught.value.status_code == 400
    assert refused.value.param == "top_k" and refused.value.body["param"] == "top_k"


def test_a_successful_call_still_answers(router_factory: Any, mock: respx.MockRouter) -> None:
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("ok")))
    assert router_factory().chat(messages=Q).choices[0].message.content == "ok"


def test_every_lazily_loaded_error_name_is_defined_and_exported() -> None:
    from costroute import _provider_errors

    for name in errors.PROVIDER_ERRORS:
        cls = getattr(errors, name)
        assert cls is getattr(_provider_errors, name) and name in errors.__all__
        assert issubclass(cls, errors.CostrouteError) and issubclass(cls, openai.OpenAIError)
