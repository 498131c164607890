"""langchain-openai: ChatOpenAI over prebuilt clients (invoke, stream, tools, structure).

langchain-openai 1.x takes the prebuilt clients as ``root_client`` / ``root_async_client``
(the openai clients) and ``client`` / ``async_client`` (their ``chat.completions``).
"""

from __future__ import annotations

from typing import Any

import pytest
from compat_support import Calls
from pydantic import BaseModel

langchain_openai = pytest.importorskip("langchain_openai")


class Movie(BaseModel):
    """A movie and its year."""

    title: str
    year: int


def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"Sunny in {city}"


@pytest.fixture
def chat(client: Any, aclient: Any, model: str) -> Any:
    return langchain_openai.ChatOpenAI(
        model=model,
        api_key="sk-test",
        max_retries=0,
        root_client=client,
        client=client.chat.completions,
        root_async_client=aclient,
        async_client=aclient.chat.completions,
    )


def test_invoke(chat: Any, calls: Calls) -> None:
    message = chat.invoke("What is the capital of France?")
    assert isinstance(message.content, str) and message.content
    assert message.usage_metadata["output_tokens"] > 0
    calls.check(1)


def test_stream(chat: Any, calls: Calls) -> None:
    chunks = list(chat.stream("Say hello in Spanish."))
    assert "".join(str(c.content) for c in chunks).strip()
    calls.check(1, stream=True)


async def test_ainvoke(chat: Any, calls: Calls) -> None:
    message = await chat.ainvoke("What is 2 + 2?")
    assert message.content
    calls.check(1)


def test_bind_tools(chat: Any, calls: Calls) -> None:
    message = chat.bind_tools([get_weather]).invoke("Weather please, city=Lima")
    assert message.tool_calls == [
        {
            "name": "get_weather",
            "args": {"city": "Lima"},
            "id": message.tool_calls[0]["id"],
            "type": "tool_call",
        }
    ]
    calls.check(1)


@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
def test_with_structured_output(chat: Any, calls: Calls, method: str) -> None:
    movie = chat.with_structured_output(Movie, method=method).invoke(
        "Name a film: title=Alien year=1979"
    )
    assert movie == Movie(title="Alien", year=1979)
    calls.check(1)
