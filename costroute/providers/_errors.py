"""Translate litellm's exceptions into costroute's, keeping status, provider and Retry-After.

This is the only place that knows litellm's exception classes. The key a call used is scrubbed
from every message, whatever the provider echoed back.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from typing import Any

from costroute import errors
from costroute.catalog import Deployment

__all__ = ["retry_after_seconds", "translate"]

_BY_STATUS: dict[int, type[errors.ProviderError]] = {
    400: errors.BadRequestError,
    401: errors.AuthenticationError,
    403: errors.AuthenticationError,
    404: errors.ModelNotFoundError,
    408: errors.ProviderTimeout,
    413: errors.ContextWindowExceeded,
    422: errors.BadRequestError,
    429: errors.RateLimitError,
    500: errors.ProviderUnavailableError,
    502: errors.ProviderUnavailableError,
    503: errors.ProviderUnavailableError,
    504: errors.ProviderUnavailableError,
    529: errors.ProviderUnavailableError,
}

_FIXES: dict[type[errors.ProviderError], str] = {
    errors.AuthenticationError: "check the deployment's API key and its access to this model",
    errors.ModelNotFoundError: "check the deployment's model id and api_base",
    errors.ContextWindowExceeded: "shorten the prompt or use a deployment with a larger window",
    errors.BadRequestError: "fix the request parameters named in the provider's message",
    errors.RateLimitError: "retry later or raise the provider's rate limit",
}


def retry_after_seconds(headers: Any, now: float | None = None) -> float | None:
    """Seconds to wait from Retry-After / retry-after-ms headers (delta or HTTP date)."""
    if not headers:
        return None
    get = headers.get if isinstance(headers, Mapping) or hasattr(headers, "get") else None
    if get is None:
        return None
    millis = get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000.0)
        except ValueError:
            pass
    value = get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _status_of(exc: BaseException, message: str) -> int | None:
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        if status == 500 and "overloaded" in message.lower():
            return 529  # Anthropic's overload arrives from litellm as a 500
        return status
    return None


def _class_for(exc: BaseException, status: int | None, name: str) -> type[errors.ProviderError]:
    if "ContextWindowExceeded" in name:
        return errors.ContextWindowExceeded
    if name in ("Timeout", "APITimeoutError") or isinstance(exc, TimeoutError):
        return errors.ProviderTimeout
    if name == "APIConnectionError":
        text = str(exc).lower()
        if "json" in text or "decode" in text or "parse" in text:
            return errors.InvalidResponseError
        return errors.ProviderConnectionError
    if name == "JSONDecodeError" or (status is not None and 200 <= status < 300):
        return errors.InvalidResponseError
    if status is not None:
        if status in _BY_STATUS:
            return _BY_STATUS[status]
        if status >= 500:
            return errors.ProviderUnavailableError
        if status >= 400:
            return errors.BadRequestError
    return errors.ProviderError


def translate(
    exc: BaseException, deployment: Deployment, api_key: str | None
) -> errors.CostrouteError:
    """The costroute error for a litellm (or transport) exception raised by ``deployment``."""
    if isinstance(exc, errors.CostrouteError):
        return exc
    message = str(exc)
    if api_key:
        message = message.replace(api_key, "[secure]")
    status = _status_of(exc, message)
    cls = _class_for(exc, status, type(exc).__name__)
    headers = getattr(exc, "litellm_response_headers", None)
    if headers is None:
        response = getattr(exc, "response", None)
        headers = getattr(response, "headers", None)
    return cls(
        message,
        status_code=status,
        provider=deployment.provider,
        deployment=deployment.name,
        retry_after=retry_after_seconds(headers),
        fix=_FIXES.get(cls),
    )
