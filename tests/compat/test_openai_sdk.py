"""The openai SDK's documented idioms, unchanged, on a direct client and on costroute's."""

from __future__ import annotations

import json
from typing import Any, Literal

import openai
import pytest
from compat_support import Calls
from pydantic import BaseModel

from costroute.sim import Fault, Simulator

ASK = [{"role": "user", "content": "What is the capital of France?"}]
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string"}},
            "required": ["city"],
        },
    },
}


class Address(BaseModel):
    city: str
    postcode: str


class Person(BaseModel):
    name: str
    age: int
    role: Literal["engineer", "manager"]
    addresses: list[Address]
    nickname: str | None


def test_create(client: Any, model: str, calls: Calls) -> None:
    completion = client.chat.completions.create(model=model, messages=ASK)
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.prompt_tokens > 0 and completion.usage.completion_tokens > 0
    calls.check(1, stream=False)


def test_stream_loop(client: Any, model: str, calls: Calls) -> None:
    stream = client.chat.completions.create(
        model=model, messages=ASK, stream=True, stream_options={"include_usage": True}
    )
    text, usage = [], None
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            text.append(chunk.choices[0].delta.content)
        usage = chunk.usage or usage
    assert "".join(text).strip()
    assert usage is not None and usage.completion_tokens > 0
    calls.check(1, stream=True)


def test_stream_context_manager(client: Any, model: str, calls: Calls) -> None:
    with client.chat.completions.stream(model=model, messages=ASK) as stream:
        deltas = [e.delta for e in stream if e.type == "content.delta"]
        final = stream.get_final_completion()
    assert deltas and "".join(deltas) == final.choices[0].message.content
    calls.check(1, stream=True)


async def test_async_create_and_stream(aclient: Any, model: str, calls: Calls) -> None:
    completion = await aclient.chat.completions.create(model=model, messages=ASK)
    assert completion.choices[0].message.content
    stream = await aclient.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "Say hello in French."}],
        stream=True,
    )
    pieces = [c.choices[0].delta.content async for c in stream if c.choices]
    assert "".join(p for p in pieces if p).strip()
    calls.check(2)


def test_with_raw_response(client: Any, model: str, calls: Calls) -> None:
    raw = client.chat.completions.with_raw_response.create(model=model, messages=ASK)
    assert raw.http_response.status_code == 200
    assert raw.headers.get("content-type", "").startswith("application/json")
    completion = raw.parse()
    assert completion.choices[0].message.content
    calls.check(1)


def test_parse_into_a_pydantic_model(client: Any, model: str, calls: Calls) -> None:
    completion = client.chat.completions.parse(
        model=model,
        messages=[{"role": "user", "content": "Describe Ada: name=Ada age=36 role=engineer"}],
        response_format=Person,
    )
    person = completion.choices[0].message.parsed
    assert isinstance(person, Person)
    assert (person.name, person.age, person.role) == ("Ada", 36, "engineer")
    assert person.addresses and isinstance(person.addresses[0], Address)
    calls.check(1)


def test_structured_output_json_schema_and_json_object(
    client: Any, model: str, calls: Calls
) -> None:
    schema = Person.model_json_schema()
    fmt = {"type": "json_schema", "json_schema": {"name": "person", "schema": schema}}
    completion = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "Invent a person called name=Grace."}],
        response_format=fmt,
    )
    person = Person.model_validate_json(completion.choices[0].message.content)
    assert person.name == "Grace"
    completion = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "Answer in JSON: what is 2 + 2?"}],
        response_format={"type": "json_object"},
    )
    assert isinstance(json.loads(completion.choices[0].message.content), dict)
    calls.check(2)


def test_tool_loop(client: Any, model: str, calls: Calls) -> None:
    messages: list[dict[str, Any]] = [{"role": "user", "content": "What's the weather? city=Paris"}]
    first = client.chat.completions.create(model=model, messages=messages, tools=[WEATHER_TOOL])
    assert first.choices[0].finish_reason == "tool_calls"
    call = first.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    messages.append(first.choices[0].message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": "Sunny, 21 C"})
    final = client.chat.completions.create(model=model, messages=messages, tools=[WEATHER_TOOL])
    assert final.choices[0].finish_reason == "stop"
    assert "Sunny, 21 C" in final.choices[0].message.content
    calls.check(2)


def test_rate_limit_error_is_caught_as_openai_error(
    client: Any, model: str, sim: Simulator, calls: Calls
) -> None:
    sim.inject(Fault.status(429, retry_after=0), times=1000)
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model=model, messages=ASK)
    assert caught.value.status_code == 429
    calls.check_failed()
