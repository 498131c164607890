"""Streams served from the response cache: the stored answer replayed as chunks.

They look like :class:`~costroute.executor.StreamRun` to the caller (iterate once, read
``.costroute``), but ``.costroute`` is set at once: the hit was settled when it was served.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from costroute.types import CallInfo

__all__ = ["AsyncReplayStream", "ReplayStream"]


class ReplayStream:
    """A cached answer as a synchronous stream of chunks."""

    def __init__(self, chunks: list[Any], info: CallInfo) -> None:
        self._chunks = chunks
        self.costroute = info

    def __iter__(self) -> Iterator[Any]:
        return iter(self._chunks)

    def __repr__(self) -> str:
        return f"<ReplayStream {len(self._chunks)} chunks {self.costroute!r}>"


class AsyncReplayStream:
    """A cached answer as an async stream of chunks."""

    def __init__(self, chunks: list[Any], info: CallInfo) -> None:
        self._chunks = chunks
        self.costroute = info

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._run()

    async def _run(self) -> AsyncIterator[Any]:
        for chunk in self._chunks:
            yield chunk

    def __repr__(self) -> str:
        return f"<AsyncReplayStream {len(self._chunks)} chunks {self.costroute!r}>"
