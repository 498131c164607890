"""The executor: runs a plan with retries (tenacity), fallbacks and one deadline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from costroute._lazy import lazy_names
from costroute.executor._retry import RetryConfig
from costroute.executor._run import Executor, Outcome

if TYPE_CHECKING:
    from costroute.executor._stream import AsyncStreamRun, StreamRun

__all__ = ["AsyncStreamRun", "Executor", "Outcome", "RetryConfig", "StreamRun"]

__getattr__ = lazy_names(
    __name__,
    {
        "AsyncStreamRun": "costroute.executor._stream",
        "StreamRun": "costroute.executor._stream",
    },
)
