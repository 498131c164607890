"""The executor: runs a plan with retries (tenacity), fallbacks and one deadline."""

from __future__ import annotations

from costroute.executor._retry import RetryConfig
from costroute.executor._run import Executor, Outcome
from costroute.executor._stream import AsyncStreamRun, StreamRun

__all__ = ["AsyncStreamRun", "Executor", "Outcome", "RetryConfig", "StreamRun"]
