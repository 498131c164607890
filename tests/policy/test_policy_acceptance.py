"""Acceptance checks of cascades: pure (request, message) -> reason | None."""

from __future__ import annotations

import json
from typing import Any

from costroute.policy import acceptance as acc
from costroute.types import Request

SCHEMA = {
    "type": "object",
    "required": ["name", "age"],
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {
                "type": "object",
                "required": ["city"],
                "properties": {"city": {"type": "string"}},
            },
        },
    }
]


def req(**params: Any) -> Request:
    return Request(messages=({"role": "user", "content": "x"},), params=params)


def msg(content: Any = None, **kw: Any) -> dict[str, Any]:
    return {"role": "assistant", "content": content, **kw}


def call(name: str, args: str) -> dict[str, Any]:
    return {"id": "1", "type": "function", "function": {"name": name, "arguments": args}}


def test_empty_answer() -> None:
    assert acc.empty_answer(req(), msg("  \n")) == "empty answer"
    assert acc.empty_answer(req(), msg(None)) == "empty answer"
    assert acc.empty_answer(req(), msg("ok")) is None
    assert acc.empty_answer(req(), msg(None, tool_calls=[call("f", "{}")])) is None
    assert acc.empty_answer(req(), msg([{"type": "text", "text": "hi"}])) is None


def test_refusal() -> None:
    assert acc.refusal(req(), msg("I’m sorry, but I can’t help with that.")) is not None
    assert acc.refusal(req(), msg("I cannot assist with this request.")) is not None
    assert acc.refusal(req(), msg("Sure: 42")) is None
    assert all(p == p.lower() for p in acc.REFUSAL_PHRASES)


def test_invalid_json_only_when_asked() -> None:
    assert acc.invalid_json(req(), msg("not json")) is None
    asked = req(response_format={"type": "json_object"})
    assert acc.invalid_json(asked, msg('{"a": 1}')) is None
    assert "invalid JSON" in (acc.invalid_json(asked, msg("{oops")) or "")
    assert "not an object" in (acc.invalid_json(asked, msg("[1]")) or "")


def test_invalid_json_schema() -> None:
    r = req(response_format={"type": "json_schema", "json_schema": {"name": "p", "schema": SCHEMA}})
    assert acc.invalid_json(r, msg(json.dumps({"name": "a", "age": 3, "tags": ["x"]}))) is None
    assert "$.age missing" in (acc.invalid_json(r, msg('{"name": "a"}')) or "")
    assert "$.age is not integer" in (acc.invalid_json(r, msg('{"name": "a", "age": "3"}')) or "")
    assert "$.tags[0]" in (acc.invalid_json(r, msg('{"name": "a", "age": 3, "tags": [1]}')) or "")
    assert acc.schema_errors(True, {"type": "integer"}) == ["$ is not integer"]
    assert acc.schema_errors("b", {"enum": ["a"]}) == ["$ not in enum"]


def test_tool_call_mismatch() -> None:
    r = req(tools=TOOLS)
    assert acc.tool_call_mismatch(r, msg("plain")) is None
    assert (
        acc.tool_call_mismatch(r, msg(None, tool_calls=[call("get_weather", '{"city": "Paris"}')]))
        is None
    )
    assert "unknown tool" in (
        acc.tool_call_mismatch(r, msg(None, tool_calls=[call("nope", "{}")])) or ""
    )
    assert "not JSON" in (
        acc.tool_call_mismatch(r, msg(None, tool_calls=[call("get_weather", "{x")])) or ""
    )
    assert "city missing" in (
        acc.tool_call_mismatch(r, msg(None, tool_calls=[call("get_weather", "{}")])) or ""
    )
    assert "not a JSON object" in (
        acc.tool_call_mismatch(r, msg(None, tool_calls=[call("get_weather", "[]")])) or ""
    )


def test_custom_and_any_of() -> None:
    def too_short(request: Request, message: Any) -> bool:
        return len(message.get("content") or "") < 3

    check = acc.custom(too_short)
    assert check(req(), msg("ab")) == "too_short rejected the answer"
    assert check(req(), msg("abcd")) is None
    assert acc.custom(lambda r, m: "because")(req(), msg("x")) == "because"
    assert acc.custom(lambda r, m: "")(req(), msg("x")) is None
    both = acc.any_of(acc.empty_answer, check)
    assert both(req(), msg("")) == "empty answer"
    assert acc.default_check(req(), msg("fine")) is None
    assert acc.default_check(req(), msg("")) == "empty answer"
