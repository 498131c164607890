"""Streams served from the response cache: the stored answer replayed as chunks.

They look like :class:`~costroute.executor.StreamRun` to the caller (iterate once, read
``.costroute``), but ``.costroute`` is set at once: the hit was settled when it was served.
A second iteration raises :class:`~costroute.errors.InvalidRequestError`, as a live stream's does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from costroute.errors import InvalidRequestError
from costroute.types import CallInfo

__all__ = ["AsyncReplayStream", "ReplayStream"]


def _take(chunks: list[Any] | None) -> list[Any]:
    if chunks is None:
        raise InvalidRequestError(
            "This stream was iterated already; a stream is read once (nothing was sent again).",
            field="stream",
            fix="keep the chunks while iterating, or call chat(stream=True) again for a new answer",
        )
    return chunks


class ReplayStream:
    """A cached answer as a synchronous stream of chunks."""

    def __init__(self, chunks: list[Any], info: CallInfo) -> None:
        self._chunks: list[Any] | None = chunks
        self.costroute = info

    def __iter__(self) -> Iterator[Any]:
        chunks, self._chunks = _take(self._chunks), None
        return iter(chunks)

    def close(self) -> None:
        """Nothing to settle (a hit costs nothing); the stream is not read afterwards."""
        self._chunks = None

    def __enter__(self) -> ReplayStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<ReplayStream {self.costroute!r}>"


class AsyncReplayStream:
    """A cached answer as an async stream of chunks."""

    def __init__(self, chunks: list[Any], info: CallInfo) -> None:
        self._chunks: list[Any] | None = chunks
        self.costroute = info

    def __aiter__(self) -> AsyncIterator[Any]:
        chunks, self._chunks = _take(self._chunks), None
        return self._run(chunks)

    async def close(self) -> None:
        """Nothing to settle (a hit costs nothing); the stream is not read afterwards."""
        self._chunks = None

    async def __aenter__(self) -> AsyncReplayStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _run(self, chunks: list[Any]) -> AsyncIterator[Any]:
        for chunk in chunks:
            yield chunk

    def __repr__(self) -> str:
        return f"<AsyncReplayStream {self.costroute!r}>"
