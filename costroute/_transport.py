"""An httpx transport whose server is a costroute Router: the HTTP layer of costroute.OpenAI.

``POST .../chat/completions`` is answered by ``router.chat`` (``await router.achat``) as OpenAI
JSON, or as server-sent events ending in ``data: [DONE]``; ``GET .../models`` lists the
router's deployments; anything else is a 404 with an OpenAI error body. costroute's errors come
back with the status and error body an OpenAI server would send, and the error itself in
``response.extensions["costroute.error"]`` (costroute.OpenAI raises that one: it is also the
openai SDK's matching type). Nothing here touches the network: the router does.

A stream is answered once its first chunk is there (until then it fails over invisibly, and a
failure is an error status, as from a server); a failure after it ends the body with the error
(:class:`~costroute.errors.StreamInterrupted`). Closing the response stops the stream, which is
then billed for what was generated.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

from costroute import _info, _wire
from costroute.errors import CostrouteError

__all__ = ["AsyncCostrouteTransport", "CostrouteTransport"]

_SSE = {"content-type": "text/event-stream", "cache-control": "no-cache"}


class _TransportBase:
    """Routing of paths and the answers for models; shared by the sync and async twins."""

    def __init__(self, router: Any) -> None:
        self.router = router
        # the SDK client's organization and project, for copy()/with_options() to compare
        self.organization: str | None = None
        self.project: str | None = None

    def _route(self, request: httpx.Request) -> str:
        path = request.url.path.rstrip("/")
        if request.method == "POST" and path.endswith("/chat/completions"):
            return "chat"
        if request.method == "GET" and path.endswith("/models"):
            return "models"
        if request.method == "GET" and "/models/" in path:
            return "model"
        return "other"

    def _static(self, request: httpx.Request, route: str) -> httpx.Response:
        deployments = self.router.deployments
        if route == "models":
            return _wire.json_response(_wire.models_body(deployments), request)
        if route == "model":
            name = request.url.path.rstrip("/").rpartition("/models/")[2]
            if name == "auto" or name in deployments:
                owner = "costroute" if name == "auto" else str(deployments[name].provider)
                return _wire.json_response(_wire.model_body(name, owner), request)
        return _wire.not_found(request)

    @staticmethod
    def _answer(request: httpx.Request, response: Any) -> httpx.Response:
        call = getattr(response, "costroute", None)
        if call is not None:
            _info.remember(call, getattr(response, "id", None))
        body = _wire.completion_body(response)
        answer = _wire.json_response(body, request, _wire.info_headers(call))
        if call is not None:
            answer.extensions["costroute"] = call
        return answer


class _EventsBase:
    """The SSE body of a stream: the first chunk (already read), the rest, ``[DONE]``."""

    def __init__(self, stream: Any, chunks: Any, first: list[Any]) -> None:
        self._stream = stream
        self._chunks = chunks
        self._first = first
        self._ids: set[str] = set()
        self.extensions: dict[str, Any] = {}

    def _event(self, chunk: Any) -> bytes:
        self._ids.add(str(chunk.id))
        return _wire.sse_event(chunk)

    def _done(self) -> bytes:
        """``[DONE]``, once the stream's CallInfo is kept (the SDK stops reading there)."""
        call = getattr(self._stream, "costroute", None)
        if call is not None:
            _info.remember(call, *self._ids)
            self.extensions["costroute"] = call
        return _wire.DONE


class _Events(_EventsBase, httpx.SyncByteStream):
    def __iter__(self) -> Iterator[bytes]:
        for chunk in itertools.chain(self._first, self._chunks):
            yield self._event(chunk)
        yield self._done()

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()  # a stream stopped early is settled (billed) as closed


class CostrouteTransport(httpx.BaseTransport, _TransportBase):
    """``httpx.Client(transport=CostrouteTransport(router))`` speaks OpenAI's HTTP API."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        route = self._route(request)
        if route != "chat":
            return self._static(request, route)
        request.read()
        try:
            messages, kwargs = _wire.chat_arguments(request)
            answer = self.router.chat(messages, **kwargs)
            if not kwargs.get("stream"):
                return self._answer(request, answer)
            chunks = iter(answer)
            first = [next(chunks)]  # errors before the first chunk are an error status
        except StopIteration:
            first = []
        except CostrouteError as exc:
            return _wire.error_response(exc, request)
        body = _Events(answer, chunks, first)
        response = httpx.Response(200, headers=_SSE, stream=body, request=request)
        body.extensions = response.extensions
        return response


class _AsyncEvents(_EventsBase, httpx.AsyncByteStream):
    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._first:
            yield self._event(chunk)
        async for chunk in self._chunks:
            yield self._event(chunk)
        yield self._done()

    async def aclose(self) -> None:
        close = getattr(self._chunks, "aclose", None)
        if close is not None:
            await close()


class AsyncCostrouteTransport(httpx.AsyncBaseTransport, _TransportBase):
    """Async twin of :class:`CostrouteTransport`, over ``await router.achat``."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        route = self._route(request)
        if route != "chat":
            return self._static(request, route)
        await request.aread()
        try:
            messages, kwargs = _wire.chat_arguments(request)
            answer = await self.router.achat(messages, **kwargs)
            if not kwargs.get("stream"):
                return self._answer(request, answer)
            chunks = aiter(answer)
            first = [await anext(chunks)]
        except StopAsyncIteration:
            first = []
        except CostrouteError as exc:
            return _wire.error_response(exc, request)
        body = _AsyncEvents(answer, chunks, first)
        response = httpx.Response(200, headers=_SSE, stream=body, request=request)
        body.extensions = response.extensions
        return response
