"""Calls to litellm: one request to one deployment, sync or async, whole or streamed.

Retries are costroute's (tenacity, in the executor): every call here passes ``max_retries=0``
(the openai SDK's own two retries) and ``num_retries=0`` (litellm's wait-less loop), and an
explicit ``timeout``.

A stream that ends before the provider's finish reason raises on every litellm release, as
litellm raises from 1.109 (:mod:`costroute.providers._ending`).

Answers come out as the openai SDK's ``ChatCompletion`` and ``ChatCompletionChunk`` (see
:mod:`costroute.providers._convert`). ``user`` (the caller's end-user id, also costroute's budget
identity) is sent to the providers whose API takes it, and left out for the others, where
litellm would refuse the whole call for it.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

from costroute.catalog import Deployment
from costroute.errors import CostrouteError
from costroute.providers._convert import chunk_from, completion_from
from costroute.providers._ending import Ending
from costroute.providers._loader import litellm

__all__ = ["acomplete", "astream", "build_kwargs", "complete", "stream", "wants_usage"]


def _translate(
    exc: BaseException, deployment: Deployment, key: str | None, *, streaming: bool = False
) -> CostrouteError:
    """litellm's error as costroute's; the translation loads with the first failed call."""
    from costroute.providers._errors import translate

    return translate(exc, deployment, key, streaming=streaming)


def wants_usage(params: Mapping[str, Any]) -> bool:
    """Whether the caller asked for the usage chunk (``stream_options={"include_usage": True}``).

    costroute always asks the provider for it, to bill the stream; the caller sees the final
    usage-only chunk (``choices == []``) only when it asked, as with the openai client.
    """
    options = params.get("stream_options")
    return isinstance(options, Mapping) and bool(options.get("include_usage"))


@functools.lru_cache(maxsize=256)
def _takes_user(model: str) -> bool:
    """Whether litellm sends ``user`` to this model's provider (it refuses the call otherwise)."""
    lite = litellm()
    try:
        name, provider, _, _ = lite.get_llm_provider(model)
        supported = lite.get_supported_openai_params(model=name, custom_llm_provider=provider)
    except Exception:  # an unknown model: do not risk a refusal for an identity field
        return False
    return bool(supported) and "user" in supported


def build_kwargs(
    deployment: Deployment,
    messages: Sequence[Mapping[str, Any]],
    params: Mapping[str, Any],
    *,
    api_key: str,
    timeout: float,
    stream: bool = False,
) -> dict[str, Any]:
    """The keyword arguments of ``litellm.completion`` for this deployment and request."""
    kwargs: dict[str, Any] = {**deployment.params, **params}
    if "user" in kwargs and not _takes_user(deployment.model):
        del kwargs["user"]
    kwargs["model"] = deployment.model
    kwargs["messages"] = list(messages)
    kwargs["api_key"] = api_key
    if deployment.api_base:
        kwargs["api_base"] = deployment.api_base
    kwargs["max_retries"] = 0
    kwargs["num_retries"] = 0
    kwargs["drop_params"] = False  # per call: the host's litellm.drop_params stays its own
    kwargs["timeout"] = timeout
    if stream:
        kwargs["stream"] = True
        options = dict(kwargs.get("stream_options") or {})
        options["include_usage"] = True
        kwargs["stream_options"] = options
    return kwargs


def complete(
    deployment: Deployment,
    messages: Sequence[Mapping[str, Any]],
    params: Mapping[str, Any],
    *,
    timeout: float,
    environ: Mapping[str, str] | None = None,
) -> Any:
    """One non-streaming call; litellm errors come out as costroute errors."""
    key = deployment.resolve_api_key(environ)
    kwargs = build_kwargs(deployment, messages, params, api_key=key, timeout=timeout)
    try:
        response = litellm().completion(**kwargs)
    except Exception as exc:
        raise _translate(exc, deployment, key) from exc
    return completion_from(response)


async def acomplete(
    deployment: Deployment,
    messages: Sequence[Mapping[str, Any]],
    params: Mapping[str, Any],
    *,
    timeout: float,
    environ: Mapping[str, str] | None = None,
) -> Any:
    """Async twin of :func:`complete`."""
    key = deployment.resolve_api_key(environ)
    kwargs = build_kwargs(deployment, messages, params, api_key=key, timeout=timeout)
    try:
        response = await litellm().acompletion(**kwargs)
    except Exception as exc:
        raise _translate(exc, deployment, key) from exc
    return completion_from(response)


def stream(
    deployment: Deployment,
    messages: Sequence[Mapping[str, Any]],
    params: Mapping[str, Any],
    *,
    timeout: float,
    environ: Mapping[str, str] | None = None,
) -> Iterator[Any]:
    """Chunks of one streamed call (usage arrives in the last); errors are translated."""
    key = deployment.resolve_api_key(environ)
    kwargs = build_kwargs(deployment, messages, params, api_key=key, timeout=timeout, stream=True)
    try:
        chunks = litellm().completion(**kwargs)
    except Exception as exc:
        raise _translate(exc, deployment, key) from exc
    ending = Ending(chunks)
    try:
        for chunk in chunks:
            out = chunk_from(chunk)
            if not ending.holds(out):
                yield out
        held = ending.end()
    except GeneratorExit:  # the caller stopped reading: close the provider's stream too
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
        raise
    except Exception as exc:  # the stream had opened (its 200 arrived), then broke
        raise _translate(exc, deployment, key, streaming=True) from exc
    yield from held


async def astream(
    deployment: Deployment,
    messages: Sequence[Mapping[str, Any]],
    params: Mapping[str, Any],
    *,
    timeout: float,
    environ: Mapping[str, str] | None = None,
) -> AsyncIterator[Any]:
    """Async twin of :func:`stream`."""
    key = deployment.resolve_api_key(environ)
    kwargs = build_kwargs(deployment, messages, params, api_key=key, timeout=timeout, stream=True)
    try:
        chunks = await litellm().acompletion(**kwargs)
    except Exception as exc:
        raise _translate(exc, deployment, key) from exc
    ending = Ending(chunks)
    try:
        async for chunk in chunks:
            out = chunk_from(chunk)
            if not ending.holds(out):
                yield out
        held = ending.end()
    except Exception as exc:  # the stream had opened (its 200 arrived), then broke
        raise _translate(exc, deployment, key, streaming=True) from exc
    for out in held:
        yield out
