"""Calls to litellm: one request to one deployment, sync or async, whole or streamed.

Retries are costroute's (tenacity, in the executor): every call here passes ``max_retries=0``
(the openai SDK's own two retries) and ``num_retries=0`` (litellm's wait-less loop), and an
explicit ``timeout``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

from costroute.catalog import Deployment
from costroute.providers._errors import translate
from costroute.providers._loader import litellm
from costroute.providers._quiet import quiet_logging

__all__ = ["acomplete", "astream", "build_kwargs", "complete", "stream"]


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
    lite = litellm()
    try:
        with quiet_logging(lite):
            return lite.completion(**kwargs)
    except Exception as exc:
        raise translate(exc, deployment, key) from exc


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
    lite = litellm()
    try:
        with quiet_logging(lite):
            return await lite.acompletion(**kwargs)
    except Exception as exc:
        raise translate(exc, deployment, key) from exc


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
        yield from chunks
    except Exception as exc:
        raise translate(exc, deployment, key) from exc


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
        async for chunk in chunks:
            yield chunk
    except Exception as exc:
        raise translate(exc, deployment, key) from exc
