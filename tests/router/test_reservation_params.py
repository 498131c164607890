"""Budget reservations cover every billed part of the request, not only the messages and tools.

A response schema, legacy ``functions`` and ``tool_choice`` are sent with the prompt and billed
as input tokens; the provider tokenizer's count (used for OpenAI and DeepSeek) sees only the
messages and tools, so the reservation adds the JSON bytes of the rest (a BPE token covers at
least one byte). Each test computes that worst case by hand and reads what the budget held
while the provider was being called.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from costroute.budget import Budget, Limit
from costroute.providers import count_prompt_tokens
from costroute.testing import OPENAI_URL, openai_body

MESSAGES = [{"role": "user", "content": "Extract the record from: id 7, colour blue."}]
MAX_TOKENS = 100

# A ~7.4 KB JSON schema: 60 string fields with descriptions.
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        f"field_{i:02d}": {
            "type": "string",
            "description": f"The value of field number {i} of the record, as written there",
        }
        for i in range(60)
    },
    "required": [f"field_{i:02d}" for i in range(60)],
}
RESPONSE_FORMAT = {
    "type": "json_schema",
    "json_schema": {"name": "record", "schema": SCHEMA, "strict": True},
}
FUNCTIONS = [{"name": "save_record", "description": "Save one record", "parameters": SCHEMA}]


def _reserved_during_the_call(
    router_factory: Any, mock: respx.MockRouter, **params: Any
) -> tuple[Decimal, Any, Any]:
    """(amount the budget held while the provider answered, the router, the sent body)."""
    router = router_factory(budget=Budget([Limit(usd=100, window="day")]), ledger=False)
    held: list[Decimal] = []

    def answer(request: httpx.Request) -> httpx.Response:
        (window,) = router.budget.status().windows
        held.append(window.reserved)
        return httpx.Response(200, json=openai_body("{}", prompt=10, completion=5))

    route = mock.post(OPENAI_URL).mock(side_effect=answer)
    router.chat(messages=MESSAGES, model="gpt-5.4", max_tokens=MAX_TOKENS, **params)
    (amount,) = held
    (window,) = router.budget.status().windows
    assert window.reserved == 0  # settled afterwards
    return amount, router, json.loads(route.calls.last.request.content)


def _by_hand(router: Any, param_bytes: int) -> tuple[int, Decimal]:
    """(prompt tokens, worst-case dollars): the messages' exact count, plus every byte of the
    billed parameters, plus every output token, at the dearest input rate."""
    gpt = router.deployments["gpt-5.4"]
    messages = count_prompt_tokens(gpt, MESSAGES)
    assert messages is not None and messages < 40
    tokens = messages + param_bytes
    inp, out, _, write = gpt.prices.peak
    return tokens, tokens * max(inp, write) + MAX_TOKENS * out


def test_a_large_response_schema_is_reserved_for(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    schema_bytes = len(json.dumps(RESPONSE_FORMAT))
    assert 7000 < schema_bytes < 8000
    held, router, sent = _reserved_during_the_call(
        router_factory, mock, response_format=RESPONSE_FORMAT
    )
    assert sent["response_format"] == RESPONSE_FORMAT  # it is sent, so it is billed
    tokens, worst = _by_hand(router, schema_bytes)
    assert held >= worst, (held, worst)
    request, _ = router._prepare(MESSAGES, {"response_format": RESPONSE_FORMAT})
    reserved = router.state.input_tokens(request, router.deployments["gpt-5.4"], {})
    assert tokens <= reserved <= request.input_tokens_bound


def test_legacy_functions_and_their_forced_call_are_reserved_for(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    forced = {"name": "save_record"}
    param_bytes = len(json.dumps(FUNCTIONS)) + len(json.dumps(forced))
    held, router, sent = _reserved_during_the_call(
        router_factory, mock, functions=FUNCTIONS, function_call=forced
    )
    assert sent["functions"] == FUNCTIONS
    _, worst = _by_hand(router, param_bytes)
    assert held >= worst, (held, worst)


@pytest.mark.parametrize(
    "params",
    [
        {"response_format": RESPONSE_FORMAT},
        {"functions": FUNCTIONS},
        {"tool_choice": {"type": "function", "function": {"name": "x" * 500}}},
    ],
    ids=["response_format", "functions", "tool_choice"],
)
def test_the_exact_count_never_drops_a_billed_parameter(
    router_factory: Any, params: dict[str, Any]
) -> None:
    router = router_factory(budget=Budget([Limit(usd=100, window="day")]), ledger=False)
    ((key, value),) = params.items()
    request, _ = router._prepare(MESSAGES, params)
    bare, _ = router._prepare(MESSAGES, {})
    gpt = router.deployments["gpt-5.4"]
    with_param = router.state.input_tokens(request, gpt, {})
    without = router.state.input_tokens(bare, gpt, {})
    assert with_param - without >= len(json.dumps(value)), key
    # the byte bound (Anthropic, no exact count) counts the same bytes
    assert request.input_tokens_bound - bare.input_tokens_bound == len(json.dumps(value))
