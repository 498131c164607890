"""Streamed calls with failover: :class:`StreamRun` and its async twin :class:`AsyncStreamRun`
over the shared base (costroute/executor/_stream_base.py, whose docstring says how failover,
billing and the usage chunk work)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from costroute import errors, providers
from costroute.catalog import Deployment
from costroute.errors import CostrouteError
from costroute.executor._cover import Uncovered, acover_next, cover_next, refused
from costroute.executor._outcome import Progress
from costroute.executor._params import call_params
from costroute.executor._stream_base import _StreamRunBase, _StreamState
from costroute.types import Choice

__all__ = ["AsyncStreamRun", "StreamRun"]


class StreamRun(_StreamRunBase):
    """A synchronous stream over a plan; iterate it once. ``finish`` settles the call."""

    def _open(
        self, dep: Deployment, choice: Choice, deadline: float, progress: Progress
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
        release = self._closing()
        if release is not None:
            release()
        elif self._started and self._gen is not None:
            self._gen.close()

    def __enter__(self) -> StreamRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> Iterator[Any]:
        self._started = True
        ex = self._ex
        deadline = ex.clock() + self._timeout
        progress = Progress()
        stopped: BaseException | None = None
        for choice, dep in ex.candidates(self._plan, progress, deadline):
            if not ex.allows(dep, progress):
                continue
            try:
                for attempt in ex.attempts(deadline):
                    with attempt:
                        chunks, buffered, state = self._open(dep, choice, deadline, progress)
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
    """Async twin of :class:`StreamRun`: ``async for chunk in await router.achat(stream=True)``.

    It settles through :meth:`Executor.aoffload`: in a worker thread when the router's
    bookkeeping blocks (a ledger, Redis), so that the event loop never waits for it."""

    async def _acompleted(
        self,
        progress: Progress,
        dep: Deployment,
        choice: Choice,
        state: _StreamState,
        *,
        closed: bool = False,
    ) -> None:
        outcome = self._completion(progress, dep, choice, state, closed=closed)
        self.costroute = await self._ex.aoffload(self._finish, outcome, None)

    async def _ainterrupted(
        self,
        progress: Progress,
        dep: Deployment,
        choice: Choice,
        state: _StreamState,
        cause: BaseException | None,
    ) -> errors.StreamInterrupted:
        outcome, error = self._interruption(progress, dep, choice, state, cause)
        self.costroute = await self._ex.aoffload(self._finish, outcome, error)
        return error

    async def _open(
        self, dep: Deployment, choice: Choice, deadline: float, progress: Progress
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
        release = self._closing()
        if release is not None:
            await self._ex.aoffload(release)
        elif self._started and self._gen is not None:
            await self._gen.aclose()

    async def __aenter__(self) -> AsyncStreamRun:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _run(self) -> AsyncIterator[Any]:
        self._started = True
        ex = self._ex
        deadline = ex.clock() + self._timeout
        progress = Progress()
        stopped: BaseException | None = None
        for choice, dep in ex.candidates(self._plan, progress, deadline):
            if not await ex.aallows(dep, progress):
                continue
            try:
                async for attempt in ex.aattempts(deadline):
                    with attempt:
                        chunks, buffered, state = await self._open(dep, choice, deadline, progress)
            except errors.ProviderError as exc:
                await ex._alearn(self._plan, progress, dep, exc, self._finish)
                continue
            except Uncovered as stop:
                stopped = refused(stop, progress.attempts)
                break
            except BaseException as exc:
                await ex.aabandon(self._plan, progress, exc, self._finish)
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
