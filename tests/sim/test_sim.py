"""Tests of costroute.sim: wire shapes over plain HTTP, then litellm as the proof of format.

Every simulator here runs with ``latency_scale=0`` unless a test is about pacing.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

import costroute.sim
from costroute import errors
from costroute.catalog import known
from costroute.providers import translate
from costroute.sim import DEFAULT_PROFILES, Fault, ModelProfile, Simulator

# litellm's streaming path builds a pydantic schema over a TypedDict with ReadOnly items;
# pydantic warns about it (once per process). Not ours, and harmless.
pytestmark = pytest.mark.filterwarnings("ignore:.*`ReadOnly` qualifier:UserWarning")

LONG_TEXT = (
    "The quarterly report covers revenue, costs and margins in detail. " * 80
)  # ~1,300 tokens
HELLO = [{"role": "user", "content": "Hello, what is the capital of France?"}]
WEATHER_TOOL = {
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
ANTHROPIC_WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Current weather for a city.",
    "input_schema": WEATHER_TOOL["function"]["parameters"],  # type: ignore[index]
}


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(latency_scale=0) as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as c:
        yield c


def chat(client: httpx.Client, sim: Simulator, provider: str, **body: Any) -> httpx.Response:
    return client.post(f"{sim.api_base(provider)}/chat/completions", json=body)


def messages(client: httpx.Client, sim: Simulator, **body: Any) -> httpx.Response:
    body.setdefault("max_tokens", 1024)
    return client.post(f"{sim.api_base('anthropic')}/v1/messages", json=body)


def sse_data(text: str) -> list[str]:
    """The ``data:`` payloads of an SSE body, in order."""
    return [line[len("data: ") :] for line in text.splitlines() if line.startswith("data: ")]


def sse_events(text: str) -> list[tuple[str, dict[str, Any]]]:
    """(event name, JSON data) pairs of an Anthropic SSE body."""
    out = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((lines["event"], json.loads(lines["data"])))
    return out


# --------------------------------------------------------------------------- public face


def test_all_is_sorted_and_complete() -> None:
    assert costroute.sim.__all__ == sorted(costroute.sim.__all__)
    for name in ("DEFAULT_PROFILES", "Fault", "ModelProfile", "Simulator"):
        assert name in costroute.sim.__all__


def test_default_profiles_cover_the_catalogue() -> None:
    expected = {
        "deepseek": [
            "deepseek-v4-flash",
            "deepseek-v4-pro",
            "deepseek-reasoner",
            "deepseek-chat",
            "deepseek-r1",
        ],
        "anthropic": [
            "claude-sonnet-5-5",
            "claude-haiku-4-5",
            "claude-sonnet-4-5",
            "claude-opus-4-5",
        ],
        "openai": ["gpt-5.4", "gpt-5.4-mini", "gpt-5", "gpt-5-mini", "gpt-4o"],
    }
    for provider, models in expected.items():
        for model in models:
            assert DEFAULT_PROFILES[model].provider == provider
    assert (
        DEFAULT_PROFILES["deepseek-r1"].ttft_ms >= 5 * DEFAULT_PROFILES["deepseek-v4-flash"].ttft_ms
    )


def test_model_profile_is_frozen_and_validated() -> None:
    profile = ModelProfile("openai", ttft_ms=10, tokens_per_s=50, mean_output_tokens=20)
    with pytest.raises(AttributeError):
        profile.ttft_ms = 5  # type: ignore[misc]
    with pytest.raises(ValueError, match="provider"):
        ModelProfile("mistral", 10, 50, 20)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tokens_per_s"):
        ModelProfile("openai", 10, 0, 20)


def test_addresses_and_lifecycle() -> None:
    sim = Simulator(latency_scale=0)
    with pytest.raises(RuntimeError, match="not running"):
        _ = sim.port
    assert sim.start() is sim
    try:
        assert sim.base_url == f"http://127.0.0.1:{sim.port}"
        assert sim.api_base("openai") == f"{sim.base_url}/openai/v1"
        assert sim.api_base("anthropic") == f"{sim.base_url}/anthropic"
        assert sim.api_base("deepseek") == f"{sim.base_url}/deepseek"
        with pytest.raises(ValueError, match="Unknown provider"):
            sim.api_base("mistral")
        with pytest.raises(RuntimeError, match="already running"):
            sim.start()
        assert "Simulator http://127.0.0.1" in repr(sim)
    finally:
        sim.stop()
    sim.stop()  # idempotent
    with pytest.raises(ValueError, match="latency_scale"):
        Simulator(latency_scale=-1)


def test_stop_does_not_wait_for_idle_keep_alive_connections(client: httpx.Client) -> None:
    sim = Simulator(latency_scale=0).start()
    assert chat(client, sim, "openai", model="gpt-4o", messages=HELLO).status_code == 200
    started = time.monotonic()
    sim.stop()
    assert time.monotonic() - started < 2


# --------------------------------------------------------------------------- JSON shapes


def test_openai_response_shape(sim: Simulator, client: httpx.Client) -> None:
    r = chat(client, sim, "openai", model="gpt-5.4", messages=HELLO)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["object"] == "chat.completion" and body["model"] == "gpt-5.4"
    assert body["id"].startswith("chatcmpl-")
    message = body["choices"][0]["message"]
    assert message["role"] == "assistant"
    assert message["content"].startswith("[gpt-5.4] answer: Hello, what is the capital of France")
    assert body["choices"][0]["finish_reason"] == "stop"
    usage = body["usage"]
    assert usage["prompt_tokens"] == 10 + 4  # ceil(37 / 4) + 4 framing
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["prompt_tokens_details"]["cached_tokens"] == 0
    reasoning = usage["completion_tokens_details"]["reasoning_tokens"]
    assert reasoning > 0  # gpt-5.4 is a reasoning model; reasoning is billed as output
    assert usage["completion_tokens"] == reasoning + -(-len(message["content"]) // 4)


def test_deepseek_reasoner_response_shape(sim: Simulator, client: httpx.Client) -> None:
    body = chat(client, sim, "deepseek", model="deepseek-reasoner", messages=HELLO).json()
    message = body["choices"][0]["message"]
    assert message["reasoning_content"] and message["content"]
    usage = body["usage"]
    assert usage["prompt_cache_hit_tokens"] == 0
    assert usage["prompt_cache_miss_tokens"] == usage["prompt_tokens"]
    assert usage["completion_tokens_details"]["reasoning_tokens"] > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_deepseek_chat_has_no_reasoning(sim: Simulator, client: httpx.Client) -> None:
    body = chat(client, sim, "deepseek", model="deepseek-v4-flash", messages=HELLO).json()
    assert "reasoning_content" not in body["choices"][0]["message"]
    assert "completion_tokens_details" not in body["usage"]


def test_anthropic_response_shape(sim: Simulator, client: httpx.Client) -> None:
    r = messages(client, sim, model="claude-sonnet-5-5", system="Be brief.", messages=HELLO)
    assert r.status_code == 200 and r.headers["request-id"].startswith("msg_")
    body = r.json()
    assert body["type"] == "message" and body["role"] == "assistant"
    assert body["id"].startswith("msg_") and body["model"] == "claude-sonnet-5-5"
    assert body["content"][0]["type"] == "text" and body["content"][0]["text"]
    assert body["stop_reason"] == "end_turn" and body["stop_sequence"] is None
    usage = body["usage"]
    assert usage["input_tokens"] == (3 + 4) + (10 + 4)  # system + user message
    assert usage["cache_read_input_tokens"] == usage["cache_creation_input_tokens"] == 0
    assert usage["output_tokens"] == -(-len(body["content"][0]["text"]) // 4)


def test_answers_are_deterministic_given_seed_and_body(client: httpx.Client) -> None:
    def answer(seed: int) -> str:
        with Simulator(seed=seed, latency_scale=0) as s:
            body = chat(client, s, "openai", model="gpt-4o", messages=HELLO).json()
            return str(body["choices"][0]["message"]["content"])

    assert answer(1) == answer(1)
    assert answer(1) != answer(2)


def test_ids_are_unique_per_request(sim: Simulator, client: httpx.Client) -> None:
    ids = {
        chat(client, sim, "openai", model="gpt-4o", messages=HELLO).json()["id"] for _ in range(3)
    }
    assert len(ids) == 3


def test_max_tokens_truncates(sim: Simulator, client: httpx.Client) -> None:
    body = chat(
        client, sim, "openai", model="gpt-4o", messages=HELLO, max_completion_tokens=5
    ).json()
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] == 5
    body = messages(client, sim, model="claude-haiku-4-5", messages=HELLO, max_tokens=7).json()
    assert body["stop_reason"] == "max_tokens" and body["usage"]["output_tokens"] == 7
    body = chat(client, sim, "deepseek", model="deepseek-chat", messages=HELLO, max_tokens=3).json()
    assert body["choices"][0]["finish_reason"] == "length"


def test_models_listing(sim: Simulator, client: httpx.Client) -> None:
    openai = client.get(f"{sim.api_base('openai')}/models").json()
    assert openai["object"] == "list"
    assert {m["id"] for m in openai["data"]} >= {"gpt-5.4", "gpt-4o"}
    anthropic = client.get(f"{sim.api_base('anthropic')}/v1/models").json()
    assert all(m["type"] == "model" for m in anthropic["data"])


# --------------------------------------------------------------------------- routing and errors


def test_unprefixed_paths_route_by_model(sim: Simulator, client: httpx.Client) -> None:
    for path in ("/v1/chat/completions", "/chat/completions", "/beta/chat/completions"):
        r = client.post(sim.base_url + path, json={"model": "deepseek-chat", "messages": HELLO})
        assert "prompt_cache_hit_tokens" in r.json()["usage"]
    r = client.post(
        sim.base_url + "/v1/messages",
        json={"model": "claude-opus-4-5", "messages": HELLO, "max_tokens": 50},
    )
    assert r.json()["type"] == "message"
    assert {req.provider for req in sim.requests} == {"deepseek", "anthropic"}


def test_unknown_model_is_404_in_provider_format(sim: Simulator, client: httpx.Client) -> None:
    r = chat(client, sim, "openai", model="gpt-9", messages=HELLO)
    assert r.status_code == 404 and r.json()["error"]["code"] == "model_not_found"
    r = chat(client, sim, "deepseek", model="gpt-4o", messages=HELLO)  # wrong provider
    assert r.status_code == 404 and r.json()["error"]["message"] == "Model Not Exist"
    r = messages(client, sim, model="claude-9", messages=HELLO)
    assert r.status_code == 404
    assert r.json()["type"] == "error" and r.json()["error"]["type"] == "not_found_error"


def test_invalid_json_is_400(sim: Simulator, client: httpx.Client) -> None:
    r = client.post(f"{sim.api_base('openai')}/chat/completions", content=b"{not json")
    assert r.status_code == 400 and "Invalid JSON" in r.json()["error"]["message"]


def test_prompt_over_context_window_is_400(client: httpx.Client) -> None:
    tiny = {"gpt-4o": ModelProfile("openai", 0, 100, 10, context_window=100)}
    with Simulator(profiles=tiny, latency_scale=0) as s:
        r = chat(
            client, s, "openai", model="gpt-4o", messages=[{"role": "user", "content": LONG_TEXT}]
        )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "context_length_exceeded"
    assert "maximum context length is 100 tokens" in r.json()["error"]["message"]


# --------------------------------------------------------------------------- streaming


def test_openai_stream_shape(sim: Simulator, client: httpx.Client) -> None:
    r = chat(
        client,
        sim,
        "openai",
        model="gpt-4o",
        messages=HELLO,
        stream=True,
        stream_options={"include_usage": True},
    )
    assert r.headers["content-type"].startswith("text/event-stream")
    data = sse_data(r.text)
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] > 0
    assert all(c["usage"] is None for c in chunks[:-1])
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks[:-1])
    body = chat(client, sim, "openai", model="gpt-4o", messages=HELLO).json()
    assert text == body["choices"][0]["message"]["content"]  # same body -> same answer


def test_openai_stream_without_include_usage_has_no_usage(
    sim: Simulator, client: httpx.Client
) -> None:
    r = chat(client, sim, "openai", model="gpt-4o", messages=HELLO, stream=True)
    chunks = [json.loads(d) for d in sse_data(r.text)[:-1]]
    assert all("usage" not in c for c in chunks)


def test_deepseek_stream_carries_usage_on_last_chunk(sim: Simulator, client: httpx.Client) -> None:
    r = chat(client, sim, "deepseek", model="deepseek-r1", messages=HELLO, stream=True)
    data = sse_data(r.text)
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    last = chunks[-1]
    assert last["choices"][0]["finish_reason"] == "stop"
    assert last["usage"]["prompt_cache_miss_tokens"] == last["usage"]["prompt_tokens"]
    assert all(c["usage"] is None for c in chunks[:-1])
    reasoning = "".join(c["choices"][0]["delta"].get("reasoning_content") or "" for c in chunks)
    content = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert reasoning.startswith("Let me think.") and content.startswith("[deepseek-r1] answer:")


def test_anthropic_stream_event_sequence(sim: Simulator, client: httpx.Client) -> None:
    r = messages(client, sim, model="claude-sonnet-5-5", messages=HELLO, stream=True)
    events = sse_events(r.text)
    names = [name for name, _ in events]
    assert names[:3] == ["message_start", "content_block_start", "ping"]
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert set(names[3:-3]) == {"content_block_delta"}
    assert all(data["type"] == name for name, data in events)
    start = events[0][1]["message"]
    assert start["usage"]["input_tokens"] == 14 and start["stop_reason"] is None
    delta = events[-2][1]
    text = "".join(d["delta"]["text"] for n, d in events if n == "content_block_delta")
    assert delta["delta"]["stop_reason"] == "end_turn"
    assert delta["usage"]["output_tokens"] == -(-len(text) // 4)


def test_stream_is_paced_by_the_profile(client: httpx.Client) -> None:
    profile = {
        "gpt-4o": ModelProfile("openai", ttft_ms=60, tokens_per_s=10_000, mean_output_tokens=40)
    }
    with Simulator(profiles=profile, latency_scale=1.0) as s:
        started = time.monotonic()
        with client.stream("POST", f"{s.api_base('openai')}/chat/completions",
                           json={"model": "gpt-4o", "messages": HELLO, "stream": True}) as r:  # fmt: skip
            headers_at = time.monotonic() - started
            lines = r.iter_lines()
            first_line = next(lines)
            first_at = time.monotonic() - started
            rest = list(lines)
    assert rest[-2:] == ["data: [DONE]", ""] or rest[-1] == "data: [DONE]"
    assert headers_at < 0.05 <= first_at and first_line.startswith("data: ")


# --------------------------------------------------------------------------- prompt caching


def test_openai_caches_long_prompts_in_128_token_steps(
    sim: Simulator, client: httpx.Client
) -> None:
    long = [{"role": "system", "content": LONG_TEXT}, {"role": "user", "content": "Summarise."}]
    first = chat(client, sim, "openai", model="gpt-4o", messages=long).json()["usage"]
    second = chat(client, sim, "openai", model="gpt-4o", messages=long).json()["usage"]
    assert first["prompt_tokens_details"]["cached_tokens"] == 0
    cached = second["prompt_tokens_details"]["cached_tokens"]
    assert cached >= 1024 and cached % 128 == 0 and cached <= second["prompt_tokens"]
    other = [long[0], {"role": "user", "content": "List the risks."}]  # same system prefix
    third = chat(client, sim, "openai", model="gpt-4o", messages=other).json()["usage"]
    assert 1024 <= third["prompt_tokens_details"]["cached_tokens"] < third["prompt_tokens"]
    for _ in range(2):
        short = chat(client, sim, "openai", model="gpt-4o", messages=HELLO).json()["usage"]
    assert short["prompt_tokens_details"]["cached_tokens"] == 0  # under 1,024 tokens


def test_cache_is_per_model(sim: Simulator, client: httpx.Client) -> None:
    chat(
        client,
        sim,
        "deepseek",
        model="deepseek-chat",
        messages=[{"role": "user", "content": LONG_TEXT}],
    )
    usage = chat(
        client,
        sim,
        "deepseek",
        model="deepseek-v4-flash",
        messages=[{"role": "user", "content": LONG_TEXT}],
    ).json()["usage"]
    assert usage["prompt_cache_hit_tokens"] == 0


def test_deepseek_caches_any_repeat_in_64_token_units(sim: Simulator, client: httpx.Client) -> None:
    convo = [
        {"role": "system", "content": "You are terse. " * 30},
        {"role": "user", "content": "Hi"},
    ]
    chat(client, sim, "deepseek", model="deepseek-chat", messages=convo)
    usage = chat(client, sim, "deepseek", model="deepseek-chat", messages=convo).json()["usage"]
    hit = usage["prompt_cache_hit_tokens"]
    assert hit > 0 and hit % 64 == 0
    assert (
        usage["prompt_cache_hit_tokens"] + usage["prompt_cache_miss_tokens"]
        == usage["prompt_tokens"]
    )
    assert usage["prompt_tokens_details"]["cached_tokens"] == hit


def test_anthropic_cache_control_writes_then_reads(sim: Simulator, client: httpx.Client) -> None:
    system = [{"type": "text", "text": LONG_TEXT, "cache_control": {"type": "ephemeral"}}]
    plain = messages(
        client, sim, model="claude-sonnet-4-5", system=LONG_TEXT, messages=HELLO
    ).json()
    assert plain["usage"]["cache_creation_input_tokens"] == 0  # no cache_control, no caching
    first = messages(client, sim, model="claude-sonnet-4-5", system=system, messages=HELLO).json()[
        "usage"
    ]
    prefix = -(-len(LONG_TEXT) // 4) + 4
    assert first["cache_creation_input_tokens"] == prefix and first["cache_read_input_tokens"] == 0
    assert first["input_tokens"] == 14  # the uncached user message
    again = [{"role": "user", "content": "Another question"}]
    second = messages(client, sim, model="claude-sonnet-4-5", system=system, messages=again).json()[
        "usage"
    ]
    assert (
        second["cache_read_input_tokens"] == prefix and second["cache_creation_input_tokens"] == 0
    )


def test_reset_forgets_requests_cache_and_faults(sim: Simulator, client: httpx.Client) -> None:
    convo = [{"role": "user", "content": LONG_TEXT}]
    chat(client, sim, "deepseek", model="deepseek-chat", messages=convo)
    sim.inject(Fault.status(500))
    sim.reset()
    assert sim.requests == []
    r = chat(client, sim, "deepseek", model="deepseek-chat", messages=convo)
    assert r.status_code == 200 and r.json()["usage"]["prompt_cache_hit_tokens"] == 0


# --------------------------------------------------------------------------- tools and JSON


def test_openai_tool_call_when_the_user_names_the_tool(
    sim: Simulator, client: httpx.Client
) -> None:
    ask = [{"role": "user", "content": "Use get_weather for Paris"}]
    body = chat(client, sim, "openai", model="gpt-4o", messages=ask, tools=[WEATHER_TOOL]).json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls" and choice["message"]["content"] is None
    call = choice["message"]["tool_calls"][0]
    assert call["type"] == "function" and call["id"].startswith("call_")
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "<city>"}


def test_tool_choice_none_and_tool_results_give_text(sim: Simulator, client: httpx.Client) -> None:
    ask = [{"role": "user", "content": "Use get_weather for Paris"}]
    body = chat(
        client,
        sim,
        "openai",
        model="gpt-4o",
        messages=ask,
        tools=[WEATHER_TOOL],
        tool_choice="none",
    ).json()
    assert body["choices"][0]["finish_reason"] == "stop"
    answered = [
        *ask,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "18C, sunny"},
    ]
    body = chat(
        client, sim, "deepseek", model="deepseek-chat", messages=answered, tools=[WEATHER_TOOL]
    ).json()
    assert (
        body["choices"][0]["finish_reason"] == "stop" and body["choices"][0]["message"]["content"]
    )


def test_forced_tool_choice(sim: Simulator, client: httpx.Client) -> None:
    forced = {"type": "function", "function": {"name": "get_weather"}}
    body = chat(
        client,
        sim,
        "deepseek",
        model="deepseek-chat",
        messages=HELLO,
        tools=[WEATHER_TOOL],
        tool_choice=forced,
    ).json()
    assert body["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "get_weather"
    body = messages(
        client,
        sim,
        model="claude-haiku-4-5",
        messages=HELLO,
        tools=[ANTHROPIC_WEATHER_TOOL],
        tool_choice={"type": "any"},
    ).json()
    assert body["stop_reason"] == "tool_use"


def test_anthropic_tool_use_block(sim: Simulator, client: httpx.Client) -> None:
    ask = [{"role": "user", "content": "What does get weather say for Oslo?"}]
    body = messages(
        client, sim, model="claude-sonnet-5-5", messages=ask, tools=[ANTHROPIC_WEATHER_TOOL]
    ).json()
    assert body["stop_reason"] == "tool_use"
    block = body["content"][0]
    assert block["type"] == "tool_use" and block["id"].startswith("toolu_")
    assert block["name"] == "get_weather" and block["input"] == {"city": "<city>"}


def test_streamed_tool_calls_reassemble(sim: Simulator, client: httpx.Client) -> None:
    ask = [{"role": "user", "content": "call get_weather"}]
    r = chat(client, sim, "openai", model="gpt-4o", messages=ask, tools=[WEATHER_TOOL], stream=True)
    chunks = [json.loads(d) for d in sse_data(r.text)[:-1]]
    calls = [c["choices"][0]["delta"].get("tool_calls") for c in chunks if c["choices"]]
    args = "".join(call[0]["function"]["arguments"] for call in calls if call)
    assert calls[0][0]["function"]["name"] == "get_weather"
    assert (
        json.loads(args) == {"city": "<city>"}
        and chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"
    )
    r = messages(
        client,
        sim,
        model="claude-sonnet-5-5",
        messages=ask,
        tools=[ANTHROPIC_WEATHER_TOOL],
        stream=True,
    )
    events = sse_events(r.text)
    assert events[1][1]["content_block"]["type"] == "tool_use"
    partial = "".join(d["delta"]["partial_json"] for n, d in events if n == "content_block_delta")
    assert json.loads(partial) == {"city": "<city>"}
    assert events[-2][1]["delta"]["stop_reason"] == "tool_use"


def test_response_format_gives_valid_json(sim: Simulator, client: httpx.Client) -> None:
    body = chat(
        client,
        sim,
        "deepseek",
        model="deepseek-chat",
        messages=HELLO,
        response_format={"type": "json_object"},
    ).json()
    assert isinstance(json.loads(body["choices"][0]["message"]["content"])["answer"], str)
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "population": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["city", "population", "tags"],
    }
    fmt = {"type": "json_schema", "json_schema": {"name": "city", "schema": schema, "strict": True}}
    body = chat(client, sim, "openai", model="gpt-5.4", messages=HELLO, response_format=fmt).json()
    parsed = json.loads(body["choices"][0]["message"]["content"])
    assert set(parsed) == {"city", "population", "tags"}
    assert isinstance(parsed["population"], int) and isinstance(parsed["tags"], list)


# --------------------------------------------------------------------------- faults


@pytest.mark.parametrize(
    ("provider", "model"),
    [("openai", "gpt-4o"), ("deepseek", "deepseek-chat"), ("anthropic", "claude-haiku-4-5")],
)
def test_rate_limit_fault_with_retry_after(
    sim: Simulator, client: httpx.Client, provider: str, model: str
) -> None:
    sim.inject(Fault.status(429, retry_after=2))
    if provider == "anthropic":
        r = messages(client, sim, model=model, messages=HELLO)
        assert r.json()["error"]["type"] == "rate_limit_error"
    else:
        r = chat(client, sim, provider, model=model, messages=HELLO)
        assert r.json()["error"]["message"]
    assert r.status_code == 429 and r.headers["retry-after"] == "2"
    assert (messages(client, sim, model=model, messages=HELLO) if provider == "anthropic"
            else chat(client, sim, provider, model=model, messages=HELLO)).status_code == 200  # fmt: skip


def test_status_faults_in_provider_formats(sim: Simulator, client: httpx.Client) -> None:
    sim.inject(Fault.status(529))
    r = messages(client, sim, model="claude-sonnet-5-5", messages=HELLO)
    assert r.status_code == 529
    assert r.json() == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
        "request_id": r.json()["request_id"],
    }
    sim.inject(Fault.status(400))
    r = messages(client, sim, model="claude-sonnet-5-5", messages=HELLO)
    assert r.status_code == 400 and r.json()["error"]["message"].startswith("prompt is too long")
    sim.inject(Fault.status(400))
    r = chat(client, sim, "openai", model="gpt-4o", messages=HELLO)
    assert r.json()["error"]["code"] == "context_length_exceeded"
    sim.inject(Fault.status(401))
    r = chat(client, sim, "deepseek", model="deepseek-chat", messages=HELLO)
    assert r.status_code == 401 and r.json()["error"]["type"] == "authentication_error"
    for code in (500, 503):
        sim.inject(Fault.status(code))
        r = chat(client, sim, "openai", model="gpt-4o", messages=HELLO)
        assert r.status_code == code and r.json()["error"]["type"] == "server_error"
    sim.inject(Fault.status(500, body={"custom": True}))
    assert chat(client, sim, "openai", model="gpt-4o", messages=HELLO).json() == {"custom": True}


def test_fault_times_and_model_filter(sim: Simulator, client: httpx.Client) -> None:
    sim.inject(Fault.status(503), model="deepseek-chat", times=2)
    assert chat(client, sim, "openai", model="gpt-4o", messages=HELLO).status_code == 200
    codes = [
        chat(client, sim, "deepseek", model="deepseek-chat", messages=HELLO).status_code
        for _ in range(3)
    ]
    assert codes == [503, 503, 200]
    with pytest.raises(ValueError, match="times"):
        sim.inject(Fault.status(500), times=0)
    with pytest.raises(ValueError, match="400-599"):
        Fault.status(200)


def test_non_json_fault(sim: Simulator, client: httpx.Client) -> None:
    sim.inject(Fault.non_json())
    r = chat(client, sim, "openai", model="gpt-4o", messages=HELLO)
    assert r.status_code == 200 and r.headers["content-type"] == "text/html"
    assert r.text.startswith("<html>")
    with pytest.raises(json.JSONDecodeError):
        r.json()


def test_reset_fault_closes_without_answer(sim: Simulator, client: httpx.Client) -> None:
    sim.inject(Fault.reset())
    with pytest.raises(httpx.TransportError):
        chat(client, sim, "openai", model="gpt-4o", messages=HELLO)
    assert chat(client, sim, "openai", model="gpt-4o", messages=HELLO).status_code == 200


def test_delay_fault_makes_clients_time_out(sim: Simulator) -> None:
    sim.inject(Fault.delay(2.0))
    with httpx.Client(timeout=0.1) as impatient, pytest.raises(httpx.ReadTimeout):
        chat(impatient, sim, "openai", model="gpt-4o", messages=HELLO)


def test_cut_stream_fault(sim: Simulator, client: httpx.Client) -> None:
    sim.inject(Fault.cut_stream(after_chunks=3))
    received: list[str] = []
    with pytest.raises(httpx.RemoteProtocolError), client.stream(
        "POST", f"{sim.api_base('deepseek')}/chat/completions",
        json={"model": "deepseek-chat", "messages": HELLO, "stream": True},
    ) as r:  # fmt: skip
        received.extend(line for line in r.iter_lines() if line)
    assert len(received) == 3 and "[DONE]" not in received[-1]
    sim.inject(Fault.cut_stream(after_chunks=2))
    with pytest.raises(httpx.RemoteProtocolError):
        messages(client, sim, model="claude-sonnet-5-5", messages=HELLO, stream=True)
    sim.inject(Fault.cut_stream())  # on a non-streamed request the body is cut
    with pytest.raises(httpx.RemoteProtocolError):
        chat(client, sim, "openai", model="gpt-4o", messages=HELLO)


# --------------------------------------------------------------------------- request log


def test_requests_are_recorded_with_keys_redacted(sim: Simulator, client: httpx.Client) -> None:
    client.post(f"{sim.api_base('openai')}/chat/completions", json={"model": "gpt-4o", "messages": HELLO},
                headers={"Authorization": "Bearer sk-live-secret"})  # fmt: skip
    client.post(f"{sim.api_base('anthropic')}/v1/messages", json={"model": "claude-haiku-4-5", "messages": HELLO, "max_tokens": 10},
                headers={"x-api-key": "sk-ant-secret"})  # fmt: skip
    first, second = sim.requests
    assert first.path == "/openai/v1/chat/completions" and first.provider == "openai"
    assert first.model == "gpt-4o" and first.body["messages"] == HELLO
    assert first.headers["Authorization"] == "[secure]"
    assert second.provider == "anthropic" and second.headers["x-api-key"] == "[secure]"
    assert "secret" not in repr(sim.requests)


# --------------------------------------------------------------------------- latency


def test_round_trip_is_fast_at_latency_scale_zero(sim: Simulator, client: httpx.Client) -> None:
    """Guards against the ~40 ms Nagle / delayed-ACK stall (one send per response)."""
    timings = []
    for _ in range(30):
        started = time.perf_counter()
        chat(client, sim, "openai", model="gpt-4o", messages=HELLO)
        timings.append(time.perf_counter() - started)
    assert statistics.median(timings) < 0.015


def test_latency_follows_profile(client: httpx.Client) -> None:
    profile = {
        "claude-haiku-4-5": ModelProfile(
            "anthropic", ttft_ms=40, tokens_per_s=2_000, mean_output_tokens=40
        )
    }
    with Simulator(profiles=profile, latency_scale=1.0) as s:
        started = time.monotonic()
        body = messages(client, s, model="claude-haiku-4-5", messages=HELLO).json()
        elapsed = time.monotonic() - started
    expected = 0.040 + body["usage"]["output_tokens"] / 2_000
    assert expected <= elapsed < expected + 0.5


# --------------------------------------------------------------------------- litellm: proof of format


@pytest.fixture(scope="module")
def litellm() -> ModuleType:
    for key, value in {
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "LITELLM_OFFLINE_MODE": "true",
        "DISABLE_AIOHTTP_TRANSPORT": "True",
        "HF_HUB_OFFLINE": "1",
    }.items():
        os.environ.setdefault(key, value)
    import litellm as module

    module.suppress_debug_info = True
    return module


@pytest.fixture(scope="module")
def shared_sim() -> Iterator[Simulator]:
    with Simulator(latency_scale=0) as running:
        yield running


LITELLM_MODELS = [
    ("deepseek", "deepseek/deepseek-v4-flash"),
    ("anthropic", "anthropic/claude-sonnet-5-5"),
    ("openai", "openai/gpt-5.4"),
]


def call_kwargs(sim: Simulator, provider: str, model: str, **extra: Any) -> dict[str, Any]:
    return {
        "model": model,
        "api_base": sim.api_base(provider),
        "api_key": "sk-test",
        "messages": extra.pop("messages", HELLO),
        "max_retries": 0,
        "num_retries": 0,
        "timeout": 10,
        **extra,
    }


@pytest.mark.parametrize(("provider", "model"), LITELLM_MODELS)
def test_litellm_completion(
    litellm: ModuleType, shared_sim: Simulator, provider: str, model: str
) -> None:
    resp = litellm.completion(**call_kwargs(shared_sim, provider, model))
    name = model.split("/", 1)[1]
    assert resp.choices[0].message.content.startswith(f"[{name}] answer:")
    assert resp.choices[0].finish_reason == "stop"
    assert resp.usage.prompt_tokens == 14 and resp.usage.completion_tokens > 0
    assert resp.usage.total_tokens == resp.usage.prompt_tokens + resp.usage.completion_tokens
    assert shared_sim.requests[-1].provider == provider


@pytest.mark.parametrize(("provider", "model"), LITELLM_MODELS)
def test_litellm_stream(
    litellm: ModuleType, shared_sim: Simulator, provider: str, model: str
) -> None:
    kwargs = call_kwargs(
        shared_sim, provider, model, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(litellm.completion(**kwargs))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith(f"[{model.split('/', 1)[1]}] answer:")
    usage = chunks[-1].usage
    assert usage.prompt_tokens == 14 and usage.completion_tokens >= -(-len(text) // 4)


@pytest.mark.parametrize(("provider", "model"), LITELLM_MODELS)
async def test_litellm_async(
    litellm: ModuleType, shared_sim: Simulator, provider: str, model: str
) -> None:
    resp = await litellm.acompletion(**call_kwargs(shared_sim, provider, model))
    assert resp.choices[0].message.content and resp.usage.prompt_tokens == 14
    stream = await litellm.acompletion(
        **call_kwargs(
            shared_sim, provider, model, stream=True, stream_options={"include_usage": True}
        )
    )
    chunks = [chunk async for chunk in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert (
        text.startswith(f"[{model.split('/', 1)[1]}] answer:")
        and chunks[-1].usage.prompt_tokens == 14
    )


def test_litellm_deepseek_reasoning_and_cache_hits(
    litellm: ModuleType, shared_sim: Simulator
) -> None:
    convo = [{"role": "system", "content": LONG_TEXT}, {"role": "user", "content": "Summarise."}]
    kwargs = call_kwargs(shared_sim, "deepseek", "deepseek/deepseek-reasoner", messages=convo)
    litellm.completion(**kwargs)
    resp = litellm.completion(**kwargs)
    usage = resp.usage
    assert usage.prompt_cache_hit_tokens > 1000 and usage.prompt_cache_hit_tokens % 64 == 0
    assert usage.prompt_cache_miss_tokens == usage.prompt_tokens - usage.prompt_cache_hit_tokens
    assert usage.prompt_tokens_details.cached_tokens == usage.prompt_cache_hit_tokens
    assert usage.completion_tokens_details.reasoning_tokens > 0
    assert resp.choices[0].message.reasoning_content.startswith("Let me think.")


def test_litellm_anthropic_cache_tokens(litellm: ModuleType, shared_sim: Simulator) -> None:
    system = {
        "role": "system",
        "content": [
            {"type": "text", "text": LONG_TEXT + " v2", "cache_control": {"type": "ephemeral"}}
        ],
    }
    convo = [system, {"role": "user", "content": "Summarise."}]
    kwargs = call_kwargs(shared_sim, "anthropic", "anthropic/claude-sonnet-4-5", messages=convo)
    first = litellm.completion(**kwargs).usage
    second = litellm.completion(**kwargs).usage
    assert first.cache_creation_input_tokens > 1000 and first.cache_read_input_tokens == 0
    assert second.cache_read_input_tokens == first.cache_creation_input_tokens
    assert second.prompt_tokens_details.cached_tokens == second.cache_read_input_tokens
    assert second.prompt_tokens == first.prompt_tokens  # litellm adds cache tokens back in


def test_litellm_openai_cached_and_reasoning_tokens(
    litellm: ModuleType, shared_sim: Simulator
) -> None:
    convo = [
        {"role": "system", "content": LONG_TEXT + " v3"},
        {"role": "user", "content": "Summarise."},
    ]
    kwargs = call_kwargs(shared_sim, "openai", "openai/gpt-5.4", messages=convo)
    litellm.completion(**kwargs)
    usage = litellm.completion(**kwargs).usage
    assert usage.prompt_tokens_details.cached_tokens >= 1024
    assert usage.completion_tokens_details.reasoning_tokens > 0


@pytest.mark.parametrize(("provider", "model"), LITELLM_MODELS)
def test_litellm_tool_calls(
    litellm: ModuleType, shared_sim: Simulator, provider: str, model: str
) -> None:
    ask = [{"role": "user", "content": "Use get_weather for Paris"}]
    resp = litellm.completion(
        **call_kwargs(shared_sim, provider, model, messages=ask, tools=[WEATHER_TOOL])
    )
    call = resp.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "<city>"}
    assert resp.choices[0].finish_reason == "tool_calls"


def test_litellm_anthropic_json_response_format(litellm: ModuleType, shared_sim: Simulator) -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    fmt = {"type": "json_schema", "json_schema": {"name": "city", "schema": schema}}
    resp = litellm.completion(
        **call_kwargs(shared_sim, "anthropic", "anthropic/claude-haiku-4-5", response_format=fmt)
    )
    assert set(json.loads(resp.choices[0].message.content)) == {"city"}


@pytest.mark.parametrize(("provider", "model"), LITELLM_MODELS)
def test_litellm_maps_fault_errors(
    litellm: ModuleType, shared_sim: Simulator, provider: str, model: str
) -> None:
    kwargs = call_kwargs(shared_sim, provider, model)
    shared_sim.inject(Fault.status(429, retry_after=3))
    with pytest.raises(litellm.RateLimitError) as info:
        litellm.completion(**kwargs)
    assert info.value.litellm_response_headers["retry-after"] == "3"
    shared_sim.inject(Fault.status(400))
    with pytest.raises(litellm.ContextWindowExceededError):
        litellm.completion(**kwargs)
    shared_sim.inject(Fault.status(401))
    # Some litellm releases (1.100.0, 1.108.14) call DeepSeek's 401 a 400; the 401 is in the
    # response the error carries, which costroute reads: an AuthenticationError on every release.
    denied_as = litellm.AuthenticationError
    if provider == "deepseek":
        denied_as = (litellm.AuthenticationError, litellm.BadRequestError)
    with pytest.raises(denied_as) as denied:
        litellm.completion(**kwargs)
    error = translate(denied.value, known(model.partition("/")[2]), "sk-test")
    assert isinstance(error, errors.AuthenticationError) and error.status_code == 401
    shared_sim.inject(Fault.status(529 if provider == "anthropic" else 500))
    with pytest.raises(litellm.InternalServerError):
        litellm.completion(**kwargs)
    shared_sim.inject(Fault.status(503))
    with pytest.raises((litellm.ServiceUnavailableError, litellm.InternalServerError)):
        litellm.completion(**kwargs)


# --------------------------------------------------------------------------- concurrency and shutdown


def _on_record(sim: Simulator, monkeypatch: pytest.MonkeyPatch, hook: Any) -> None:
    """Run ``hook()`` in the handler thread each time the simulator logs a request."""
    state = sim._state
    record = state.record

    def recording(*args: Any, **kwargs: Any) -> None:
        record(*args, **kwargs)
        hook()

    monkeypatch.setattr(state, "record", recording)


def test_requests_are_served_concurrently(
    client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each handler waits, after logging its request, until all 8 are in flight: served one at a
    # time, the first would wait alone, the barrier would break and the requests would fail.
    barrier = threading.Barrier(8, timeout=10)
    body = {"model": "gpt-4o", "messages": HELLO}
    with Simulator(latency_scale=0) as s, ThreadPoolExecutor(8) as pool:
        _on_record(s, monkeypatch, barrier.wait)
        url = f"{s.api_base('openai')}/chat/completions"
        codes = list(pool.map(lambda _: client.post(url, json=body).status_code, range(8)))
    assert codes == [200] * 8 and not barrier.broken and len(s.requests) == 8


def test_stop_wakes_a_handler_that_is_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    sim = Simulator(latency_scale=0).start()
    sim.inject(Fault.delay(600))
    handlers: list[threading.Thread] = []
    arrived = threading.Event()
    _on_record(
        sim, monkeypatch, lambda: (handlers.append(threading.current_thread()), arrived.set())
    )
    url = f"{sim.api_base('openai')}/chat/completions"
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(
            httpx.post, url, json={"model": "gpt-4o", "messages": HELLO}, timeout=10
        )
        assert arrived.wait(10)  # the handler has the request and waits out the 600 s delay
        sim.stop()
        with pytest.raises(httpx.TransportError):
            pending.result(timeout=10)
    (handler,) = handlers
    handler.join(timeout=10)  # woken, it ends at once; asleep, it would still be alive
    assert not handler.is_alive()


# --------------------------------------------------------------------------- docs


def test_docs_snippets_run(litellm: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    text = (Path(__file__).parents[2] / "docs" / "simulator.md").read_text()
    snippets = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert len(snippets) >= 4
    for snippet in snippets:
        exec(compile(snippet, "docs/simulator.md", "exec"), {})
    assert "[deepseek-v4-flash] answer: Hi" in capsys.readouterr().out
