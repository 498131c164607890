"""Breaker settings, the state a breaker reports, and the backend protocol. No I/O."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from costroute.errors import ConfigError

__all__ = ["BUCKETS", "BreakerConfig", "BreakerState", "Breakers", "StateName"]

StateName = Literal["closed", "open", "half_open"]

# The failure-rate window is kept as this many time buckets (bounded memory, and the window
# slides in steps of window_s / BUCKETS).
BUCKETS = 10


def _bad(name: str, value: object, rule: str, fix: str) -> ConfigError:
    return ConfigError(
        f"BreakerConfig: {name}={value!r} {rule}.", field=f"BreakerConfig.{name}", fix=fix
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_pos(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


@dataclass(frozen=True, slots=True)
class BreakerConfig:
    """When a deployment's breaker opens, and for how long.

    It opens after ``consecutive_failures`` failures in a row, or when at least ``min_calls``
    calls in the last ``window_s`` seconds failed at a rate of ``failure_rate`` or more (checked
    when a failure is recorded); ``None`` turns either rule off. Open, it refuses calls for
    ``cooldown_s``; then it lets exactly one probe call through (half-open). The probe's success
    closes it, its failure re-opens it for another cooldown; a probe that never reports is
    replaced after ``probe_timeout_s``.
    """

    consecutive_failures: int | None = 5
    failure_rate: float | None = 0.5
    min_calls: int = 20
    window_s: float = 60.0
    cooldown_s: float = 30.0
    probe_timeout_s: float = 60.0

    def __post_init__(self) -> None:
        n = self.consecutive_failures
        if n is not None and not (_is_int(n) and n >= 1):
            raise _bad(
                "consecutive_failures", n, "must be an integer >= 1 or None", "e.g. 5, or None"
            )
        r = self.failure_rate
        if r is not None and not (_is_pos(r) and r <= 1):
            raise _bad("failure_rate", r, "must be in (0, 1] or None", "e.g. 0.5, or None")
        if n is None and r is None:
            raise _bad(
                "consecutive_failures",
                None,
                "and failure_rate=None leave nothing that could open the breaker",
                "set consecutive_failures, failure_rate, or both",
            )
        if not (_is_int(self.min_calls) and self.min_calls >= 1):
            raise _bad("min_calls", self.min_calls, "must be an integer >= 1", "e.g. 20")
        for name in ("window_s", "cooldown_s", "probe_timeout_s"):
            if not _is_pos(getattr(self, name)):
                raise _bad(name, getattr(self, name), "must be a number of seconds > 0", "e.g. 30")


@dataclass(frozen=True, slots=True)
class BreakerState:
    """One deployment's breaker: ``state``, consecutive ``failures``, when it opened and when
    it lets a probe through (``None`` while closed), and the calls and failures counted in the
    failure-rate window."""

    state: StateName
    failures: int
    opened_at: float | None
    retry_at: float | None
    window_calls: int = 0
    window_failures: int = 0


@runtime_checkable
class Breakers(Protocol):
    """Circuit breakers per deployment; implemented in memory and in Redis.

    The router calls :meth:`open_set` before planning (``Signals.open_breakers``),
    :meth:`allow` before each attempt, and :meth:`record_success` / :meth:`record_failure`
    after it (they return the state after the record). Blocking calls: the router's ``achat``
    makes them in a worker thread.
    """

    config: BreakerConfig

    def allow(self, deployment: str) -> bool: ...

    def record_success(self, deployment: str) -> StateName: ...

    def record_failure(self, deployment: str) -> StateName: ...

    def open_set(self, names: Iterable[str]) -> frozenset[str]: ...

    def state(self, deployment: str) -> BreakerState: ...
