"""Streamed calls with failover: transparent before the first content token, typed after.

Until a stream has produced content, any failure (an error status, a reset, a body that is not
a stream, a stream that ends with neither content nor usage) is retried or falls back like a
whole call, and the caller sees nothing of it. After the first content token, a failure ends the
iteration with :class:`StreamInterrupted` carrying the text so far and the deployment; the
partial usage (estimated from the text when the provider sent none) is billed and recorded.

litellm itself raises when a stream stops after content but before a finish reason
(``MidStreamFallbackError``, translated to :class:`ProviderConnectionError`); a stream that
stops before any content, or a 200 whose body is not SSE, comes out of litellm as an empty
"complete" answer with no usage block, which is why an answer without content must carry usage.
The provider's usage block arrives in the last chunk (``stream_options.include_usage``, always
asked for, to bill); that usage-only chunk (``choices == []``) reaches the caller only when it
asked for it too, as with the openai client. A stream is read once: iterating it again raises
:class:`InvalidRequestError` and never sends the request again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from costroute import errors, providers
from costroute._request import chars_to_tokens
from costroute.catalog import Deployment
from costroute.errors import CostrouteError, InvalidRequestError
from costroute.executor._cover import Cover, Uncovered, acover_next, cover_next, refused
from costroute.executor._params import call_params
from costroute.executor._run import Executor, Outcome, _Progress
from costroute.types import Choice, Plan, Request, Usage

__all__ = ["AsyncStreamRun", "StreamRun"]

Finish = Callable[[Outcome, BaseException | None], Any]


def _delta_of(chunk: Any) -> tuple[str, bool, str | None]:
    """(content text, has tool calls, finish reason) of one chunk."""
    text, tools, finish = "", False, None
    for choice in getattr(chunk, "choices", None) or ():
        delta = getattr(choice, "delta", None)
        if delta is not None:
            text += getattr(delta, "content", None) or ""
            tools = tools or bool(getattr(delta, "tool_calls", None))
        finish = getattr(choice, "finish_reason", None) or finish
    return text, tools, finish


class _StreamState:
    """Text, usage and finish reason gathered from the chunks of one attempt.

    ``bounds``: the (input, output) tokens the call's budget reserved for this attempt, when it
    has a reservation (see :meth:`partial_usage`).
    """

    def __init__(
        self, request: Request, started: float, bounds: tuple[int, int] | None = None
    ) -> None:
        self.request = request
        self.started = started
        self.bounds = bounds
        self.text: list[str] = []
        self.usage: Usage | None = None
        self.ttft_ms: float | None = None
        self.tool_calls = False
        self.finish_reason: str | None = None

    def take(self, chunk: Any) -> bool:
        """Account for ``chunk``; True when it carries content (text or a tool call)."""
        raw = getattr(chunk, "usage", None)
        if raw is not None:
            self.usage = providers.usage_from(raw)
        text, tools, finish = _delta_of(chunk)
        if text:
            self.text.append(text)
        self.tool_calls = self.tool_calls or tools
        self.finish_reason = finish or self.finish_reason
        return bool(text) or tools

    @property
    def has_content(self) -> bool:
        return bool(self.text) or self.tool_calls

    def partial_usage(self, opened: bool = True) -> Usage:
        """The provider's usage, else an estimate: the prompt, and the text at 4 chars a token.

        ``opened=False``: the provider never started an answer, so nothing was billed.
        """
        if self.usage is not None:
            return self.usage
        if not opened and not self.text:
            return Usage()
        prompt = self.request.input_tokens_estimate
        output = chars_to_tokens(sum(len(t) for t in self.text))
        if self.bounds is not None:
            # The estimate can exceed what the reservation counted for this attempt: for OpenAI
            # and DeepSeek the reservation counts the prompt with the provider's own tokenizer
            # (plus margins), and repetitive text packs more than 4 characters in a token
            # ("word " * 4000 is 4,000 tokens, estimated at 5,000); long output tokens likewise
            # push the text's estimate past max_tokens. The provider cannot bill more than those
            # counts, and the budget must not settle more than it reserved for the attempt, so
            # the estimate is bounded by them.
            prompt, output = min(prompt, self.bounds[0]), min(output, self.bounds[1])
        return Usage(input_tokens=prompt, output_tokens=output)


class _StreamRunBase:
    """What the sync and async streams share: opening checks and settling."""

    def __init__(
        self,
        executor: Executor,
        plan: Plan,
        request: Request,
        timeout: float,
        finish: Finish,
        cover: Cover | None = None,
        release: Callable[[], None] | None = None,
    ) -> None:
        self._ex = executor
        self._plan = plan
        self._request = request
        self._timeout = timeout
        self._finish = finish
        self._cover = cover  # the call's reservation, asked before every attempt
        self._release = release  # gives the reservation back when closed before any attempt
        self._show_usage = providers.wants_usage(request.params)
        self._iterated = False
        self._started = False  # the run began: from then on it settles itself, closed or not
        self._gen: Any = None
        self.costroute: Any = None

    def _close_unstarted(self) -> bool:
        """Close a stream; True when its run had begun (the caller then closes the generator,
        which settles what was billed), False when nothing was sent: the reservation is
        given back."""
        self._iterated = True  # a closed stream is not read afterwards
        if self._started:
            return True
        release, self._release = self._release, None
        if release is not None:
            release()
        return False

    def _shows(self, chunk: Any) -> bool:
        """Whether the caller sees ``chunk``: the usage-only chunk only when it asked for it."""
        return self._show_usage or bool(getattr(chunk, "choices", None))

    def _once(self) -> None:
        if self._iterated:
            raise InvalidRequestError(
                "This stream was iterated already; a stream is read once (nothing was sent again).",
                field="stream",
                fix="keep the chunks while iterating, or call chat(stream=True) again for a new answer",
            )
        self._iterated = True

    def _state(self, choice: Choice, dep: Deployment) -> _StreamState:
        """A new attempt's state, started now (after its budget cover was checked)."""
        bounds = self._cover.bounds(choice, dep) if self._cover is not None else None
        return _StreamState(self._request, self._ex.clock(), bounds)

    def _first_content(self, state: _StreamState, chunk: Any) -> bool:
        if state.take(chunk):
            state.ttft_ms = (self._ex.clock() - state.started) * 1000.0
            return True
        return False

    def _check_empty(self, dep: Deployment, state: _StreamState) -> None:
        """A stream that ended without content is an answer only if the provider billed it."""
        if state.usage is None:
            raise errors.InvalidResponseError(
                "the stream ended with neither content nor a usage block",
                status_code=200,
                provider=dep.provider,
                deployment=dep.name,
            )

    def _open_failed(
        self, progress: _Progress, dep: Deployment, state: _StreamState, exc: CostrouteError
    ) -> None:
        """Record a try that failed before content; a stream that broke after its 200 had
        started billing the prompt (litellm drops the usage it may have sent)."""
        opened = isinstance(exc, errors.ProviderConnectionError) and exc.status_code == 200
        self._ex.record(progress, dep, state.started, state.partial_usage(opened), exc)

    def _interrupted(
        self,
        progress: _Progress,
        dep: Deployment,
        choice: Choice,
        state: _StreamState,
        cause: BaseException | None,
    ) -> errors.StreamInterrupted:
        """Bill and settle a stream that broke after content; the error to raise."""
        outcome, error = self._interruption(progress, dep, choice, state, cause)
        self.costroute = self._finish(outcome, error)
        return error

    def _interruption(
        self,
        progress: _Progress,
        dep: Deployment,
        choice: Choice,
        state: _StreamState,
        cause: BaseException | None,
    ) -> tuple[Outcome, errors.StreamInterrupted]:
        """Bill a stream that broke after content: its outcome and the error to raise."""
        usage = state.partial_usage()
        error = errors.StreamInterrupted(dep.name, "".join(state.text), cause)
        self._ex.record(progress, dep, state.started, usage, cause, state.ttft_ms, "interrupted")
        outcome = Outcome(None, dep, choice, progress.attempts, usage, state.finish_reason)
        outcome.notes = list(progress.notes)
        return outcome, error

    def _truncated(
        self, dep: Deployment, state: _StreamState
    ) -> errors.ProviderConnectionError | None:
        if state.finish_reason is not None:
            return None
        return errors.ProviderConnectionError(
            "the stream ended before the provider sent a finish reason",
            provider=dep.provider,
            deployment=dep.name,
        )

    def _completion(
        self,
        progress: _Progress,
        dep: Deployment,
        choice: Choice,
        state: _StreamState,
        *,
        closed: bool = False,
    ) -> Outcome:
        """Bill a stream that ended (``closed``: the caller stopped reading): its outcome."""
        usage = state.partial_usage()
        status = "interrupted" if closed else None
        self._ex.record(progress, dep, state.started, usage, None, state.ttft_ms, status)
        text = None if state.tool_calls or closed else "".join(state.text)
        outcome = Outcome(None, dep, choice, progress.attempts, usage, state.finish_reason, text)
        outcome.notes = list(progress.notes)
        return outcome

    def _completed(
        self,
        progress: _Progress,
        dep: Deployment,
        choice: Choice,
        state: _StreamState,
        *,
        closed: bool = False,
    ) -> None:
        """Bill and settle a stream that ended."""
        outcome = self._completion(progress, dep, choice, state, closed=closed)
        self.costroute = self._finish(outcome, None)


class StreamRun(_StreamRunBase):
    """A synchronous stream over a plan; iterate it once. ``finish`` settles the call."""

    def _open(
        self, dep: Deployment, choice: Choice, deadline: float, progress: _Progress
    ) -> tuple[Iterator[Any], list[Any], _StreamState]:
        """Open a stream and read up to its first content chunk (buffered)."""
        timeout = self._ex._timeout_left(deadline)
        cover_next(self._cover, progress.attempts, choice, dep)
        params = call_params(self._request, choice)
        state = self._state(choice, dep)
        buffered: list[Any] = []
        try:
            chunks = providers.stream(
                dep, self._request.messages, params, timeout=timeout, environ=self._ex.environ
            )
            for chunk in chunks:
                buffered.append(chunk)
                if self._first_content(state, chunk):
                    return chunks, buffered, state
            self._check_empty(dep, state)
        except CostrouteError as exc:
            self._open_failed(progress, dep, state, exc)
            raise
        return iter(()), buffered, state

    def __iter__(self) -> Iterator[Any]:
        self._once()
        self._gen = self._run()
        return self._gen  # type: ignore[no-any-return]

    def close(self) -> None:
        """Stop the stream: what was billed so far is settled and recorded (a stream never
        read sends nothing and gives its reservation back). Idempotent."""
        if self._close_unstarted() and self._gen is not None:
            self._gen.close()

    def __enter__(self) -> StreamRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> Iterator[Any]:
        self._started = True
        ex = self._ex
        deadline = ex.clock() + self._timeout
        progress = _Progress()
        stopped: BaseException | None = None
        for choice, dep in ex.usable(self._plan, progress, deadline):

            def attempt(
                dep: Deployment = dep, choice: Choice = choice
            ) -> tuple[Iterator[Any], list[Any], _StreamState]:
                return self._open(dep, choice, deadline, progress)

            try:
                chunks, buffered, state = ex.retrying(attempt, deadline)
            except errors.ProviderError as exc:
                ex._learn(self._plan, progress, dep, exc, self._finish)
                continue
            except Uncovered as stop:
                stopped = refused(stop, progress.attempts)
                break
            except BaseException as exc:
                ex.abandon(self._plan, progress, exc, self._finish)
                raise
            try:
                yield from (chunk for chunk in buffered if self._shows(chunk))
                for chunk in chunks:
                    state.take(chunk)
                    if self._shows(chunk):
                        yield chunk
            except CostrouteError as exc:
                raise self._interrupted(progress, dep, choice, state, exc) from exc
            except GeneratorExit:
                _close(chunks)
                self._completed(progress, dep, choice, state, closed=True)
                raise
            cut = self._truncated(dep, state)
            if cut is not None and state.has_content:
                raise self._interrupted(progress, dep, choice, state, cut) from cut
            self._completed(progress, dep, choice, state)
            return
        raise ex.fail(
            self._plan, progress, stopped or ex._failed(self._plan, progress), self._finish
        )


class AsyncStreamRun(_StreamRunBase):
    """Async twin of :class:`StreamRun`: ``async for chunk in await router.achat(stream=True)``."""

    offload = False
    """Settle in a worker thread (set by the router when settling does blocking I/O: a ledger,
    Redis), so that the event loop never waits for it."""

    async def _acompleted(
        self,
        progress: _Progress,
        dep: Deployment,
        choice: Choice,
        state: _StreamState,
        *,
        closed: bool = False,
    ) -> None:
        outcome = self._completion(progress, dep, choice, state, closed=closed)
        if self.offload:
            self.costroute = await asyncio.to_thread(self._finish, outcome, None)
        else:
            self.costroute = self._finish(outcome, None)

    async def _ainterrupted(
        self,
        progress: _Progress,
        dep: Deployment,
        choice: Choice,
        state: _StreamState,
        cause: BaseException | None,
    ) -> errors.StreamInterrupted:
        if not self.offload:
            return self._interrupted(progress, dep, choice, state, cause)
        outcome, error = self._interruption(progress, dep, choice, state, cause)
        self.costroute = await asyncio.to_thread(self._finish, outcome, error)
        return error

    async def _open(
        self, dep: Deployment, choice: Choice, deadline: float, progress: _Progress
    ) -> tuple[AsyncIterator[Any] | None, list[Any], _StreamState]:
        timeout = self._ex._timeout_left(deadline)
        await acover_next(self._cover, progress.attempts, choice, dep)
        params = call_params(self._request, choice)
        state = self._state(choice, dep)
        buffered: list[Any] = []
        try:
            chunks = providers.astream(
                dep, self._request.messages, params, timeout=timeout, environ=self._ex.environ
            )
            async for chunk in chunks:
                buffered.append(chunk)
                if self._first_content(state, chunk):
                    return chunks, buffered, state
            self._check_empty(dep, state)
        except CostrouteError as exc:
            self._open_failed(progress, dep, state, exc)
            raise
        return None, buffered, state

    def __aiter__(self) -> AsyncIterator[Any]:
        self._once()
        self._gen = self._run()
        return self._gen  # type: ignore[no-any-return]

    async def close(self) -> None:
        """Async twin of :meth:`StreamRun.close` (as the openai SDK's ``AsyncStream.close``)."""
        if self._close_unstarted() and self._gen is not None:
            await self._gen.aclose()

    async def __aenter__(self) -> AsyncStreamRun:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _run(self) -> AsyncIterator[Any]:
        self._started = True
        ex = self._ex
        deadline = ex.clock() + self._timeout
        progress = _Progress()
        stopped: BaseException | None = None
        for choice, dep in ex.usable(self._plan, progress, deadline):

            async def attempt(
                dep: Deployment = dep, choice: Choice = choice
            ) -> tuple[AsyncIterator[Any] | None, list[Any], _StreamState]:
                return await self._open(dep, choice, deadline, progress)

            try:
                chunks, buffered, state = await ex.aretrying(attempt, deadline)
            except errors.ProviderError as exc:
                ex._learn(self._plan, progress, dep, exc, self._finish)
                continue
            except Uncovered as stop:
                stopped = refused(stop, progress.attempts)
                break
            except BaseException as exc:
                ex.abandon(self._plan, progress, exc, self._finish)
                raise
            try:
                for chunk in buffered:
                    if self._shows(chunk):
                        yield chunk
                if chunks is not None:
                    async for chunk in chunks:
                        state.take(chunk)
                        if self._shows(chunk):
                            yield chunk
            except CostrouteError as exc:
                raise await self._ainterrupted(progress, dep, choice, state, exc) from exc
            except GeneratorExit:
                await _aclose(chunks)
                await self._acompleted(progress, dep, choice, state, closed=True)
                raise
            cut = self._truncated(dep, state)
            if cut is not None and state.has_content:
                raise await self._ainterrupted(progress, dep, choice, state, cut) from cut
            await self._acompleted(progress, dep, choice, state)
            return
        raise await ex.afail(
            self._plan, progress, stopped or ex._failed(self._plan, progress), self._finish
        )


def _close(chunks: Any) -> None:
    close = getattr(chunks, "close", None)
    if close is not None:
        close()


async def _aclose(chunks: Any) -> None:
    close = getattr(chunks, "aclose", None)
    if close is not None:
        await close()
