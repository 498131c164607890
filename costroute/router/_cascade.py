"""The cascade stage: check a cheap answer, and escalate when the check rejects it.

The contract (docs/policies.md): the plan's choices answer first; ``plan.cascade.check``
looks at the answer's message; a reason escalates to ``plan.cascade.escalate_to`` as a plan of
its own (same retries and fallbacks, the time left before the deadline). Every attempt of both
stages is billed and recorded. If the escalation fails entirely, the first answer stands and the
reasons say why. If the check itself fails (raises, or returns neither a reason nor None), the
first answer, already paid for, stands too: the call settles through the normal path (cost in the
ledger, budget reservation settled), the reasons name the check and its error, and the
``costroute`` logger warns with the traceback. Streams never cascade (their answer is already on
its way to the caller). The escalation's attempts are covered by the call's reservation, counted
after what the first stage billed; if the budget cannot cover one, the escalation stops there
(BudgetExceeded, kept as the reason) and the first answer stands. An escalation cut short
(cancelled, interrupted) raises through here: the router settles the first answer, already
billed, before the exception goes on.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any

from costroute.errors import CostrouteError
from costroute.executor import Executor, Outcome
from costroute.types import AcceptanceCheck, Plan, Request

if TYPE_CHECKING:
    from costroute.router._cover import BudgetCover

__all__ = ["acascade", "cascade"]

log = logging.getLogger("costroute")


def _message(response: Any) -> dict[str, Any]:
    choices = getattr(response, "choices", None) or ()
    message = getattr(choices[0], "message", None) if choices else None
    if message is None:
        return {}
    dump = getattr(message, "model_dump", None)
    return dict(dump()) if callable(dump) else dict(message)


def _verdict(check: AcceptanceCheck, request: Request, message: dict[str, Any]) -> str | None:
    """The check's reason to escalate, or None to accept; TypeError for any other answer."""
    out: object = check(request, message)
    if isinstance(out, str):
        return out or None
    if out is None or out is False:
        return None
    if out is True:
        return f"{getattr(check, '__name__', 'the check')} rejected the answer"
    raise TypeError(f"returned {out!r}; a check returns a reason (str) or None")


def _escalation(plan: Plan, request: Request, first: Outcome) -> tuple[Plan, str] | Outcome | None:
    """The plan to escalate to and why; None to answer with ``first``; or, when the check
    failed, ``first`` with a note saying so (it is answered with, checked or not)."""
    intent = plan.cascade
    if intent is None or first.response is None:
        return None
    try:
        reason = _verdict(intent.check, request, _message(first.response))
    except Exception as exc:
        name = getattr(intent.check, "__name__", repr(intent.check))
        log.warning(
            "costroute: acceptance check %s failed on the answer of %s; kept that answer",
            name,
            first.deployment.name,
            exc_info=exc,
        )
        out = dataclasses.replace(first)
        out.notes = [
            *first.notes,
            f"acceptance check {name} failed ({type(exc).__name__}: {exc}); kept the first "
            "answer, unchecked and not escalated (fix the check)",
        ]
        return out
    if reason is None:
        return None
    return dataclasses.replace(plan, choices=intent.escalate_to, cascade=None), reason


def _merged(first: Outcome, second: Outcome | None, reason: str, error: Any = None) -> Outcome:
    attempts = list(first.attempts)
    if second is not None:
        attempts += second.attempts  # the second stage's own: a fresh run, none repeated
        out = dataclasses.replace(second, attempts=attempts)
        out.notes = [*first.notes, f"escalated: {reason}", *second.notes]
        return out
    attempts += list(getattr(error, "attempts", ()))
    out = dataclasses.replace(first, attempts=attempts)
    out.notes = [
        *first.notes,
        f"escalated: {reason}",
        f"escalation failed: {type(error).__name__}; kept the first answer",
    ]
    return out


def cascade(
    ex: Executor,
    plan: Plan,
    request: Request,
    first: Outcome,
    left: float,
    cover: BudgetCover | None = None,
) -> Outcome:
    """The final outcome of a plan whose first stage answered ``first``; ``cover`` (the call's
    reservation) counts what the first stage billed when it covers the escalation's attempts."""
    step = _escalation(plan, request, first)
    if step is None:
        return first
    if isinstance(step, Outcome):
        return step
    second_plan, reason = step
    try:
        later = cover.after(first.attempts) if cover is not None else None
        second = ex.run(second_plan, request, max(left, 0.001), cover=later)
    except CostrouteError as exc:
        return _merged(first, None, reason, exc)
    return _merged(first, second, reason)


async def acascade(
    ex: Executor,
    plan: Plan,
    request: Request,
    first: Outcome,
    left: float,
    cover: BudgetCover | None = None,
) -> Outcome:
    """Async twin of :func:`cascade`."""
    step = _escalation(plan, request, first)
    if step is None:
        return first
    if isinstance(step, Outcome):
        return step
    second_plan, reason = step
    try:
        later = cover.after(first.attempts) if cover is not None else None
        second = await ex.arun(second_plan, request, max(left, 0.001), cover=later)
    except CostrouteError as exc:
        return _merged(first, None, reason, exc)
    return _merged(first, second, reason)
