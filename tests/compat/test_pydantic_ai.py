"""pydantic-ai: an Agent over OpenAIProvider(openai_client=...) with an output type and a tool."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from compat_support import Calls
from pydantic import BaseModel

pydantic_ai = pytest.importorskip("pydantic_ai")
openai_models = pytest.importorskip("pydantic_ai.models.openai")
openai_provider = pytest.importorskip("pydantic_ai.providers.openai")

# OpenAIChatModel since pydantic-ai 1.0; OpenAIModel before.
ChatModel = getattr(openai_models, "OpenAIChatModel", None) or openai_models.OpenAIModel


class CityInfo(BaseModel):
    city: str
    country: str
    population: int


def _model(aclient: Any, model: str) -> Any:
    return ChatModel(model, provider=openai_provider.OpenAIProvider(openai_client=aclient))


async def test_text_output(aclient: Any, model: str, calls: Calls) -> None:
    agent = pydantic_ai.Agent(_model(aclient, model), instructions="Be brief.")
    result = await agent.run("What is the capital of France?")
    assert isinstance(result.output, str) and result.output
    usage = result.usage() if inspect.ismethod(result.usage) else result.usage  # a property in 2.7x
    assert usage.output_tokens > 0
    calls.check(1)


async def test_output_type_and_tool(aclient: Any, model: str, calls: Calls) -> None:
    agent = pydantic_ai.Agent(_model(aclient, model), output_type=CityInfo)
    looked_up: list[str] = []

    @agent.tool_plain
    def population(city: str) -> int:
        """Population of a city."""
        looked_up.append(city)
        return 2_100_000

    result = await agent.run("Tell me about city=Paris country=France population=2100000")
    assert looked_up == ["Paris"]
    assert result.output == CityInfo(city="Paris", country="France", population=2_100_000)
    calls.check(2)


def test_run_sync(aclient: Any, model: str, calls: Calls) -> None:
    agent = pydantic_ai.Agent(_model(aclient, model), output_type=CityInfo)
    result = agent.run_sync("city=Oslo country=Norway population=700000")
    assert result.output == CityInfo(city="Oslo", country="Norway", population=700_000)
    calls.check(1)


async def test_run_stream(aclient: Any, model: str, calls: Calls) -> None:
    agent = pydantic_ai.Agent(_model(aclient, model))
    async with agent.run_stream("Say hello.") as run:
        pieces = [piece async for piece in run.stream_text(delta=True)]
    assert "".join(pieces).strip()
    calls.check(1, stream=True)
