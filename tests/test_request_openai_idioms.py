"""Arguments as openai-SDK code passes them: SDK message objects, ``user=``, ``max_retries=``."""

from __future__ import annotations

import json
from typing import Any, TypedDict

import httpx
import pytest
import respx
from openai.types.chat import ChatCompletionMessage

from costroute._request import build_request
from costroute.errors import InvalidRequestError
from costroute.testing import DEEPSEEK_URL, OPENAI_URL, deepseek_body, openai_body

CALL = {
    "id": "call_1",
    "type": "function",
    "function": {"name": "weather", "arguments": '{"city": "Oslo"}'},
}
TOOLS = [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}]


class UserMessage(TypedDict):
    role: str
    content: str


def test_sdk_message_objects_are_sent_as_dicts_without_none_fields() -> None:
    assistant = ChatCompletionMessage.model_validate(
        {"role": "assistant", "content": None, "tool_calls": [CALL]}
    )
    user: UserMessage = {"role": "user", "content": "Weather in Oslo?"}
    request = build_request(
        [user, assistant, {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}], {}
    )
    sent = request.messages[1]
    assert isinstance(sent, dict)
    assert sent == {"role": "assistant", "tool_calls": [CALL]}  # no content, refusal, audio...


def test_a_non_message_object_is_still_refused() -> None:
    with pytest.raises(InvalidRequestError, match="not a dict") as caught:
        build_request([object()], {})
    assert caught.value.field == "messages[0]"


@pytest.mark.parametrize("name", ["max_retries", "num_retries"])
def test_per_call_retries_are_refused_not_overwritten(name: str) -> None:
    with pytest.raises(InvalidRequestError, match="RetryConfig") as caught:
        build_request([{"role": "user", "content": "hi"}], {name: 5})
    assert caught.value.field == name


def test_the_tool_loop_appends_the_response_message(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    route = mock.post(DEEPSEEK_URL).mock(
        side_effect=[
            httpx.Response(200, json=openai_body("", tool_calls=[CALL])),
            httpx.Response(200, json=deepseek_body("Sunny in Oslo.")),
        ]
    )
    router = router_factory(ledger=False)
    messages: list[Any] = [{"role": "user", "content": "Weather in Oslo?"}]
    resp = router.chat(messages=messages, model="deepseek-v4-flash", tools=TOOLS)
    call = resp.choices[0].message.tool_calls[0]
    messages.append(resp.choices[0].message)
    messages.append({"role": "tool", "tool_call_id": call.id, "content": "sunny"})
    final = router.chat(messages=messages, model="deepseek-v4-flash", tools=TOOLS)
    assert final.choices[0].message.content == "Sunny in Oslo."
    sent = json.loads(route.calls.last.request.content)["messages"]
    assert sent[1]["role"] == "assistant" and sent[1]["tool_calls"][0]["id"] == "call_1"


def test_user_is_forwarded_where_the_provider_takes_it(
    router_factory: Any, mock: respx.MockRouter
) -> None:
    openai_route = mock.post(OPENAI_URL).mock(return_value=httpx.Response(200, json=openai_body()))
    deepseek_route = mock.post(DEEPSEEK_URL).mock(
        return_value=httpx.Response(200, json=deepseek_body())
    )
    router = router_factory(ledger=False)
    msgs = [{"role": "user", "content": "hi"}]
    router.chat(messages=msgs, model="gpt-5.4", user="u-42")
    assert json.loads(openai_route.calls.last.request.content)["user"] == "u-42"
    # litellm knows no `user` for DeepSeek and would refuse the call: left out there
    router.chat(messages=msgs, model="deepseek-v4-flash", user="u-42")
    assert "user" not in json.loads(deepseek_route.calls.last.request.content)
