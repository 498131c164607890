"""openai-agents: an Agent on OpenAIChatCompletionsModel over the client, tracing off."""

from __future__ import annotations

from typing import Any

import pytest
from compat_support import Calls
from pydantic import BaseModel

agents = pytest.importorskip("agents")

NO_TRACING = agents.RunConfig(tracing_disabled=True)


def _agent(aclient: Any, model: str, **kwargs: Any) -> Any:
    llm = agents.OpenAIChatCompletionsModel(model=model, openai_client=aclient)
    return agents.Agent(name="assistant", instructions="Be brief.", model=llm, **kwargs)


@agents.function_tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"Sunny, 21 C in {city}"


async def test_agent_without_tools(aclient: Any, model: str, calls: Calls) -> None:
    result = await agents.Runner.run(
        _agent(aclient, model), "What is the capital of France?", run_config=NO_TRACING
    )
    assert isinstance(result.final_output, str) and result.final_output
    calls.check(1)


async def test_agent_calls_a_function_tool(aclient: Any, model: str, calls: Calls) -> None:
    agent = _agent(aclient, model, tools=[get_weather])
    result = await agents.Runner.run(agent, "Weather? city=Oslo", run_config=NO_TRACING)
    outputs = [i.output for i in result.new_items if i.type == "tool_call_output_item"]
    assert outputs == ["Sunny, 21 C in Oslo"]
    assert "Sunny, 21 C in Oslo" in result.final_output
    calls.check(2)


class Forecast(BaseModel):
    city: str
    celsius: int


async def test_agent_with_structured_output(aclient: Any, model: str, calls: Calls) -> None:
    agent = _agent(aclient, model, output_type=Forecast)
    result = await agents.Runner.run(
        agent, "Forecast for city=Rome celsius=25", run_config=NO_TRACING
    )
    assert result.final_output == Forecast(city="Rome", celsius=25)
    calls.check(1)


async def test_streamed_run(aclient: Any, model: str, calls: Calls) -> None:
    result = agents.Runner.run_streamed(_agent(aclient, model), "Say hello.", run_config=NO_TRACING)
    deltas = [
        event.data.delta
        async for event in result.stream_events()
        if event.type == "raw_response_event" and event.data.type == "response.output_text.delta"
    ]
    assert deltas and "".join(deltas) == result.final_output
    calls.check(1, stream=True)
