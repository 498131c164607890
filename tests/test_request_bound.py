"""The prompt-token bound used for budget reservations is never below the real count."""

from __future__ import annotations

from typing import Any

import pytest

from costroute._request import build_request

PROMPTS = [
    "hi",
    "What is the capital of Australia?",
    "東京の天気はどうですか？ 详细说明一下量子纠缠。 🚀🔥👩‍💻 " * 20,
    "def f(x):\n    return [i*i for i in range(x) if i % 2]\n" * 30,
    "Ünïcödé ñoñsense — «quotes» … ½ ∑ ∫ √ ≤ ≥ " * 40,
    "a" * 5000,
]


@pytest.mark.parametrize("text", PROMPTS)
def test_bound_covers_the_exact_openai_count(text: str) -> None:
    from costroute.providers import litellm

    tools: list[dict[str, Any]] = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "weather for a city",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            },
        }
    ]
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": text}]
    for params in ({}, {"tools": tools}):
        request = build_request(messages, params)
        exact = litellm().token_counter(
            model="gpt-4o", messages=messages, tools=params.get("tools")
        )
        assert request.input_tokens_bound >= exact, (exact, request.input_tokens_bound)
        assert request.input_tokens_estimate <= request.input_tokens_bound
