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
"""A prompt whose byte bound passes this many tokens is counted with the tokenizer up front."""


def counts_prompt(request: Request) -> bool:
    """Whether a call counts its prompt before reserving (see :class:`Counts`)."""
    return request.input_tokens_bound > COUNT_ABOVE_TOKENS


@dataclass(slots=True)
class Counts:
    """What one call's worst cases were computed from, kept for its budget cover (so a check
    before a retry never counts again): prompt tokens per provider, and each choice's bounds and
    worst case per (deployment, max_tokens).

    ``exact`` says whether the prompt is counted with the provider's tokenizer (litellm's,
    where it is exact) or taken at the request's conservative byte bound, which needs no
    tokenizer. :meth:`for_request` counts a long prompt (a byte bound over
    :data:`COUNT_ABOVE_TOKENS`: there the bound can be several times the count, which would hold
    budget room that concurrent calls need) and takes a short one at its bound (at most about a
    thousand tokens over). Counting costs little on its own, but it releases the GIL, and on an
    event loop whose worker threads are busy (litellm prepares each async call in one) getting
    it back took about 4 ms a call (``benchmarks/concurrency.py``, 1,000 calls): ``achat``
    counts a long prompt in a worker thread. A short prompt is counted only where that can
    change an outcome: when the bound does not fit the budget (:meth:`RouterState.reserve`,
    :meth:`~costroute.router._cover.BudgetCover.shortfall`), and for the usage estimate of a
    stream cut without a usage block.
    """

    tokens: dict[str, int] = field(default_factory=dict)
    bounds: dict[tuple[str, Any], tuple[int, int]] = field(default_factory=dict)
    worst: dict[tuple[str, Any], Decimal] = field(default_factory=dict)
    exact: bool = False

    @classmethod
    def for_request(cls, request: Request) -> Counts:
        """The counts a call starts with: counted for a long prompt, at the bound otherwise."""
        return cls(exact=counts_prompt(request))

    @staticmethod
    def key(choice: Choice) -> tuple[str, Any]:
        return choice.deployment, choice.params.get("max_tokens")

    def count_exactly(self) -> bool:
        """Switch to the tokenizer's counts (forgetting what the bound gave); False when they
        were already in use, so that nothing would change."""
        if self.exact:
            return False
        self.exact = True
        self.tokens.clear()
        self.bounds.clear()
        self.worst.clear()
        return True


class WorstCases:
    """Mixed into :class:`~costroute.router._state.RouterState`: the worst cases of a call over
    its deployments; no I/O (the tokenizer aside, see :class:`Counts`)."""

    deployments: dict[str, Deployment]

    def input_tokens(self, request: Request, dep: Deployment, counts: Counts) -> int:
        """The prompt tokens to reserve for on ``dep``: the conservative byte bound, or, once
        ``counts`` is exact, the provider tokenizer's count of the messages and tools (where
        litellm's is exact) plus a framing margin plus the bound of the billed parameters it
        does not count (``request.uncounted_tokens_bound``); never more than the bound.
        ``counts`` caches a count per provider within one call."""
        bound = request.input_tokens_bound
        if (
            not counts.exact
            or request.needs_vision
            or dep.provider not in providers.EXACT_PROVIDERS
        ):
            return bound
        counted = counts.tokens
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
            found = counts.bounds[key] = (self.input_tokens(request, dep, counts), cap)
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
        counts = Counts.for_request(request) if counts is None else counts

        def dearest(choices: Iterable[Choice]) -> Decimal:
            return max((self.attempt_worst_case(request, c, counts) for c in choices), default=ZERO)

        extra = dearest(plan.cascade.escalate_to) if plan.cascade is not None else ZERO
        return dearest(plan.choices) + extra


def _margin(request: Request) -> int:
    """Room for what a provider adds around the counted messages (chat template tokens)."""
    return 8 * len(request.messages) + 16
