"""The OpenAI HTTP API's wire format, for :mod:`costroute._transport`: no I/O here.

Request bodies become ``router.chat`` arguments; answers become OpenAI JSON, SSE events and
headers; costroute's errors become the status and error body an OpenAI server would send.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from costroute import errors
from costroute.types import CallInfo

__all__ = [
    "DONE",
    "ERROR_KEY",
    "chat_arguments",
    "completion_body",
    "error_parts",
    "error_response",
    "info_headers",
    "json_response",
    "model_body",
    "models_body",
    "not_found",
    "sse_event",
]

ERROR_KEY = "costroute.error"
"""``response.extensions[ERROR_KEY]``: the costroute error an error response stands for."""

DONE = b"data: [DONE]\n\n"
_JSON = {"content-type": "application/json"}


def chat_arguments(request: httpx.Request) -> tuple[Any, dict[str, Any]]:
    """``(messages, keywords)`` of ``router.chat`` for a ``POST /chat/completions``.

    Every body field goes to the router (costroute's own keywords, such as ``max_cost_usd`` or
    ``tenant``, arrive through the SDK's ``extra_body=``). The SDK's timeout for the request
    (``request.extensions["timeout"]``, its read timeout) is the call's deadline: ``timeout=``.
    """
    try:
        body = json.loads(request.content or b"{}")
    except ValueError as exc:
        raise errors.InvalidRequestError(
            f"The request body is not JSON: {exc}.", field="body", fix="send a JSON object"
        ) from None
    if not isinstance(body, dict):
        raise errors.InvalidRequestError(
            "The request body is not a JSON object.", field="body", fix="send a JSON object"
        )
    messages = body.pop("messages", None)
    read = (request.extensions.get("timeout") or {}).get("read")
    if isinstance(read, int | float) and not isinstance(read, bool) and read > 0:
        body.setdefault("timeout", float(read))
    return messages, body


def completion_body(response: Any) -> bytes:
    """A ChatCompletion as the JSON an OpenAI server sends (``resp.costroute`` is no field)."""
    text: str = response.model_dump_json(exclude_unset=True)
    return text.encode()


def sse_event(chunk: Any) -> bytes:
    """One ChatCompletionChunk as a server-sent event."""
    text: str = chunk.model_dump_json(exclude_unset=True)
    return b"data: " + text.encode() + b"\n\n"


def info_headers(info: CallInfo | None) -> dict[str, str]:
    """What costroute did, as response headers (``with_raw_response`` reads them)."""
    if info is None:
        return {}
    return {
        "x-request-id": info.request_id,
        "x-costroute-request-id": info.request_id,
        "x-costroute-deployment": info.deployment,
        "x-costroute-cost-usd": str(info.cost_usd),
        "x-costroute-saved-usd": str(info.saved_usd),
        "x-costroute-cached": "true" if info.cached else "false",
    }


def _body(message: str, kind: str, code: str | None, param: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def error_parts(exc: errors.CostrouteError) -> tuple[int, dict[str, Any]]:
    """The status and ``{"error": {...}}`` body an OpenAI server would answer ``exc`` with.

    Provider errors keep their status (a gateway's 504 for a timeout and 502 for a broken
    connection or an unreadable answer); a budget refusal is OpenAI's 429 ``insufficient_quota``;
    an unknown ``model=`` its 404 ``model_not_found``; a bad argument its 400.
    """
    message = str(exc)
    field = getattr(exc, "field", None)
    body = getattr(exc, "body", None)
    if isinstance(exc, errors.ProviderTimeout):
        return 504, {"error": body}
    if isinstance(exc, errors.ProviderConnectionError | errors.InvalidResponseError):
        return 502, {"error": body}
    status = getattr(exc, "status_code", None)
    if isinstance(exc, errors.ProviderError | errors.AllDeploymentsFailed) and isinstance(
        status, int
    ):
        return status, {"error": body}
    if isinstance(exc, errors.BudgetExceeded):
        return 429, _body(message, "insufficient_quota", "insufficient_quota", None)
    if isinstance(exc, errors.UnknownDeploymentError):
        return 404, _body(message, "invalid_request_error", "model_not_found", "model")
    if isinstance(exc, errors.MissingAPIKeyError):
        return 401, _body(message, "invalid_request_error", "invalid_api_key", None)
    if isinstance(exc, errors.InvalidRequestError | errors.NoDeploymentAvailable):
        return 400, _body(message, "invalid_request_error", None, field)
    if isinstance(exc, errors.BackendUnavailable):
        return 503, _body(message, "server_error", "backend_unavailable", None)
    return 500, _body(message, "server_error", None, field)


def error_response(exc: errors.CostrouteError, request: httpx.Request) -> httpx.Response:
    """The error response for ``exc``; ``extensions[ERROR_KEY]`` keeps ``exc`` itself."""
    status, body = error_parts(exc)
    headers = {**_JSON, "x-should-retry": "false"}
    return httpx.Response(
        status,
        headers=headers,
        content=json.dumps(body).encode(),
        request=request,
        extensions={ERROR_KEY: exc},
    )


def not_found(request: httpx.Request) -> httpx.Response:
    """404 for every path but chat completions and models, as an OpenAI error body."""
    message = (
        f"costroute.OpenAI serves POST /chat/completions and GET /models; "
        f"{request.method} {request.url.path} is not routed."
    )
    body = _body(message, "invalid_request_error", "unknown_url", None)
    return httpx.Response(404, headers=_JSON, content=json.dumps(body).encode(), request=request)


def model_body(name: str, owner: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": 0, "owned_by": owner}


def models_body(deployments: Mapping[str, Any]) -> dict[str, Any]:
    """``GET /models``: ``auto`` (routed) and every deployment of the router, by name."""
    data = [model_body("auto", "costroute")]
    data += [model_body(name, str(dep.provider)) for name, dep in deployments.items()]
    return {"object": "list", "data": data}


def json_response(
    body: Any, request: httpx.Request, headers: Mapping[str, str] | None = None
) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(
        200, headers={**_JSON, **(headers or {})}, content=content, request=request
    )
