"""Translate litellm's exceptions into costroute's, keeping status, provider and Retry-After.

This is the only place that knows litellm's exception classes. It reads only their public face:
the classes litellm exports (``litellm.Timeout``, ``litellm.ContextWindowExceededError``), their
``status_code``, ``litellm_response_headers`` and ``response``, and the httpx / openai SDK
exceptions among their causes (the status the provider really sent, a reset, a timeout, a body
that is not JSON), so that any litellm release costroute supports is read the same way. Where
litellm keeps a fact only in its message (a 200 whose body it could not read, the name of a
parameter it refused), the message is read as a fallback; docs/api.md lists both.

The key a call used is scrubbed from every message, whatever the provider echoed back.
"""

from __future__ import annotations

import email.utils
import functools
import json
import re
import time
from collections.abc import Mapping
from typing import Any

from costroute import errors
from costroute.catalog import Deployment
from costroute.providers._loader import loaded_module

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


def _sent_status(chain: list[BaseException]) -> int | None:
    """The status the provider sent, from an ``httpx.HTTPStatusError`` among the causes.

    litellm reports some statuses as others (Anthropic's 529 "overloaded" as a 500); the
    HTTP error it wraps keeps the provider's own.
    """
    import httpx

    for exc in chain:
        if isinstance(exc, httpx.HTTPStatusError):
            return exc.response.status_code
    return None


def _status_of(exc: BaseException, chain: list[BaseException]) -> int | None:
    status = getattr(exc, "status_code", None)
    if not isinstance(status, int):
        return None
    sent = _sent_status(chain)
    return sent if sent is not None and sent >= 400 else status


def _timed_out(chain: list[BaseException]) -> bool:
    import httpx
    import openai

    lite = loaded_module()
    timeout = getattr(lite, "Timeout", None) if lite is not None else None
    kinds: tuple[type[BaseException], ...] = (
        TimeoutError,
        httpx.TimeoutException,
        openai.APITimeoutError,
    )
    if isinstance(timeout, type) and issubclass(timeout, BaseException):
        kinds = (*kinds, timeout)
    return any(isinstance(e, kinds) for e in chain)


def _transport_failed(chain: list[BaseException]) -> bool:
    """A connection that failed before any answer: an httpx transport error, or the openai
    SDK's own ``APIConnectionError`` (litellm's subclass of it also reports unreadable
    bodies, so only the SDK's exact class counts)."""
    import httpx
    import openai

    return any(
        isinstance(e, httpx.TransportError) or type(e) is openai.APIConnectionError for e in chain
    )


def _answered_with_error(chain: list[BaseException]) -> bool:
    """Whether an HTTP error status arrived (httpx's error, or the openai SDK's own; litellm's
    exceptions subclass the SDK's and say "500" for unreadable 200s too, so they do not count)."""
    import httpx
    import openai

    return any(
        isinstance(e, httpx.HTTPStatusError)
        or (isinstance(e, openai.APIStatusError) and type(e).__module__.split(".")[0] == "openai")
        for e in chain
    )


# litellm's words for a 2xx body it could not read (a proxy's HTML page answered with 200): its
# exception then says 500 and carries no cause to tell it from a real 500.
_UNREADABLE = ("empty or invalid response", "unable to get json response")


def _class_for(
    exc: BaseException, status: int | None, message: str, *, streaming: bool
) -> tuple[type[errors.ProviderError], int | None]:
    """The costroute class for ``exc`` and the HTTP status to report (None when there was none).

    ``streaming`` says the exception came while reading a stream that had opened (its 200
    had arrived): a failure there is a broken stream, whatever litellm calls it.
    """
    lite = loaded_module()
    window = getattr(lite, "ContextWindowExceededError", None) if lite is not None else None
    if isinstance(window, type) and isinstance(exc, window):
        return errors.ContextWindowExceeded, status
    chain = _chain(exc)
    if _timed_out(chain):
        return errors.ProviderTimeout, status if status == 408 else None
    if streaming:
        return errors.ProviderConnectionError, 200
    if _transport_failed(chain):
        return errors.ProviderConnectionError, None
    if not _answered_with_error(chain) and (
        any(isinstance(e, json.JSONDecodeError) for e in chain)
        or (status == 500 and any(marker in message.lower() for marker in _UNREADABLE))
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
    """The first parameter litellm names as unsupported, for the error's ``param`` (a detail
    read from the message: litellm's exception has no field for it; None when not found)."""
    found = _REFUSED.search(message)
    return (found.group(1) or found.group(2)) if found else None


def translate(
    exc: BaseException, deployment: Deployment, api_key: str | None, *, streaming: bool = False
) -> errors.CostrouteError:
    """The costroute error for a litellm (or transport) exception raised by ``deployment``;
    ``streaming``: raised while reading a stream that had opened."""
    if isinstance(exc, errors.CostrouteError):
        return exc
    message = str(exc)
    if api_key:
        message = message.replace(api_key, "[secure]")
    cls, status = _class_for(exc, _status_of(exc, _chain(exc)), message, streaming=streaming)
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
