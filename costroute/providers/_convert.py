"""litellm's responses as the openai SDK's own types, converted once, here.

``Router.chat`` answers with :class:`openai.types.chat.ChatCompletion` and streams
:class:`openai.types.chat.ChatCompletionChunk`, the types ``openai.OpenAI().chat.completions``
returns, so code written for the openai client (``isinstance`` checks, ``model_dump``, the tool
loop) works unchanged. Provider fields the OpenAI schema does not name (DeepSeek's
``reasoning_content`` and ``prompt_cache_hit_tokens``, Anthropic's cache counts) stay readable as
extra attributes, as the SDK keeps them. litellm's bookkeeping field ``provider_specific_fields``
is dropped when it carries nothing, and so is the blank choice litellm before 1.109 puts in
the usage chunk (``choices == []`` there, as the openai API sends it).

Validation costs about 6-11 µs a response; a body the schema refuses (an unusual finish reason, a
provider's own field type) is built without validation, as the openai SDK builds every response.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletion, ChatCompletionChunk

__all__ = ["chunk_from", "completion_from"]


def _types() -> tuple[type[ChatCompletion], type[ChatCompletionChunk]]:
    """The openai types, imported on first use: ``import costroute`` does not import openai
    (about 0.5 s); litellm, loaded before any call, has imported it already."""
    from openai.types.chat import ChatCompletion, ChatCompletionChunk

    return ChatCompletion, ChatCompletionChunk


_LITELLM_ONLY = "provider_specific_fields"


def _empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, dict):
        return all(_empty(v) for v in value.values())
    return isinstance(value, list | tuple) and not value


def _clean(body: dict[str, Any]) -> dict[str, Any]:
    """Drop litellm's empty ``provider_specific_fields`` from the choices and messages."""
    for choice in body.get("choices") or ():
        if not isinstance(choice, dict):
            continue
        if _empty(choice.get(_LITELLM_ONLY, ())):
            choice.pop(_LITELLM_ONLY, None)
        for part in ("message", "delta"):
            inner = choice.get(part)
            if isinstance(inner, dict) and _empty(inner.get(_LITELLM_ONLY, ())):
                inner.pop(_LITELLM_ONLY, None)
    return body


def _body(response: Any) -> dict[str, Any]:
    if isinstance(response, dict):
        return _clean(dict(response))
    dump = getattr(response, "model_dump", None)
    if not callable(dump):
        raise TypeError(f"expected a litellm response, got {type(response).__name__}")
    out: dict[str, Any] = dump()
    return _clean(out)


def completion_from(response: Any) -> ChatCompletion:
    """A litellm ``ModelResponse`` (or its dict) as an ``openai`` ``ChatCompletion``."""
    ChatCompletion = _types()[0]
    if isinstance(response, ChatCompletion):
        return response
    body = _body(response)
    try:
        return ChatCompletion.model_validate(body)
    except ValidationError:
        return ChatCompletion.construct(**body)


def _blank(choice: Any) -> bool:
    """A choice with nothing in it: no delta, no finish reason, no logprobs."""
    return (
        isinstance(choice, dict)
        and _empty(choice.get("delta"))
        and choice.get("finish_reason") is None
        and choice.get("logprobs") is None
    )


def _usage_only(body: dict[str, Any]) -> dict[str, Any]:
    """The usage chunk without choices, as the openai API sends it: litellm before 1.109 gives it
    one blank choice, which would show it to a caller that did not ask for usage."""
    choices = body.get("choices")
    if body.get("usage") is not None and choices and all(_blank(c) for c in choices):
        body["choices"] = []
    return body


def chunk_from(chunk: Any) -> ChatCompletionChunk:
    """A litellm ``ModelResponseStream`` (or its dict) as an ``openai`` ``ChatCompletionChunk``."""
    ChatCompletionChunk = _types()[1]
    if isinstance(chunk, ChatCompletionChunk):
        return chunk
    body = _usage_only(_body(chunk))
    body.setdefault("object", "chat.completion.chunk")
    try:
        return ChatCompletionChunk.model_validate(body)
    except ValidationError:
        return ChatCompletionChunk.construct(**body)
