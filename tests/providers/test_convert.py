"""litellm's chunks as the openai SDK's: the usage chunk has no choice, on every release."""

from __future__ import annotations

from typing import Any

from costroute.providers import chunk_from

USAGE = {"prompt_tokens": 30, "completion_tokens": 8, "total_tokens": 38}


def body(choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"id": "c", "created": 1, "model": "m", "choices": choices, **extra}


BLANK = {"index": 0, "delta": {"content": None, "role": None}, "finish_reason": None}


def test_the_blank_choice_of_a_usage_chunk_is_dropped() -> None:
    # litellm before 1.109 (measured on 1.100.0 and 1.108.14) sends it; the openai API does not.
    out = chunk_from(body([BLANK], usage=USAGE))
    assert out.choices == [] and out.usage is not None and out.usage.prompt_tokens == 30


def test_a_usage_chunk_with_something_in_its_choice_keeps_it() -> None:
    finish = {**BLANK, "finish_reason": "stop"}
    text = {**BLANK, "delta": {"content": "hi"}}
    for choice in (finish, text):
        assert len(chunk_from(body([choice], usage=USAGE)).choices) == 1


def test_a_blank_choice_without_usage_is_kept() -> None:
    assert len(chunk_from(body([BLANK])).choices) == 1
