"""The cascade: the intent a plan carries (``Plan.cascade``: try the cheap choice, check its
answer, escalate) and the ``cascade`` preset that sets it. See docs/policies.md for the
executor's contract.

Loaded on first use of ``cascade``: a router on another preset loads neither it nor the
acceptance checks (:mod:`costroute.policy.acceptance`).
"""

from __future__ import annotations

from collections.abc import Iterable

from costroute.policy import rules
from costroute.policy._rules_policy import Rules
from costroute.policy.acceptance import AcceptanceCheck, default_check
from costroute.types import Cascade

__all__ = ["Cascade", "cascade"]


def cascade(
    check: AcceptanceCheck = default_check,
    *,
    to_tier: int = 3,
    to: Iterable[str] = (),
    name: str = "cascade",
    baseline: str | None = None,
) -> Rules:
    """The cheapest capable deployment first; if ``check`` rejects its answer (default: empty,
    refusal, invalid JSON, mismatched tool call), the cheapest of tier >= ``to_tier`` (or of
    the named deployments). Both attempts are billed and recorded."""
    chain = (
        rules.prefer_cheap() | rules.set_reasoning() | rules.cascade_to(check, tier=to_tier, to=to)
    )
    return Rules(chain, name=name, baseline=baseline)
