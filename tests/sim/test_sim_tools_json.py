"""The simulator's tool calls and JSON answers in all three wire formats, over plain HTTP,
then through litellm (what it really sends for tools and response_format)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any, Literal

import httpx
import pytest
from pydantic import BaseModel

from costroute.sim import Simulator

pytestmark = pytest.mark.filterwarnings("ignore:.*`ReadOnly` qualifier:UserWarning")

WEATHER = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
    "required": ["city", "days"],
}
SEARCH = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}


def chat_tools(*specs: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"type": "function", "function": {"name": n, "parameters": p}} for n, p in specs]


def messages_tools(*specs: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"name": n, "input_schema": p} for n, p in specs]


class Line(BaseModel):
    sku: str
    quantity: int


class Order(BaseModel):
    customer: str
    status: Literal["open", "shipped"]
    lines: list[Line]
    note: str | None = None


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(latency_scale=0) as running:
        yield running


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as c:
        yield c


class Api:
    """One provider's chat API: send a conversation, read the answer back neutrally."""

    def __init__(self, provider: str, sim: Simulator, client: httpx.Client) -> None:
        self.provider, self.sim, self.client = provider, sim, client
        self.model = {
            "openai": "gpt-4o",
            "deepseek": "deepseek-chat",
            "anthropic": "claude-haiku-4-5",
        }[provider]

    def send(self, messages: list[dict[str, Any]], **body: Any) -> dict[str, Any]:
        if self.provider == "anthropic":
            body.setdefault("max_tokens", 1024)
            url = f"{self.sim.api_base('anthropic')}/v1/messages"
        else:
            url = f"{self.sim.api_base(self.provider)}/chat/completions"
        r = self.client.post(url, json={"model": self.model, "messages": messages, **body})
        assert r.status_code == 200, r.text
        return dict(r.json())

    def tools(self, *specs: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
        return messages_tools(*specs) if self.provider == "anthropic" else chat_tools(*specs)

    def call(self, answer: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """(tool name, arguments) of the answer's tool call, or None for text."""
        if self.provider == "anthropic":
            uses = [b for b in answer["content"] if b["type"] == "tool_use"]
            return (uses[0]["name"], uses[0]["input"]) if uses else None
        calls = answer["choices"][0]["message"].get("tool_calls")
        if not calls:
            return None
        return calls[0]["function"]["name"], json.loads(calls[0]["function"]["arguments"])

    def text(self, answer: dict[str, Any]) -> str:
        if self.provider == "anthropic":
            return "".join(b["text"] for b in answer["content"] if b["type"] == "text")
        return str(answer["choices"][0]["message"]["content"])

    def after_tool(self, ask: str, name: str, result: str) -> list[dict[str, Any]]:
        """The conversation: the user asks, the assistant calls ``name``, the tool answers."""
        if self.provider == "anthropic":
            return [
                {"role": "user", "content": ask},
                {
                    "role": "assistant",
                    "content": [{"type": "tool_use", "id": "toolu_1", "name": name, "input": {}}],
                },
                {
                    "role": "user",
                    "content": [
                        {"type": "tool_result", "tool_use_id": "toolu_1", "content": result}
                    ],
                },
            ]
        call = {"id": "call_1", "type": "function", "function": {"name": name, "arguments": "{}"}}
        return [
            {"role": "user", "content": ask},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_1", "content": result},
        ]

    def required(self) -> Any:
        return {"type": "any"} if self.provider == "anthropic" else "required"


@pytest.fixture(params=["openai", "deepseek", "anthropic"])
def api(request: pytest.FixtureRequest, sim: Simulator, client: httpx.Client) -> Api:
    return Api(str(request.param), sim, client)


# --------------------------------------------------------------------------- tools


def test_offered_tools_are_called_when_the_user_speaks_last(api: Api) -> None:
    ask = [{"role": "user", "content": "How will it be this week?"}]
    answer = api.send(ask, tools=api.tools(("get_weather", WEATHER), ("search", SEARCH)))
    name, args = api.call(answer) or ("", {})
    assert name == "get_weather"  # no tool named: the first one
    assert set(args) == {"city", "days"} and isinstance(args["days"], int)


def test_the_named_tool_and_stated_values_win(api: Api) -> None:
    ask = [{"role": "user", "content": 'Use search for this: q="cheap flights" city=Rome'}]
    answer = api.send(ask, tools=api.tools(("get_weather", WEATHER), ("search", SEARCH)))
    assert api.call(answer) == ("search", {"q": "cheap flights"})
    ask = [{"role": "user", "content": "Weather for city=Rome days=3, please."}]
    answer = api.send(ask, tools=api.tools(("get_weather", WEATHER)))
    assert api.call(answer) == ("get_weather", {"city": "Rome", "days": 3})


def test_a_tool_result_is_answered_in_text_that_uses_it(api: Api) -> None:
    convo = api.after_tool("Weather in Rome?", "get_weather", "Rain, 14 C, wind 20 km/h")
    answer = api.send(convo, tools=api.tools(("get_weather", WEATHER)))
    assert api.call(answer) is None
    assert '"Rain, 14 C, wind 20 km/h"' in api.text(answer)


def test_required_after_a_tool_result_calls_a_tool_not_called_yet(api: Api) -> None:
    tools = api.tools(("get_weather", WEATHER), ("final_result", Order.model_json_schema()))
    convo = api.after_tool("Order for customer=Ada", "get_weather", "Sunny")
    answer = api.send(convo, tools=tools, tool_choice=api.required())
    name, args = api.call(answer) or ("", {})
    assert name == "final_result"
    assert Order.model_validate(args).customer == "Ada"


# --------------------------------------------------------------------------- JSON


def test_json_schema_answers_validate(api: Api) -> None:
    schema = Order.model_json_schema()
    if api.provider == "anthropic":
        fmt: dict[str, Any] = {"output_format": {"type": "json_schema", "schema": schema}}
    else:
        spec = {"name": "order", "schema": schema, "strict": True}
        fmt = {"response_format": {"type": "json_schema", "json_schema": spec}}
    ask = [{"role": "user", "content": "An order: customer=Bo status=shipped quantity=4"}]
    order = Order.model_validate_json(api.text(api.send(ask, **fmt)))
    assert (order.customer, order.status, order.lines[0].quantity) == ("Bo", "shipped", 4)


def test_a_schema_in_the_system_prompt_is_answered(api: Api) -> None:
    system = f"Answer with JSON matching this json_schema:\n{json.dumps(Order.model_json_schema())}"
    ask = [{"role": "user", "content": "customer=Cy"}]
    if api.provider == "anthropic":
        answer = api.send(ask, system=system)  # litellm drops json_object for Claude
    else:
        convo = [{"role": "system", "content": system}, *ask]
        answer = api.send(convo, response_format={"type": "json_object"})
    assert Order.model_validate_json(api.text(answer)).customer == "Cy"


# --------------------------------------------------------------------------- through litellm


@pytest.fixture(scope="module")
def litellm() -> Any:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")
    import litellm as module

    return module


LITELLM_MODELS = [
    ("openai/gpt-5.4-mini", "openai"),
    ("deepseek/deepseek-v4-flash", "deepseek"),
    ("anthropic/claude-sonnet-5-5", "anthropic"),
]


# Claude Haiku 4.5 here: litellm sends structured output as output_format only to the Claude
# models its map knows as 4.5 or later, and older releases' maps have no Claude Sonnet 5.5
# (1.100.0's has not: litellm then asks for the answer through a tool instead).
RESPONSE_FORMAT_MODELS = [
    ("openai/gpt-5.4-mini", "openai"),
    ("deepseek/deepseek-v4-flash", "deepseek"),
    ("anthropic/claude-haiku-4-5", "anthropic"),
]


@pytest.mark.parametrize(("model", "provider"), RESPONSE_FORMAT_MODELS)
def test_litellm_response_format_model(
    litellm: Any, sim: Simulator, model: str, provider: str
) -> None:
    resp = litellm.completion(
        model=model,
        api_base=sim.api_base(provider),
        api_key="sk-test",
        messages=[{"role": "user", "content": "customer=Di status=open"}],
        response_format=Order,
        max_retries=0,
        num_retries=0,
        timeout=10,
    )
    order = Order.model_validate_json(resp.choices[0].message.content)
    assert (order.customer, order.status) == ("Di", "open")
    if provider == "anthropic":  # litellm sends Claude 4.5+ structured output as output_format
        assert sim.requests[-1].body["output_format"]["type"] == "json_schema"


@pytest.mark.parametrize(("model", "provider"), LITELLM_MODELS)
def test_litellm_tool_loop(litellm: Any, sim: Simulator, model: str, provider: str) -> None:
    kwargs = {
        "model": model,
        "api_base": sim.api_base(provider),
        "api_key": "sk-test",
        "tools": chat_tools(("get_weather", WEATHER)),
        "max_retries": 0,
        "num_retries": 0,
        "timeout": 10,
    }
    convo: list[Any] = [{"role": "user", "content": "Weather? city=Lima days=2"}]
    first = litellm.completion(messages=convo, **kwargs)
    call = first.choices[0].message.tool_calls[0]
    assert json.loads(call.function.arguments) == {"city": "Lima", "days": 2}
    convo += [
        first.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "Fog, 17 C"},
    ]
    final = litellm.completion(messages=convo, **kwargs)
    assert "Fog, 17 C" in final.choices[0].message.content
