"""Streamed calls with failover: transparent before the first content token, typed after.

Until a stream has produced content, any failure (an error status, a reset, a stream that ends
empty) is retried or falls back like a whole call, and the caller sees nothing of it. After the
first content token, a failure ends the iteration with :class:`StreamInterrupted` carrying the
text so far; the partial usage (estimated from the text when the provider sent none) is billed.
The provider's usage block arrives in the last chunk (``stream_options.include_usage``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import tenacity

from costroute import providers
from costroute.catalog import Deployment
from costroute.errors import CostrouteError, ProviderError, StreamInterrupted
from costroute.executor._retry import retry_strategies
from costroute.executor._run import Executor, Outcome, _Progress
from costroute.types import Choice, Plan, Request, Usage

__all__ = ["AsyncStreamRun", "StreamRun"]

Finish = Callable[[Outcome, BaseException | None], Any]


def _content_of(chunk: Any) -> str:
    choices = getattr(chunk, "choices", None) or ()
    for choice in choices:
        delta = getattr(choice, "delta", None)
        text = getattr(delta, "content", None) if delta is not None else None
        if text:
            return str(text)
        if delta is not None and getattr(delta, "tool_calls", None):
            return " "
    return ""


class _StreamState:
    """Text and usage gathered from the chunks of the stream being served."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.text: list[str] = []
        self.usage: Usage | None = None
        self.ttft_ms: float | None = None

    def take(self, chunk: Any) -> str:
        raw = getattr(chunk, "usage", None)
        if raw is not None:
            self.usage = providers.usage_from(raw)
        text = _content_of(chunk)
        if text:
            self.text.append(text)
        return text

    def partial_usage(self) -> Usage:
        if self.usage is not None:
            return self.usage
        chars = sum(len(t) for t in self.text)
        return Usage(input_tokens=self.request.input_tokens_estimate, output_tokens=-(-chars // 4))


class StreamRun:
    """A synchronous stream over a plan; iterate it once. ``finish`` settles the call."""

    def __init__(
        self, executor: Executor, plan: Plan, request: Request, timeout: float, finish: Finish
    ) -> None:
        self._ex = executor
        self._plan = plan
        self._request = request
        self._timeout = timeout
        self._finish = finish
        self.costroute: Any = None

    def _open(
        self, dep: Deployment, choice: Choice, deadline: float
    ) -> tuple[Iterator[Any], list[Any], _StreamState, float]:
        """Open a stream and read up to its first content chunk (buffered)."""
        ex = self._ex
        state = _StreamState(self._request)
        started = ex.clock()
        params = {**self._request.params, **choice.params}
        chunks = providers.stream(
            dep,
            self._request.messages,
            params,
            timeout=ex._timeout_left(deadline),
            environ=ex.environ,
        )
        buffered: list[Any] = []
        for chunk in chunks:
            buffered.append(chunk)
            if state.take(chunk):
                state.ttft_ms = (ex.clock() - started) * 1000.0
                return chunks, buffered, state, started
        # Ended without content: a complete but empty answer is still an answer.
        return iter(()), buffered, state, started

    def __iter__(self) -> Iterator[Any]:
        ex = self._ex
        deadline = ex.clock() + self._timeout
        progress = _Progress()
        for choice, dep in ex._candidates(self._plan, progress):
            if progress.skip_reason(dep) or ex.clock() >= deadline:
                continue
            retrying = tenacity.Retrying(
                sleep=ex.sleep, **retry_strategies(ex.retry, deadline, ex.clock)
            )
            try:
                for attempt in retrying:
                    with attempt:
                        started = ex.clock()
                        try:
                            chunks, buffered, state, started = self._open(dep, choice, deadline)
                        except CostrouteError as exc:
                            ex.record(progress, dep, started, None, exc)
                            raise
            except ProviderError as exc:
                progress.learn(dep, exc)
                continue
            yield from buffered
            try:
                for chunk in chunks:
                    state.take(chunk)
                    yield chunk
            except CostrouteError as exc:
                usage = state.partial_usage()
                ex.record(progress, dep, started, usage, exc, state.ttft_ms, "interrupted")
                outcome = Outcome(None, dep, choice, progress.attempts, usage)
                self.costroute = self._finish(outcome, exc)
                raise StreamInterrupted(dep.name, "".join(state.text), exc) from exc
            usage = state.usage or state.partial_usage()
            ex.record(progress, dep, started, usage, None, state.ttft_ms)
            self.costroute = self._finish(
                Outcome(None, dep, choice, progress.attempts, usage), None
            )
            return
        raise ex._failed(progress)


class AsyncStreamRun:
    """Async twin of :class:`StreamRun`: ``async for chunk in await router.achat(stream=True)``."""

    def __init__(
        self, executor: Executor, plan: Plan, request: Request, timeout: float, finish: Finish
    ) -> None:
        self._ex = executor
        self._plan = plan
        self._request = request
        self._timeout = timeout
        self._finish = finish
        self.costroute: Any = None

    async def _open(
        self, dep: Deployment, choice: Choice, deadline: float
    ) -> tuple[AsyncIterator[Any] | None, list[Any], _StreamState, float]:
        ex = self._ex
        state = _StreamState(self._request)
        started = ex.clock()
        params = {**self._request.params, **choice.params}
        chunks = providers.astream(
            dep,
            self._request.messages,
            params,
            timeout=ex._timeout_left(deadline),
            environ=ex.environ,
        )
        buffered: list[Any] = []
        async for chunk in chunks:
            buffered.append(chunk)
            if state.take(chunk):
                state.ttft_ms = (ex.clock() - started) * 1000.0
                return chunks, buffered, state, started
        return None, buffered, state, started

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._run()

    async def _run(self) -> AsyncIterator[Any]:
        ex = self._ex
        deadline = ex.clock() + self._timeout
        progress = _Progress()
        for choice, dep in ex._candidates(self._plan, progress):
            if progress.skip_reason(dep) or ex.clock() >= deadline:
                continue
            kwargs: dict[str, Any] = retry_strategies(ex.retry, deadline, ex.clock)
            if ex.asleep is not None:
                kwargs["sleep"] = ex.asleep
            try:
                async for attempt in tenacity.AsyncRetrying(**kwargs):
                    with attempt:
                        started = ex.clock()
                        try:
                            chunks, buffered, state, started = await self._open(
                                dep, choice, deadline
                            )
                        except CostrouteError as exc:
                            ex.record(progress, dep, started, None, exc)
                            raise
            except ProviderError as exc:
                progress.learn(dep, exc)
                continue
            for chunk in buffered:
                yield chunk
            try:
                if chunks is not None:
                    async for chunk in chunks:
                        state.take(chunk)
                        yield chunk
            except CostrouteError as exc:
                usage = state.partial_usage()
                ex.record(progress, dep, started, usage, exc, state.ttft_ms, "interrupted")
                outcome = Outcome(None, dep, choice, progress.attempts, usage)
                self.costroute = self._finish(outcome, exc)
                raise StreamInterrupted(dep.name, "".join(state.text), exc) from exc
            usage = state.usage or state.partial_usage()
            ex.record(progress, dep, started, usage, None, state.ttft_ms)
            self.costroute = self._finish(
                Outcome(None, dep, choice, progress.attempts, usage), None
            )
            return
        raise ex._failed(progress)
