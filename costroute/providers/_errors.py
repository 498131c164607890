"""Translate litellm's exceptions into costroute's, keeping status, provider and Retry-After.

This is the only place that knows litellm's exception classes. The key a call used is scrubbed
from every message, whatever the provider echoed back.
"""

from __future__ import annotations

import email.utils
import functools
import re
import time
from collections.abc import Mapping
from typing import Any

from costroute import errors
from costroute.catalog import Deployment

__all__ = ["retry_after_seconds", "translate"]

_FIXES = {
    "AuthenticationError": "check the deployment's API key and its access to this model",
    "PermissionDeniedError": "check the deployment's API key and its access to this model",
    "ModelNotFoundError": "check the deployment's model id and api_base",
    "ContextWindowExceeded": "shorten the prompt or use a deployment with a larger window",
    "BadRequestError": "fix the request parameters named in the provider's message",
    "RateLimitError": "retry later or raise the provider's rate limit",
}


@functools.cache
def _by_status() -> dict[int, type[errors.ProviderError]]:
    """The class of each status (built on first use: the classes are loaded with openai)."""
    return {
        400: errors.BadRequestError,
        401: errors.AuthenticationError,
        403: errors.PermissionDeniedError,
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


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes (``__cause__`` or ``__context__``), outermost first."""
    out: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(out) < 16:
        seen.add(id(current))
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


def _kinds(chain: list[BaseException]) -> set[str]:
    """Qualified class names (``module.Name``) of the exceptions in ``chain``.

    httpx exceptions count with their base classes (``ReadError`` is a ``TransportError``);
    others by their own class only, because litellm's exceptions subclass openai's
    (``litellm.InternalServerError`` is an ``openai.APIStatusError`` even for a reset).
    Matching by name keeps httpx and openai out of ``import costroute``.
    """
    kinds: set[str] = set()
    for exc in chain:
        cls = type(exc)
        classes = cls.__mro__ if cls.__module__.startswith("httpx") else (cls,)
        kinds.update(f"{c.__module__}.{c.__name__}" for c in classes)
    return kinds


_TIMEOUTS = frozenset(
    {"httpx.TimeoutException", "openai.APITimeoutError", "litellm.exceptions.Timeout"}
)
_TRANSPORT = frozenset({"httpx.TransportError", "openai.APIConnectionError"})
_HTTP_STATUS = frozenset({"httpx.HTTPStatusError", "openai.APIStatusError"})
# litellm's words for a 2xx body it could not read, and for a stream that stopped early.
_UNREADABLE = ("empty or invalid response", "unable to get json response", "no 'choices'")
_TRUNCATED = "stream ended before a finish_reason"


def _status_of(exc: BaseException, message: str) -> int | None:
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        if status == 500 and "overloaded" in message.lower():
            return 529  # Anthropic's overload arrives from litellm as a 500
        return status
    return None


def _class_for(
    exc: BaseException, status: int | None, message: str
) -> tuple[type[errors.ProviderError], int | None]:
    """The costroute class for ``exc`` and the HTTP status to report (None when there was none).

    litellm reports connection failures, unreadable 200 bodies and truncated streams as
    "500"s; the cause chain tells them apart from a real 500.
    """
    name = type(exc).__name__
    if name == "UnsupportedParamsError":  # refused by litellm before sending: a 400 like the API's
        return errors.BadRequestError, 400
    if "ContextWindowExceeded" in name:
        return errors.ContextWindowExceeded, status
    chain = _chain(exc)
    kinds = _kinds(chain)
    if kinds & _TIMEOUTS or any(isinstance(e, TimeoutError) for e in chain):
        return errors.ProviderTimeout, status if status == 408 else None
    text = message.lower()
    if "litellm.exceptions.MidStreamFallbackError" in kinds or _TRUNCATED in text:
        return errors.ProviderConnectionError, 200  # the stream had opened: 200, then broke
    if kinds & _TRANSPORT:
        return errors.ProviderConnectionError, None
    if not kinds & _HTTP_STATUS and (
        "json.decoder.JSONDecodeError" in kinds
        or any(marker in text for marker in _UNREADABLE)
        or name == "APIConnectionError"
    ):
        return errors.InvalidResponseError, 200
    if status is not None:
        if 200 <= status < 300:
            return errors.InvalidResponseError, status
        by_status = _by_status()
        if status in by_status:
            return by_status[status], status
        if status >= 500:
            return errors.ProviderUnavailableError, status
        if status >= 400:
            return errors.BadRequestError, status
    return errors.ProviderError, status


# litellm's two phrasings: "does not support parameters: ['seed']" and "does not support top_k=5"
_REFUSED = re.compile(r"does not support (?:parameters: \[['\"]([^'\"]+)['\"]|(\w+)=)")


def _refused_param(message: str) -> str | None:
    """The first parameter litellm names as unsupported, for the error's ``param``."""
    found = _REFUSED.search(message)
    return (found.group(1) or found.group(2)) if found else None


def translate(
    exc: BaseException, deployment: Deployment, api_key: str | None
) -> errors.CostrouteError:
    """The costroute error for a litellm (or transport) exception raised by ``deployment``."""
    if isinstance(exc, errors.CostrouteError):
        return exc
    message = str(exc)
    if api_key:
        message = message.replace(api_key, "[secure]")
    cls, status = _class_for(exc, _status_of(exc, message), message)
    headers = getattr(exc, "litellm_response_headers", None)
    if headers is None:
        response = getattr(exc, "response", None)
        headers = getattr(response, "headers", None)
    return cls(
        message,
        param=_refused_param(message) if cls is errors.BadRequestError else None,
        status_code=status,
        provider=deployment.provider,
        deployment=deployment.name,
        retry_after=retry_after_seconds(headers),
        fix=_FIXES.get(cls.__name__),
    )
