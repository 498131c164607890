"""Which OpenAI request parameters a deployment accepts, and at which values.

The facts come from litellm (``costroute.providers.param_rules`` reads them lazily, once per
model); this module holds them and judges a request against them, with no litellm import.

Two kinds of parameters are told apart (docs/deployments.md, "Request parameters"):

- :data:`HINTS` steer sampling or reasoning (``temperature``, ``seed``, penalties,
  ``logit_bias``, ``logprobs``, ``reasoning_effort`` ...). A deployment that cannot take one
  answers without it (the router drops it for that deployment only and says so), unless the
  call is ``params="strict"``.
- Every other parameter of :data:`CHECKED_PARAMS` (``n``, ``tools``, ``response_format``,
  ``stop``, ``audio`` ...) shapes the answer: a deployment that cannot take it is skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["CHECKED_PARAMS", "HINTS", "ParamRules"]

CHECKED_PARAMS: frozenset[str] = frozenset(
    {
        "audio",
        "context_management",
        "frequency_penalty",
        "function_call",
        "functions",
        "include_server_side_tool_invocations",
        "logit_bias",
        "logprobs",
        "max_completion_tokens",
        "max_tokens",
        "modalities",
        "n",
        "parallel_tool_calls",
        "prediction",
        "presence_penalty",
        "prompt_cache_key",
        "prompt_cache_retention",
        "reasoning_effort",
        "response_format",
        "safety_identifier",
        "seed",
        "service_tier",
        "stop",
        "store",
        "temperature",
        "thinking",
        "tool_choice",
        "tools",
        "top_logprobs",
        "top_p",
        "verbosity",
        "web_search_options",
    }
)
"""The OpenAI chat parameters litellm checks against each model before a call (its
``DEFAULT_CHAT_COMPLETION_PARAM_VALUES``, less the ones costroute sets itself: ``stream``,
``stream_options``, ``max_retries``, ``extra_headers``, and litellm's own ``metadata``).
Any other keyword goes to litellm unchecked."""

HINTS: frozenset[str] = frozenset(
    {
        "frequency_penalty",
        "logit_bias",
        "logprobs",
        "presence_penalty",
        "prompt_cache_key",
        "prompt_cache_retention",
        "reasoning_effort",
        "safety_identifier",
        "seed",
        "service_tier",
        "store",
        "temperature",
        "thinking",
        "top_logprobs",
        "top_p",
        "verbosity",
    }
)
"""Parameters that steer sampling, reasoning or provider bookkeeping but not the shape of the
answer: dropped for a deployment that cannot take them (unless ``params="strict"``)."""


@dataclass(frozen=True, slots=True)
class ParamRules:
    """The OpenAI parameters one deployment accepts.

    ``accepted`` is None when litellm does not know the model: every parameter passes.
    ``fixed`` holds parameters accepted at one value only (a reasoning model's
    ``temperature=1``); ``effort_none`` those accepted (at any value) only while the
    reasoning effort resolves to ``"none"``: the call's ``reasoning_effort``, else
    ``default_effort``, the model's own.
    """

    accepted: frozenset[str] | None = None
    fixed: tuple[tuple[str, Any], ...] = ()
    effort_none: frozenset[str] = frozenset()
    default_effort: str | None = None

    def refusal(self, name: str, value: Any, sent: Mapping[str, Any]) -> str | None:
        """Why this deployment would refuse ``name=value`` sent beside ``sent``, or None."""
        if self.accepted is None or name not in CHECKED_PARAMS:
            return None
        if name not in self.accepted:
            return f"does not accept {name}"
        fixed = dict(self.fixed)
        at_fixed = name in fixed and value == fixed[name]
        if name in self.effort_none:
            effort = sent.get("reasoning_effort") or self.default_effort
            if effort == "none" or at_fixed:
                return None
            return f"accepts {name} only with reasoning_effort='none' (not {effort!r})"
        if name in fixed and not at_fixed:
            return f"accepts only {name}={fixed[name]!r}"
        return None
