"""What one call may cost at most: the worst case its budget reserves before any network call,
and the bounds a retry or a cut stream is checked against.

The worst case of an attempt is every input token uncached and every allowed output token
used, at the deployment's peak prices (``pricing.worst_case_cost``); a plan's is its dearest
choice plus its dearest escalation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from costroute import providers
from costroute.catalog import Deployment
from costroute.policy import output_cap
from costroute.pricing import worst_case_cost
from costroute.types import Choice, Plan, Request

__all__ = ["COUNT_ABOVE_TOKENS", "Counts", "WorstCases", "counts_prompt"]

ZERO = Decimal(0)


COUNT_ABOVE_TOKENS = 1024
"""``achat`` counts a prompt whose byte bound passes this many tokens in a worker thread."""


def counts_prompt(request: Request) -> bool:
    """Whether counting the prompt is long enough work to keep off the event loop: tokenizing a
    long prompt is milliseconds of CPU (a short one, tens of microseconds)."""
    return request.input_tokens_bound > COUNT_ABOVE_TOKENS


@dataclass(slots=True)
class Counts:
    """What one call's worst cases were computed from, kept for its budget cover (so a check
    before a retry never counts again): prompt tokens per provider, and each choice's bounds and
    worst case per (deployment, max_tokens)."""

    tokens: dict[str, int] = field(default_factory=dict)
    bounds: dict[tuple[str, Any], tuple[int, int]] = field(default_factory=dict)
    worst: dict[tuple[str, Any], Decimal] = field(default_factory=dict)

    @staticmethod
    def key(choice: Choice) -> tuple[str, Any]:
        return choice.deployment, choice.params.get("max_tokens")


class WorstCases:
    """Mixed into :class:`~costroute.router._state.RouterState`: the worst cases of a call over
    its deployments; no I/O (the tokenizer aside, see :class:`Counts`)."""

    deployments: dict[str, Deployment]

    def input_tokens(self, request: Request, dep: Deployment, counted: dict[str, int]) -> int:
        """The prompt tokens to reserve for on ``dep``: the provider tokenizer's count of the
        messages and tools (where litellm's is exact) plus a framing margin plus the bound of
        the billed parameters it does not count (``request.uncounted_tokens_bound``), else the
        conservative byte bound; never more than the bound. ``counted`` caches a count per
        provider within one call."""
        bound = request.input_tokens_bound
        if request.needs_vision or dep.provider not in providers.EXACT_PROVIDERS:
            return bound
        if dep.provider not in counted:
            exact = providers.count_prompt_tokens(
                dep, request.messages, request.params.get("tools")
            )
            counted[dep.provider] = (
                bound
                if exact is None
                else exact + _margin(request) + request.uncounted_tokens_bound
            )
        return min(bound, counted[dep.provider])

    def attempt_bounds(self, request: Request, choice: Choice, counts: Counts) -> tuple[int, int]:
        """(input tokens, output tokens) reserved for one attempt of ``choice``."""
        key = counts.key(choice)
        found = counts.bounds.get(key)
        if found is None:
            dep = self.deployments[choice.deployment]
            cap = choice.params.get("max_tokens") or output_cap(request, dep)
            found = counts.bounds[key] = (self.input_tokens(request, dep, counts.tokens), cap)
        return found

    def attempt_worst_case(self, request: Request, choice: Choice, counts: Counts) -> Decimal:
        """The most one attempt of ``choice`` can cost: its bounds at the peak prices."""
        key = counts.key(choice)
        found = counts.worst.get(key)
        if found is None:
            tokens, cap = self.attempt_bounds(request, choice, counts)
            prices = self.deployments[choice.deployment].prices
            found = counts.worst[key] = worst_case_cost(tokens, cap, prices)
        return found

    def worst_case(self, request: Request, plan: Plan, counts: Counts | None = None) -> Decimal:
        """The most the plan can cost if one attempt is billed: its dearest choice, plus the
        dearest escalation. (Each further billed attempt is covered as it comes: see
        :class:`~costroute.router._cover.BudgetCover`.) ``counts`` keeps what was computed."""
        counts = Counts() if counts is None else counts

        def dearest(choices: Iterable[Choice]) -> Decimal:
            return max((self.attempt_worst_case(request, c, counts) for c in choices), default=ZERO)

        extra = dearest(plan.cascade.escalate_to) if plan.cascade is not None else ZERO
        return dearest(plan.choices) + extra


def _margin(request: Request) -> int:
    """Room for what a provider adds around the counted messages (chat template tokens)."""
    return 8 * len(request.messages) + 16
