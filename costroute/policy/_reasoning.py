"""Reasoning effort per provider, from difficulty.

- OpenAI reasoning models: ``{"reasoning_effort": "low" | "medium" | "high"}``.
- Anthropic (Claude with extended thinking): ``{"thinking": {"type": "enabled",
  "budget_tokens": N}, "max_tokens": M}`` for hard requests only. Anthropic requires
  ``max_tokens > budget_tokens`` (so ``max_tokens`` is set, or the budget shrunk to fit the
  caller's) and no ``temperature``/``top_k`` (thinking is skipped, with a reason, when the caller
  set them). The smallest budget Anthropic accepts is 1,024 tokens.
- DeepSeek: no parameter; the reasoner and the chat deployments are chosen between instead
  (:func:`deepseek_first`, used by the rule :class:`costroute.policy.rules.set_reasoning`, which
  the presets' ``reasoning=True`` appends).

Only deployments whose ``capabilities.reasoning`` is true get parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from costroute.catalog import Deployment
from costroute.types import Request

__all__ = [
    "HIGH_FROM",
    "LOW_BELOW",
    "MIN_THINKING_BUDGET",
    "deepseek_first",
    "effort_for",
    "is_deepseek_reasoner",
    "reasoning_params",
]

LOW_BELOW = 0.35
"""Default difficulty below which the effort is ``"low"``."""

HIGH_FROM = 0.7
"""Default difficulty from which the effort is ``"high"`` (a hard request)."""

MIN_THINKING_BUDGET = 1024
"""Anthropic's minimum ``budget_tokens``."""

_ANSWER_ROOM = 4096
"""Output tokens left for the visible answer beside the thinking budget."""


def effort_for(difficulty: float, low_below: float, high_from: float) -> str:
    """``"low"`` below ``low_below``, ``"high"`` from ``high_from``, else ``"medium"``."""
    if difficulty >= high_from:
        return "high"
    if difficulty < low_below:
        return "low"
    return "medium"


def is_deepseek_reasoner(dep: Deployment) -> bool:
    """DeepSeek's reasoning deployments (R1 / reasoner), as opposed to its chat ones."""
    m = dep.model.lower()
    return dep.provider == "deepseek" and ("reasoner" in m or "-r1" in m)


def deepseek_first(
    deployments: Sequence[Deployment], difficulty: float, high_from: float
) -> tuple[list[Deployment], str | None]:
    """Re-seat the DeepSeek deployments: a reasoner (R1 / ``deepseek-reasoner``) first for a hard
    request (``difficulty >= high_from``), a non-reasoner (chat) first otherwise.

    The other deployments keep their places, and so do the seats DeepSeek deployments hold; only
    who sits in them changes. Returns the new order and, when the first DeepSeek seat changed
    hands, a reason saying so (None otherwise).
    """
    out = list(deployments)
    seats = [i for i, dep in enumerate(out) if dep.provider == "deepseek"]
    if len(seats) < 2:
        return out, None
    hard = difficulty >= high_from
    before = out[seats[0]]
    ordered = sorted((out[i] for i in seats), key=lambda dep: is_deepseek_reasoner(dep) != hard)
    for i, dep in zip(seats, ordered, strict=True):
        out[i] = dep
    after = out[seats[0]]
    if after is before:
        return out, None
    if hard:
        why = f"difficulty {difficulty:.2f} >= {high_from} -> DeepSeek reasoner {after.name}"
    else:
        why = f"difficulty {difficulty:.2f} < {high_from} -> DeepSeek non-reasoner {after.name}"
    return out, f"{why} before {before.name}"


def reasoning_params(
    request: Request,
    dep: Deployment,
    difficulty: float,
    *,
    low_below: float = LOW_BELOW,
    high_from: float = HIGH_FROM,
    thinking_budget: int = 8000,
) -> tuple[dict[str, Any], str | None]:
    """Parameters that set ``dep``'s reasoning effort for this request, and a reason (or None)."""
    if not dep.capabilities.reasoning or "reasoning_effort" in request.params:
        return {}, None
    effort = effort_for(difficulty, low_below, high_from)
    if dep.provider == "openai":
        return {"reasoning_effort": effort}, f"{dep.name}: reasoning_effort={effort}"
    if dep.provider != "anthropic" or effort != "high" or "thinking" in request.params:
        return {}, None
    blocked = [k for k in ("temperature", "top_k") if k in request.params]
    if blocked:
        return {}, f"{dep.name}: thinking skipped ({', '.join(blocked)} set by the caller)"
    cap = dep.capabilities.max_output
    if request.max_output_tokens is not None:
        # The caller's max_tokens covers thinking and answer: keep half of it (at most
        # _ANSWER_ROOM) for the answer, so that thinking cannot crowd it out.
        room = min(_ANSWER_ROOM, request.max_output_tokens // 2)
        budget = min(thinking_budget, request.max_output_tokens - room)
        max_tokens = request.max_output_tokens
    else:
        budget = min(thinking_budget, cap - _ANSWER_ROOM)
        max_tokens = min(cap, budget + _ANSWER_ROOM)
    if budget < MIN_THINKING_BUDGET:
        return {}, (
            f"{dep.name}: thinking skipped (max_tokens leaves < {MIN_THINKING_BUDGET} beside "
            "the answer)"
        )
    params = {"thinking": {"type": "enabled", "budget_tokens": budget}, "max_tokens": max_tokens}
    return params, f"{dep.name}: thinking budget {budget} tokens"
