"""User callbacks on routing events, dispatched so that a failing callback never breaks a call.

A callback that raises is logged at WARNING on the ``"costroute"`` logger (with its traceback)
and otherwise ignored: the call goes on, the next callbacks still run, and the response the
application gets is the same as without callbacks. ``BaseException`` that is not an
``Exception`` (``KeyboardInterrupt``, ``SystemExit``) is not swallowed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeAlias

from costroute.errors import ConfigError
from costroute.types import Attempt, CallInfo, Plan, Request

__all__ = ["Callbacks", "OnAttempt", "OnComplete", "OnDecision"]

log = logging.getLogger("costroute")

OnDecision: TypeAlias = Callable[[Plan, Request], Any]
"""``on_decision(plan, request)``: the policy decided, before any network call."""
OnAttempt: TypeAlias = Callable[[Attempt], Any]
"""``on_attempt(attempt)``: one try of one deployment ended (ok, error or interrupted)."""
OnComplete: TypeAlias = Callable[[CallInfo], Any]
"""``on_complete(info)``: the call was settled; ``info`` is what ``resp.costroute`` holds."""


def _listed(name: str, given: Any) -> tuple[Callable[..., Any], ...]:
    if given is None:
        return ()
    items = (given,) if callable(given) else tuple(given) if isinstance(given, Iterable) else None
    if items is None or not all(callable(f) for f in items):
        raise ConfigError(
            f"{name}={given!r} is not a callable (or a list of callables).",
            field=name,
            fix=f"pass a function, e.g. {name}=lambda *args: print(*args)",
        )
    return items


class Callbacks:
    """Calls the application's functions on each event; never lets them break a call.

    Each argument is one callable or a list of them, called in order::

        Callbacks(on_complete=lambda info: metrics.add(float(info.cost_usd)))
    """

    __slots__ = ("on_attempt", "on_complete", "on_decision")

    def __init__(
        self,
        on_decision: OnDecision | Iterable[OnDecision] | None = None,
        on_attempt: OnAttempt | Iterable[OnAttempt] | None = None,
        on_complete: OnComplete | Iterable[OnComplete] | None = None,
    ) -> None:
        self.on_decision = _listed("on_decision", on_decision)
        self.on_attempt = _listed("on_attempt", on_attempt)
        self.on_complete = _listed("on_complete", on_complete)

    def __bool__(self) -> bool:
        return bool(self.on_decision or self.on_attempt or self.on_complete)

    def __repr__(self) -> str:
        counts = ", ".join(
            f"{name}={len(getattr(self, name))}"
            for name in ("on_decision", "on_attempt", "on_complete")
            if getattr(self, name)
        )
        return f"<Callbacks {counts or 'none'}>"

    def decision(self, plan: Plan, request: Request) -> None:
        """Call every ``on_decision(plan, request)``."""
        for fn in self.on_decision:
            _safely("on_decision", fn, plan, request)

    def attempt(self, attempt: Attempt) -> None:
        """Call every ``on_attempt(attempt)``."""
        for fn in self.on_attempt:
            _safely("on_attempt", fn, attempt)

    def complete(self, info: CallInfo) -> None:
        """Call every ``on_complete(info)``."""
        for fn in self.on_complete:
            _safely("on_complete", fn, info)


def _safely(event: str, fn: Callable[..., Any], *args: Any) -> None:
    try:
        fn(*args)
    except Exception as exc:
        name = getattr(fn, "__qualname__", None) or repr(fn)
        log.warning(
            "costroute: the %s callback %s raised %s: %s (ignored; the call goes on)",
            event,
            name,
            type(exc).__name__,
            exc,
            exc_info=True,
        )
