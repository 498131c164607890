"""The errors about a provider call: costroute's, and the openai SDK's matching types too.

``costroute.errors.RateLimitError`` is a subclass of both :class:`costroute.errors.ProviderError`
and :class:`openai.RateLimitError`, so code written for the openai client catches costroute's
errors unchanged (``except openai.RateLimitError``, ``except openai.APIStatusError``). Read them
as ``costroute.errors.<Name>``: this module is their home only because it imports openai (about
0.5 s), which ``import costroute`` must not pay; :mod:`costroute.errors` loads it on first use
of one of these names, and litellm (loaded before any provider call) has imported openai already.

The openai classes need an HTTP request (and, for status errors, a response): these errors carry
a minimal one, ``POST https://costroute.invalid/v1/chat/completions`` with the status code and no
headers, so no key can leak through them. Their ``body`` is the OpenAI error object
(``{"message", "type", "param", "code"}``) that :class:`costroute.OpenAI`'s transport answers with.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, cast

import httpx
import openai

from costroute.errors import PROVIDER_ERRORS, CostrouteError

# The names are listed once, in costroute.errors (which loads this module on first use of one).
__all__ = sorted(PROVIDER_ERRORS)

URL = "https://costroute.invalid/v1/chat/completions"


def _request() -> Any:
    return httpx.Request("POST", URL)


def _response(status: int) -> Any:
    return httpx.Response(status, request=_request())


def error_body(message: str, kind: str, code: str | None, param: str | None) -> dict[str, Any]:
    """The OpenAI error object: what ``{"error": ...}`` holds in an error response."""
    return {"message": message, "type": kind, "param": param, "code": code}


class ProviderError(CostrouteError, openai.APIError):
    """The provider answered with an error, or did not answer.

    Keeps ``status_code`` (None when there was no answer), ``provider``, ``deployment`` and
    ``retry_after`` (seconds, from the provider's Retry-After header when it sent one); and, as
    an ``openai.APIError``, ``message``, ``body``, ``type``, ``code``, ``param`` and ``request``.
    """

    retryable: ClassVar[bool] = False
    error_type: ClassVar[str] = "api_error"
    error_code: ClassVar[str | None] = None
    default_status: ClassVar[int | None] = None

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        provider: str | None = None,
        deployment: str | None = None,
        retry_after: float | None = None,
        fix: str | None = None,
        param: str | None = None,
    ) -> None:
        head = f"{provider or 'provider'}"
        if deployment:
            head += f" (deployment {deployment!r})"
        if status_code is not None:
            head += f" returned {status_code}"
        text = self._describe(f"{head}: {message}", param, fix)
        body = error_body(text, self.error_type, self.error_code, param)
        status = status_code if status_code is not None else self.default_status
        self._init_openai(text, body, status)
        self.status_code: int | None = status
        self.provider = provider
        self.deployment = deployment
        self.retry_after = retry_after

    def _init_openai(self, text: str, body: dict[str, Any], status: int | None) -> None:
        openai.APIError.__init__(self, text, _request(), body=body)


class _StatusError(ProviderError):
    """A provider error with an HTTP status: also an ``openai.APIStatusError``."""

    status_code: int | None
    default_status: ClassVar[int | None] = 500

    def _init_openai(self, text: str, body: dict[str, Any], status: int | None) -> None:
        response = _response(status or 500)
        openai.APIStatusError.__init__(cast(Any, self), text, response=response, body=body)


class RateLimitError(_StatusError, openai.RateLimitError):  # type: ignore[misc]
    """429: the provider is rate limiting this key."""

    retryable = True
    error_type = "rate_limit_error"
    error_code = "rate_limit_exceeded"
    default_status = 429


class ProviderUnavailableError(_StatusError, openai.InternalServerError):  # type: ignore[misc]
    """500, 502, 503, 504 or 529: the provider failed or is overloaded."""

    retryable = True
    error_type = "server_error"
    default_status = 503


class ProviderTimeout(ProviderError, openai.APITimeoutError):
    """The provider did not answer in time (408 or a client-side timeout)."""

    retryable = True
    error_type = "timeout"


class ProviderConnectionError(ProviderError, openai.APIConnectionError):
    """The connection failed or was reset, or a stream broke (status 200: it had opened)."""

    retryable = True
    error_type = "connection_error"


class AuthenticationError(_StatusError, openai.AuthenticationError):  # type: ignore[misc]
    """401 or 403: the key is wrong, revoked, or not allowed to use this model."""

    error_type = "authentication_error"
    error_code = "invalid_api_key"
    default_status = 401


class PermissionDeniedError(AuthenticationError, openai.PermissionDeniedError):  # type: ignore[misc]
    """403: the key is valid but not allowed to use this model (also an AuthenticationError)."""

    error_type = "permission_error"
    error_code = "insufficient_permissions"
    default_status = 403


class ModelNotFoundError(_StatusError, openai.NotFoundError):  # type: ignore[misc]
    """404: the provider does not know this model (retired, misspelt, wrong api_base)."""

    error_type = "invalid_request_error"
    error_code = "model_not_found"
    default_status = 404


class ContextWindowExceeded(_StatusError, openai.BadRequestError):  # type: ignore[misc]
    """The prompt does not fit the model's context window."""

    error_type = "invalid_request_error"
    error_code = "context_length_exceeded"
    default_status = 400


class BadRequestError(_StatusError, openai.BadRequestError):  # type: ignore[misc]
    """The request is malformed: the provider's 400 (and other 4xx), or a parameter litellm
    refuses for this provider before sending. Not retried anywhere."""

    error_type = "invalid_request_error"
    default_status = 400


class InvalidResponseError(ProviderError, openai.APIResponseValidationError):  # type: ignore[misc]
    """The provider answered 200 with a body that is not a valid completion."""

    retryable = True
    error_type = "invalid_response"
    default_status = 200

    def _init_openai(self, text: str, body: dict[str, Any], status: int | None) -> None:
        response = _response(status or 200)
        openai.APIResponseValidationError.__init__(self, response, body, message=text)


def _gateway_status(last: BaseException | None) -> int:
    """The status a gateway answers with when no deployment answered: the last one's, else 504
    (the last timed out), 502 (its connection failed) or 503 (nothing could be tried)."""
    status = getattr(last, "status_code", None)
    if isinstance(status, int) and status >= 400:
        return status
    if isinstance(last, ProviderTimeout):
        return 504
    if last is not None:
        return 502
    return 503


class AllDeploymentsFailed(CostrouteError, openai.APIStatusError):
    """Every choice of the plan failed; ``attempts`` holds what was tried, ``last`` the cause,
    ``notes`` what the run said on the way (fallbacks, and choices skipped and why).

    An ``openai.APIStatusError`` whose ``status_code`` is the last failure's (504 when it timed
    out, 502 when its connection failed, 503 when nothing could be tried)."""

    def __init__(
        self, attempts: Sequence[Any], last: BaseException | None, notes: Sequence[str] = ()
    ) -> None:
        self.attempts = tuple(attempts)
        self.last = last
        self.notes = tuple(notes)
        tried = ", ".join(
            f"{getattr(a, 'deployment', '?')}:{getattr(a, 'error', None) or 'ok'}"
            for a in self.attempts
        )
        text = self._describe(
            f"All deployments failed after {len(self.attempts)} attempt(s) [{tried}]."
            + (f" Last error: {last}" if last else "")
            + (f" ({'; '.join(self.notes)})" if self.notes else ""),
            None,
            "check the providers' status and keys; see .attempts for each failure",
        )
        body = error_body(text, "server_error", "all_deployments_failed", None)
        response = _response(_gateway_status(last))
        openai.APIStatusError.__init__(self, text, response=response, body=body)


class AllDeploymentsRateLimited(AllDeploymentsFailed, openai.RateLimitError):
    """Every attempt of every choice was refused with a 429: also an ``openai.RateLimitError``,
    so code written for the openai client backs off as it would for one provider's 429."""


class StreamInterrupted(CostrouteError, openai.APIConnectionError):
    """A stream broke after content had been sent; ``partial_text`` holds what arrived.

    Also an ``openai.APIConnectionError``: the answer's connection broke half way."""

    def __init__(self, deployment: str, partial_text: str, cause: BaseException | None) -> None:
        self.deployment = deployment
        self.partial_text = partial_text
        self.cause = cause
        text = self._describe(
            f"The stream from deployment {deployment!r} broke after {len(partial_text)} characters"
            + (f": {cause}" if cause else "."),
            None,
            "retry the request; the partial text is in .partial_text and was billed",
        )
        openai.APIConnectionError.__init__(self, message=text, request=_request())
        self.body = error_body(text, "connection_error", "stream_interrupted", None)


for _cls in (
    ProviderError,
    RateLimitError,
    ProviderUnavailableError,
    ProviderTimeout,
    ProviderConnectionError,
    AuthenticationError,
    PermissionDeniedError,
    ModelNotFoundError,
    ContextWindowExceeded,
    BadRequestError,
    InvalidResponseError,
    AllDeploymentsFailed,
    AllDeploymentsRateLimited,
    StreamInterrupted,
):
    _cls.__module__ = "costroute.errors"  # their public home (pickling, reprs, docs)
del _cls
