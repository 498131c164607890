"""Retry settings and the tenacity controllers built from them.

Retries are costroute's alone (litellm's and the openai SDK's stay off). A retryable error
(429, 5xx, 529, timeouts, connection errors, an unreadable 200) is retried on the same
deployment with exponential backoff and full jitter, or after the provider's Retry-After when it
sent one; never past the call's deadline. The executor iterates the attempts as tenacity
documents it::

    for attempt in retrying(config, deadline, clock, sleep):
        with attempt:
            ...  # one attempt; a retryable ProviderError is retried, anything else re-raised
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import tenacity
from tenacity import RetryCallState

from costroute import errors
from costroute.errors import ConfigError

__all__ = ["RetryConfig", "aretrying", "retry_strategies", "retrying"]

Clock = Callable[[], float]
Rng = Callable[[], float]


def _number(value: Any, *, integer: bool = False) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) if integer else isinstance(value, int | float)


@dataclass(frozen=True, slots=True)
class RetryConfig:
    """How hard to try one deployment before falling back to the next.

    ``attempts`` counts tries per deployment (1 = no retry); waits grow from ``backoff_s`` by
    doubling up to ``max_backoff_s`` with full jitter (a uniform draw between 0 and the cap);
    a Retry-After longer than ``max_retry_after_s``, or one that would end past the call's
    deadline, is not waited for: the executor falls back to the next deployment instead.

    >>> RetryConfig(attempts=3, backoff_s=0.25)
    RetryConfig(attempts=3, backoff_s=0.25, max_backoff_s=8.0, max_retry_after_s=30.0)
    """

    attempts: int = 2
    backoff_s: float = 0.5
    max_backoff_s: float = 8.0
    max_retry_after_s: float = 30.0

    def __post_init__(self) -> None:
        checks: tuple[tuple[str, Callable[[], bool], str], ...] = (
            ("attempts", lambda: _number(self.attempts, integer=True), "use a whole number"),
            ("attempts", lambda: self.attempts >= 1, "use 1 (no retry) or more"),
            ("backoff_s", lambda: _number(self.backoff_s), "use a number of seconds"),
            ("backoff_s", lambda: self.backoff_s >= 0, "use 0 or more seconds"),
            ("max_backoff_s", lambda: _number(self.max_backoff_s), "use a number of seconds"),
            ("max_backoff_s", lambda: self.max_backoff_s >= self.backoff_s, "use >= backoff_s"),
            ("max_retry_after_s", lambda: _number(self.max_retry_after_s), "use seconds"),
            ("max_retry_after_s", lambda: self.max_retry_after_s >= 0, "use 0 or more seconds"),
        )
        for field, ok, fix in checks:  # in order: a later check may rely on an earlier one
            if not ok():
                raise ConfigError(
                    f"RetryConfig.{field}={getattr(self, field)!r} is invalid.",
                    field=f"retry.{field}",
                    fix=fix,
                )


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, errors.ProviderError) and exc.retryable


class _FullJitter(tenacity.wait.wait_base):
    """``rng() * min(max, base * 2 ** (n - 1))``: AWS's "full jitter", with injectable randomness."""

    def __init__(self, base: float, cap: float, rng: Rng) -> None:
        self.base = base
        self.cap = cap
        self.rng = rng

    def __call__(self, retry_state: RetryCallState) -> float:
        exponent = min(retry_state.attempt_number - 1, 62)
        return self.rng() * min(self.cap, self.base * 2.0**exponent)


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
    """Stop when the next wait would end past the deadline, or Retry-After is too long.

    Reads ``retry_state.upcoming_sleep``: tenacity computes the wait before asking the stop
    strategy since 8.3 (the floor in pyproject.toml).
    """

    def __init__(self, deadline: float, clock: Clock, max_retry_after: float) -> None:
        self.deadline = deadline
        self.clock = clock
        self.max_retry_after = max_retry_after

    def __call__(self, retry_state: RetryCallState) -> bool:
        upcoming = retry_state.upcoming_sleep
        if upcoming > self.max_retry_after:
            return True
        return self.clock() + upcoming >= self.deadline


def retry_strategies(
    config: RetryConfig, deadline: float, clock: Clock, rng: Rng | None = None
) -> dict[str, Any]:
    """Keyword arguments of ``tenacity.Retrying`` for one deployment of one call."""
    wait = _WaitRetryAfter(
        _FullJitter(config.backoff_s, config.max_backoff_s, rng or random.random)
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


def retrying(
    config: RetryConfig,
    deadline: float,
    clock: Clock,
    sleep: Callable[[float], None],
    rng: Rng | None = None,
) -> tenacity.Retrying:
    """The attempts on one deployment of one call; the last error is re-raised when they stop."""
    return tenacity.Retrying(sleep=sleep, **retry_strategies(config, deadline, clock, rng))


def aretrying(
    config: RetryConfig,
    deadline: float,
    clock: Clock,
    asleep: Callable[[float], Awaitable[None]] | None,
    rng: Rng | None = None,
) -> tenacity.AsyncRetrying:
    """Async twin of :func:`retrying` (``asleep=None`` waits with ``asyncio.sleep``)."""
    kwargs = retry_strategies(config, deadline, clock, rng)
    if asleep is not None:
        kwargs["sleep"] = asleep
    return tenacity.AsyncRetrying(**kwargs)
