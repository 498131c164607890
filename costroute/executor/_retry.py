"""Retry settings and the tenacity strategies built from them.

Retries are costroute's alone (litellm's and the openai SDK's stay off). A retryable error
(429, 5xx, 529, timeouts, connection errors, an unreadable 200) is retried on the same
deployment with exponential backoff and full jitter, or after the provider's Retry-After when it
sent one; never past the call's deadline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import tenacity
from tenacity import RetryCallState

from costroute.errors import ConfigError, ProviderError

__all__ = ["RetryConfig", "retry_strategies"]


@dataclass(frozen=True, slots=True)
class RetryConfig:
    """How hard to try one deployment before falling back to the next.

    ``attempts`` counts tries per deployment (1 = no retry); waits grow from ``backoff_s`` by
    doubling up to ``max_backoff_s`` with full jitter; a Retry-After longer than
    ``max_retry_after_s`` is not waited for (the executor falls back instead).
    """

    attempts: int = 2
    backoff_s: float = 0.5
    max_backoff_s: float = 8.0
    max_retry_after_s: float = 30.0

    def __post_init__(self) -> None:
        checks = (
            ("attempts", self.attempts >= 1, "use 1 (no retry) or more"),
            ("backoff_s", self.backoff_s >= 0, "use 0 or more seconds"),
            ("max_backoff_s", self.max_backoff_s >= self.backoff_s, "use >= backoff_s"),
            ("max_retry_after_s", self.max_retry_after_s >= 0, "use 0 or more seconds"),
        )
        for field, ok, fix in checks:
            if not ok:
                raise ConfigError(
                    f"RetryConfig.{field}={getattr(self, field)!r} is invalid.",
                    field=f"retry.{field}",
                    fix=fix,
                )


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, ProviderError) and exc.retryable


class _WaitRetryAfter(tenacity.wait.wait_base):
    """The provider's Retry-After when it sent one, else the fallback strategy."""

    def __init__(self, fallback: tenacity.wait.wait_base) -> None:
        self.fallback = fallback

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome is not None else None
        after = getattr(exc, "retry_after", None)
        if isinstance(after, int | float):
            return float(after)
        return float(self.fallback(retry_state))


class _StopAtDeadline(tenacity.stop.stop_base):
    """Stop when the next wait would end past the deadline, or Retry-After is too long."""

    def __init__(self, deadline: float, clock: Callable[[], float], max_retry_after: float) -> None:
        self.deadline = deadline
        self.clock = clock
        self.max_retry_after = max_retry_after

    def __call__(self, retry_state: RetryCallState) -> bool:
        upcoming = retry_state.upcoming_sleep
        if upcoming > self.max_retry_after:
            return True
        return self.clock() + upcoming >= self.deadline


def retry_strategies(
    config: RetryConfig, deadline: float, clock: Callable[[], float]
) -> dict[str, Any]:
    """Keyword arguments of ``tenacity.Retrying`` for one deployment of one call."""
    wait = _WaitRetryAfter(
        tenacity.wait_random_exponential(multiplier=config.backoff_s, max=config.max_backoff_s)
    )
    stop = tenacity.stop_after_attempt(config.attempts) | _StopAtDeadline(
        deadline, clock, config.max_retry_after_s
    )
    return {
        "stop": stop,
        "wait": wait,
        "retry": tenacity.retry_if_exception(_retryable),
        "reraise": True,
    }
