"""Token counts of a prompt known before any call: a typical estimate and an upper bound.

The estimate (4 characters a token plus per-message framing) serves routing and context-window
checks; the bound (every BPE token covers at least one UTF-8 byte) serves budget reservations,
which must never be short. Both are computed once per call, by costroute._request.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "BILLED_PARAMS",
    "bound_tokens",
    "chars_to_tokens",
    "estimate_tokens",
    "json_bytes",
    "text_bytes",
    "uncounted_tokens_bound",
]

_CHARS_PER_TOKEN = 4
_TOKENS_PER_MESSAGE = 4
_TOKENS_PER_IMAGE = 1000


def text_bytes(text: str) -> int:
    """UTF-8 length; ``isascii`` is O(1) in CPython, so ASCII text costs no encoding."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def chars_to_tokens(chars: int) -> int:
    """A typical token count of ``chars`` characters of text: 4 a token, rounded up."""
    return -(-chars // _CHARS_PER_TOKEN)


def estimate_tokens(chars: int, n_messages: int, images: int) -> int:
    """A cheap typical token estimate: 4 characters a token, 1,000 tokens an image, plus
    per-message framing.

    For routing and context-window checks; budgets use :func:`bound_tokens`.
    """
    return (
        chars_to_tokens(chars) + _TOKENS_PER_IMAGE * images + _TOKENS_PER_MESSAGE * n_messages + 3
    )


# Per message and per request: above every provider's chat framing (OpenAI adds 3-4 a message).
_BOUND_PER_MESSAGE = 16
_BOUND_PER_REQUEST = 32
# Above the most any provider bills for one image (Claude ~1,600 at 1.15 MP; OpenAI high detail).
_BOUND_PER_IMAGE = 2500


# The request parameters sent with the prompt and billed as input tokens. This is the one list:
# the byte bound counts them all; a reservation that counts the prompt with the provider's own
# tokenizer (which sees the messages and ``tools`` only) adds :func:`uncounted_tokens_bound`.
BILLED_PARAMS = ("tools", "functions", "response_format", "tool_choice", "function_call")
_TOKENIZER_COUNTS = frozenset({"tools"})


def _params_bytes(params: Mapping[str, Any], keys: Iterable[str]) -> int:
    """The JSON bytes of the parameters ``keys`` (ASCII-escaped, so no fewer than UTF-8's)."""
    return sum(json_bytes(params[k]) for k in keys if params.get(k) is not None)


def json_bytes(value: Any) -> int:
    """JSON bytes of a billed value (a parameter, an assistant message's tool calls). A pydantic
    model class as ``response_format`` is sent as its JSON schema, wrapped (``{"type":
    "json_schema", "json_schema": {"name", "schema", "strict"}}``) with
    ``"additionalProperties": false`` added to every object: counted so."""
    schema = getattr(value, "model_json_schema", None)
    if isinstance(value, type) and callable(schema):
        text = json.dumps(schema())
        return (
            len(text) + _PER_SCHEMA_OBJECT * text.count('"properties"') + 128 + len(value.__name__)
        )
    return len(json.dumps(value, default=str))


_PER_SCHEMA_OBJECT = 64
"""Bytes allowed per object of a model's schema for what the strict conversion adds."""


def uncounted_tokens_bound(params: Mapping[str, Any]) -> int:
    """An upper bound of the billed tokens of the parameters no tokenizer count covers
    (``functions``, ``response_format``, ``tool_choice``, ``function_call``): their JSON bytes."""
    return _params_bytes(params, (k for k in BILLED_PARAMS if k not in _TOKENIZER_COUNTS))


def bound_tokens(nbytes: int, n_messages: int, images: int, params: Mapping[str, Any]) -> int:
    """An upper bound of the prompt's billed tokens, for budget reservations.

    Every BPE token covers at least one UTF-8 byte, so the bytes of the text bound its tokens;
    the parameters of :data:`BILLED_PARAMS` (tool definitions, a response schema) are sent and
    billed too and count by their JSON bytes.
    """
    return (
        nbytes
        + _params_bytes(params, BILLED_PARAMS)
        + _BOUND_PER_IMAGE * images
        + _BOUND_PER_MESSAGE * n_messages
        + _BOUND_PER_REQUEST
    )
