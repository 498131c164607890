"""instructor over the openai client: tools and JSON modes, sync and async."""

from __future__ import annotations

from typing import Any, Literal

import pytest
from compat_support import Calls
from pydantic import BaseModel, Field

instructor = pytest.importorskip("instructor")


class Address(BaseModel):
    city: str
    country: str = Field(description="ISO country name")


class User(BaseModel):
    name: str
    age: int = Field(ge=0, le=150)
    plan: Literal["free", "pro"]
    address: Address
    tags: list[str]


PROMPT = [{"role": "user", "content": "Extract: name=Jason age=25 plan=pro, lives in Paris."}]


@pytest.mark.parametrize("mode", ["TOOLS", "JSON"])
def test_from_openai_extracts_a_model(client: Any, model: str, calls: Calls, mode: str) -> None:
    patched = instructor.from_openai(client, mode=getattr(instructor.Mode, mode))
    user = patched.chat.completions.create(
        model=model, response_model=User, messages=PROMPT, max_retries=0
    )
    assert isinstance(user, User) and isinstance(user.address, Address)
    assert (user.name, user.age, user.plan) == ("Jason", 25, "pro")
    calls.check(1)


def test_create_with_completion_keeps_usage(client: Any, model: str, calls: Calls) -> None:
    patched = instructor.from_openai(client)
    user, completion = patched.chat.completions.create_with_completion(
        model=model, response_model=User, messages=PROMPT, max_retries=0
    )
    assert user.name == "Jason"
    assert completion.usage.total_tokens > 0
    calls.check(1)


@pytest.mark.parametrize("mode", ["TOOLS", "JSON"])
async def test_async_from_openai(aclient: Any, model: str, calls: Calls, mode: str) -> None:
    patched = instructor.from_openai(aclient, mode=getattr(instructor.Mode, mode))
    user = await patched.chat.completions.create(
        model=model, response_model=User, messages=PROMPT, max_retries=0
    )
    assert user.age == 25 and user.tags
    calls.check(1)
