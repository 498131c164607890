"""A stream that ends before the provider's finish reason raises on every litellm release.

litellm before 1.109 ends such a stream with a finish chunk of its own and its estimated usage;
only the stream object's ``received_finish_reason`` (None) tells. These tests give the provider
layer a stream object of that shape (the chunks litellm 1.100.0 sends, measured with
tests/faults/faultkit.cut_stream), so the older releases' path runs on whichever litellm is
installed; tests/faults runs the real thing against the installed release.
"""

from __future__ import annotations

import asyncio
import types
from collections.abc import Iterator
from typing import Any

import pytest

from costroute import errors, providers
from costroute.catalog import known
from costroute.providers import _loader

MESSAGES = [{"role": "user", "content": "hi"}]
USAGE = {"prompt_tokens": 8, "completion_tokens": 2, "total_tokens": 10}


def chunk(content: str | None = None, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    delta = {"content": content, "role": None}
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return {"id": "c", "created": 1, "model": "m", "choices": [choice], **extra}


CONTENT = [chunk("The "), chunk("answer ")]
ENDING = [chunk(finish="stop"), chunk(usage=USAGE)]  # litellm's own: "stop", its estimate


class Stream:
    """A litellm stream object: its chunks, and the state litellm keeps beside them."""

    def __init__(self, chunks: list[dict[str, Any]], received: Any) -> None:
        self._chunks = chunks
        if received is not ...:
            self.received_finish_reason = received

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._chunks)

    def __aiter__(self) -> Any:
        async def chunks() -> Any:
            for one in self._chunks:
                yield one

        return chunks()


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Make litellm answer every streamed call with ``Stream(chunks, received)``."""

    def install(chunks: list[dict[str, Any]], received: Any) -> None:
        async def acompletion(**kwargs: Any) -> Stream:
            return Stream(chunks, received)

        fake = types.SimpleNamespace(
            completion=lambda **kwargs: Stream(chunks, received), acompletion=acompletion
        )
        monkeypatch.setattr(_loader, "_module", fake)

    return install


def read(mode: str) -> list[Any]:
    dep = known("deepseek-v4-flash", api_key="sk-x")
    if mode == "sync":
        out = []
        for one in providers.stream(dep, MESSAGES, {}, timeout=10):
            out.append(one)
        return out

    async def collect() -> list[Any]:
        return [one async for one in providers.astream(dep, MESSAGES, {}, timeout=10)]

    return asyncio.run(collect())


def texts(chunks: list[Any]) -> list[str | None]:
    return [c.choices[0].delta.content if c.choices else None for c in chunks]


MODES = ("sync", "async")


@pytest.mark.parametrize("mode", MODES)
def test_litellms_own_ending_after_content_raises_as_a_broken_stream(serve: Any, mode: str) -> None:
    serve(CONTENT + ENDING, None)
    seen: list[Any] = []
    dep = known("deepseek-v4-flash", api_key="sk-x")
    with pytest.raises(errors.ProviderConnectionError) as cut:
        if mode == "sync":
            for one in providers.stream(dep, MESSAGES, {}, timeout=10):
                seen.append(one)
        else:

            async def collect() -> None:
                async for one in providers.astream(dep, MESSAGES, {}, timeout=10):
                    seen.append(one)

            asyncio.run(collect())
    assert cut.value.status_code == 200
    assert "finish_reason" in str(cut.value)
    assert texts(seen) == ["The ", "answer "]  # neither litellm's "stop" nor its estimate


@pytest.mark.parametrize("mode", MODES)
def test_an_ending_with_only_usage_after_it_raises_too(serve: Any, mode: str) -> None:
    # A cut Anthropic stream before content: litellm's "stop", then message_start's usage.
    serve(ENDING, None)
    with pytest.raises(errors.ProviderConnectionError):
        read(mode)


@pytest.mark.parametrize("mode", MODES)
def test_the_providers_finish_reason_passes_every_chunk(serve: Any, mode: str) -> None:
    serve(CONTENT + ENDING, "stop")
    out = read(mode)
    assert texts(out) == ["The ", "answer ", None, None]
    assert out[2].choices[0].finish_reason == "stop" and out[3].usage.prompt_tokens == 8


@pytest.mark.parametrize("mode", MODES)
def test_an_empty_stream_is_passed_on_as_it_came(serve: Any, mode: str) -> None:
    # An empty 200 body: litellm (every release) sends its "stop" and a blank chunk; the
    # executor refuses that answer (no content, no usage), as on litellm 1.109+.
    serve([chunk(finish="stop"), chunk()], None)
    out = read(mode)
    assert [c.choices[0].finish_reason for c in out] == ["stop", None]


@pytest.mark.parametrize("mode", MODES)
def test_a_stream_object_without_the_state_passes_every_chunk(serve: Any, mode: str) -> None:
    serve(CONTENT + ENDING, ...)
    assert texts(read(mode)) == ["The ", "answer ", None, None]
