"""The cache key: complete (any output-affecting change misses), stable, tenant-scoped, keyless."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from costroute._request import build_request
from costroute.cache import cache_key, canonical_json

MESSAGES = [{"role": "user", "content": "What is six times seven?"}]
TOOL = {"type": "function", "function": {"name": "add", "parameters": {"type": "object"}}}
BASE: dict[str, Any] = {
    "tools": [TOOL],
    "tool_choice": "auto",
    "response_format": {"type": "json_object"},
    "temperature": 0.2,
    "top_p": 0.9,
    "seed": 7,
    "stop": ["\n\n"],
    "max_tokens": 200,
    "reasoning_effort": "low",
}


def key(messages: Any = MESSAGES, tenant: Any = "acme", policy: str = "balanced", **kw: Any) -> str:
    params = {**BASE, **kw}
    model = params.pop("model", "auto")
    return cache_key(build_request(messages, {**params, "model": model}), tenant, policy, model)


@pytest.mark.parametrize(
    "change",
    [
        {"messages": [{"role": "user", "content": "What is six times eight?"}]},
        {"messages": [{"role": "system", "content": "Be terse."}, *MESSAGES]},
        {"tools": [TOOL, {**TOOL, "function": {"name": "mul", "parameters": {}}}]},
        {"tool_choice": "required"},
        {"response_format": {"type": "text"}},
        {"temperature": 0.3},
        {"top_p": 1.0},
        {"seed": 8},
        {"stop": ["END"]},
        {"max_tokens": 201},
        {"reasoning_effort": "high"},
        {"policy": "cheapest"},
        {"model": "deepseek-v4-flash"},
        {"tenant": "globex"},
        {"tenant": None},
        {"frequency_penalty": 0.5},  # an unlisted parameter still counts: it can only miss
    ],
    ids=lambda change: next(iter(change)),
)
def test_changing_anything_that_shapes_the_answer_misses(change: dict[str, Any]) -> None:
    assert key(**change) != key()


def test_key_is_stable_and_ignores_argument_order_and_transport() -> None:
    reordered = dict(reversed(list(BASE.items())))
    assert cache_key(build_request(MESSAGES, reordered), "acme", "balanced") == key()
    assert key(timeout=5, metadata={"trace": "x"}, extra_headers={"x-id": "1"}) == key()
    assert len(key()) == 64 and int(key(), 16) >= 0


def test_api_keys_never_reach_the_key_material() -> None:
    request = build_request(MESSAGES, {"api_key": "sk-secret-123", "temperature": 0})
    assert key(api_key="sk-secret-123") == key()
    body = canonical_json({"params": {k: v for k, v in request.params.items() if k != "api_key"}})
    assert "sk-secret" not in body


def test_canonical_json_is_sorted_and_compact_and_handles_models() -> None:
    assert canonical_json({"b": 1, "a": [1, 2]}) == '{"a":[1,2],"b":1}'

    class Answer(BaseModel):
        value: int

    request = build_request(MESSAGES, {"response_format": Answer})
    other = build_request(MESSAGES, {"response_format": {"type": "json_object"}})
    assert cache_key(request) == cache_key(request) != cache_key(other)
