"""Normalise and validate one chat call's arguments into a :class:`~costroute.types.Request`.

Everything here runs before any network call, so a bad argument costs nothing and reserves
nothing. Each error names the field (``messages[2].role``) and the fix.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from costroute._tokens import (
    bound_tokens,
    estimate_tokens,
    json_bytes,
    text_bytes,
    uncounted_tokens_bound,
)
from costroute.errors import InvalidRequestError
from costroute.types import Request

__all__ = ["ROLES", "build_request", "prompt_text"]

ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})

# costroute's own keywords, kept from the provider; anything else the caller passes goes through
# to litellm unchanged. ``user`` is both: the budget identity, and the end-user id the provider
# receives (where its API takes one; see costroute.providers._call).
_OURS = frozenset(
    {
        "max_cost_usd",
        "latency_target_ms",
        "tenant",
        "tags",
        "policy",
        "cache",
        "timeout",
        "params",
    }
)
# Keywords costroute refuses rather than silently overriding: its retries are per deployment.
_REFUSED = {
    "max_retries": "costroute retries each deployment itself and falls back: set "
    "Router(retry=RetryConfig(attempts=N + 1)), or costroute.OpenAI(max_retries=N)",
    "num_retries": "costroute retries each deployment itself and falls back: set "
    "Router(retry=RetryConfig(attempts=N + 1))",
}


def _fail(message: str, field: str, fix: str) -> InvalidRequestError:
    return InvalidRequestError(message, field=field, fix=fix)


def _check_content(i: int, role: str, message: Mapping[str, Any]) -> tuple[int, int, int]:
    """Validate one message's content; return (characters and UTF-8 bytes of its text, images)."""
    content = message.get("content")
    if content is None:
        if role == "assistant" and (message.get("tool_calls") or message.get("function_call")):
            calls = message.get("tool_calls") or message.get("function_call")
            return 0, json_bytes(calls), 0
        raise _fail(
            f"Message {i} ({role}) has no content.",
            f"messages[{i}].content",
            "give a string or a list of content parts",
        )
    if isinstance(content, str):
        return len(content), text_bytes(content), 0
    if isinstance(content, Sequence) and not isinstance(content, bytes | bytearray):
        chars, nbytes, images = 0, 0, 0
        for j, part in enumerate(content):
            if not isinstance(part, Mapping) or "type" not in part:
                raise _fail(
                    f"Content part {j} of message {i} is not a dict with a 'type'.",
                    f"messages[{i}].content[{j}]",
                    'use {"type": "text", "text": "..."} or {"type": "image_url", ...}',
                )
            kind = part["type"]
            if kind in ("image_url", "image", "input_image"):
                images += 1
                continue
            text = str(part.get("text", "")) if kind == "text" else str(part)
            chars += len(text)
            nbytes += text_bytes(text)
        return chars, nbytes, images
    raise _fail(
        f"Message {i} has content of type {type(content).__name__}.",
        f"messages[{i}].content",
        "give a string or a list of content parts",
    )


def _as_dict(message: Any) -> Any:
    """A message given as a pydantic model (the openai SDK's ``ChatCompletionMessage``, as the
    tool loop appends ``resp.choices[0].message``) as the dict the provider receives; unset and
    ``None`` fields are left out, as the openai client sends them."""
    dump = getattr(message, "model_dump", None)
    if callable(dump) and not isinstance(message, type):
        return dump(exclude_none=True)
    return message


def _check_messages(messages: Any) -> tuple[tuple[Mapping[str, Any], ...], int, int, int]:
    """Validate the messages; return (messages, characters and UTF-8 bytes of text, images)."""
    if isinstance(messages, str | bytes) or not isinstance(messages, Sequence):
        raise _fail(
            f"messages must be a list of dicts, got {type(messages).__name__}.",
            "messages",
            'pass messages=[{"role": "user", "content": "..."}]',
        )
    if not messages:
        raise _fail("messages is empty.", "messages", "give at least one message")
    if not all(isinstance(m, Mapping) for m in messages):
        messages = [m if isinstance(m, Mapping) else _as_dict(m) for m in messages]
    chars, nbytes, images = 0, 0, 0
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping):
            raise _fail(
                f"Message {i} is a {type(message).__name__}, not a dict.",
                f"messages[{i}]",
                'each message is {"role": ..., "content": ...}',
            )
        role = message.get("role")
        if role not in ROLES:
            raise _fail(
                f"Message {i} has role {role!r}.",
                f"messages[{i}].role",
                f"use one of {', '.join(sorted(ROLES))}",
            )
        n, b, k = _check_content(i, str(role), message)
        chars += n
        nbytes += b
        images += k
    return tuple(messages), chars, nbytes, images


def _money(value: Any) -> Decimal | None:
    if value is None:
        return None
    fix = "give a non-negative number of US dollars, e.g. max_cost_usd=0.05"
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise _fail(f"max_cost_usd must be a number, got {value!r}.", "max_cost_usd", fix)
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise _fail(f"max_cost_usd must be a number, got {value!r}.", "max_cost_usd", fix) from None
    if not amount.is_finite() or amount < 0:
        raise _fail(f"max_cost_usd must be >= 0, got {value!r}.", "max_cost_usd", fix)
    return amount


def _positive(value: Any, field: str, fix: str, *, integer: bool = False) -> Any:
    if value is None:
        return None
    ok = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok or not math.isfinite(value) or value <= 0:
        raise _fail(f"{field} must be a positive number, got {value!r}.", field, fix)
    return value


def _tags(tags: Any) -> dict[str, str]:
    if tags is None:
        return {}
    if not isinstance(tags, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in tags.items()
    ):
        raise _fail(
            f"tags must map strings to strings, got {tags!r}.",
            "tags",
            'pass tags={"feature": "search"}',
        )
    return dict(tags)


def _needs_json(params: Mapping[str, Any]) -> bool:
    fmt = params.get("response_format")
    if isinstance(fmt, Mapping):
        return fmt.get("type") in ("json_object", "json_schema")
    return fmt is not None


def build_request(messages: Any, kwargs: Mapping[str, Any]) -> Request:
    """Validate the call's arguments and split ours from the ones litellm receives."""
    msgs, chars, nbytes, images = _check_messages(messages)
    for name, fix in _REFUSED.items():
        if name in kwargs:
            raise _fail(f"{name}={kwargs[name]!r} is not a per-call keyword.", name, fix)
    params = {k: v for k, v in kwargs.items() if k not in _OURS}
    model = params.pop("model", None) or "auto"
    if not isinstance(model, str):
        raise _fail(f"model must be a string, got {model!r}.", "model", "use 'auto' or a name")
    stream = bool(params.pop("stream", False))
    max_out = params.get("max_completion_tokens", params.get("max_tokens"))
    fix_tokens = "give a positive integer number of tokens"
    _positive(max_out, "max_tokens", fix_tokens, integer=True)
    user = kwargs.get("user")
    tenant = kwargs.get("tenant")
    for field, value in (("user", user), ("tenant", tenant), ("policy", kwargs.get("policy"))):
        if value is not None and not isinstance(value, str):
            raise _fail(f"{field} must be a string, got {value!r}.", field, "pass a string id")
    mode = kwargs.get("params")
    if mode is not None and mode not in ("drop", "strict"):
        raise _fail(
            f"params={mode!r} is invalid.",
            "params",
            "use 'drop' (a deployment that cannot take a sampling hint gets the call without it)"
            " or 'strict' (such a deployment is skipped)",
        )
    tools = params.get("tools")
    if tools is not None and not isinstance(tools, Sequence):
        raise _fail("tools must be a list of tool definitions.", "tools", "pass tools=[...]")
    return Request(
        messages=msgs,
        params=params,
        model=model,
        stream=stream,
        max_cost_usd=_money(kwargs.get("max_cost_usd")),
        latency_target_ms=_positive(
            kwargs.get("latency_target_ms"),
            "latency_target_ms",
            "give a positive number of milliseconds, e.g. latency_target_ms=2000",
        ),
        max_output_tokens=max_out,
        timeout_s=_positive(
            kwargs.get("timeout"),
            "timeout",
            "give the seconds the whole call may take (retries and fallbacks included),"
            " e.g. timeout=30",
        ),
        user=user,
        tenant=tenant,
        tags=_tags(kwargs.get("tags")),
        policy=kwargs.get("policy"),
        params_mode=mode,
        needs_tools=bool(tools) or bool(params.get("functions")),
        needs_vision=images > 0,
        needs_json=_needs_json(params),
        input_tokens_estimate=estimate_tokens(chars, len(msgs), images),
        input_tokens_bound=bound_tokens(nbytes, len(msgs), images, params),
        uncounted_tokens_bound=uncounted_tokens_bound(params),
    )


def prompt_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """The text of every message, joined: what the ledger hashes (or stores, when opted in)."""
    parts: list[str] = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            parts.append(f"{message.get('role')}: {content}")
        elif isinstance(content, Sequence):
            texts = [str(p.get("text", "")) for p in content if isinstance(p, Mapping)]
            parts.append(f"{message.get('role')}: {' '.join(texts)}")
    return "\n".join(parts)
