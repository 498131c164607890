"""The cache key: a SHA-256 of the canonical JSON of everything that shapes the answer.

Canonical JSON: sorted keys, no whitespace, so two requests that differ only in the order of
their keyword arguments share a key. The key covers the messages and every parameter passed to
the provider (tools, tool_choice, response_format, temperature, top_p, seed, stop, max_tokens,
reasoning effort, and any other: an unknown parameter counts, so it can only cause a miss), the
routing policy, the pinned model (``"auto"`` when routed) and the tenant, so entries never cross
tenants. Transport settings (timeout, API key and base, headers, metadata) are left out: they
change where and how a request travels, not its answer, and an API key must never reach a key
that may be stored in a shared Redis.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from costroute.types import Request

__all__ = ["TRANSPORT_PARAMS", "cache_key", "canonical_json"]

# Parameters that do not change the answer (or must never be stored): left out of the key.
TRANSPORT_PARAMS = frozenset(
    {
        "api_key",
        "api_base",
        "base_url",
        "api_version",
        "organization",
        "timeout",
        "request_timeout",
        "max_retries",
        "num_retries",
        "extra_headers",
        "headers",
        "metadata",
        "stream",
        "stream_options",
        "cache",
        "user",
        "mock_response",
    }
)


def _default(value: Any) -> Any:
    """JSON for what ``json`` cannot encode: pydantic models and classes by their schema."""
    schema = getattr(value, "model_json_schema", None)
    if callable(schema):
        return {"__schema__": schema()}
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value, key=repr) if isinstance(value, set | frozenset) else list(value)
    return repr(value)


# One encoder for every key: json.dumps() with options builds a new encoder on each call.
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
)


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, non-ASCII kept: the same value always gives the same text."""
    return _ENCODER.encode(value)


def cache_key(
    request: Request, tenant: str | None = None, policy: str | None = None, model: str = "auto"
) -> str:
    """The hex SHA-256 key of ``request`` in ``tenant``'s scope, under ``policy`` and ``model``.

    >>> from costroute._request import build_request
    >>> req = build_request([{"role": "user", "content": "hi"}], {"temperature": 0})
    >>> cache_key(req, "acme", "balanced") == cache_key(req, "acme", "balanced")
    True
    >>> cache_key(req, "acme", "balanced") == cache_key(req, "globex", "balanced")
    False
    """
    params: Mapping[str, Any] = request.params
    kept = {k: v for k, v in params.items() if k not in TRANSPORT_PARAMS} if params else params
    body = {
        "messages": request.messages,
        "params": kept,
        "tenant": tenant,
        "policy": policy,
        "model": model,
    }
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()
