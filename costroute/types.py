"""Value types shared by every part of costroute.

Plain frozen dataclasses with slots: they are built on every call, so they stay cheap. Money is
:class:`decimal.Decimal` in US dollars throughout, so sums are exact to the last digit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

if TYPE_CHECKING:
    from costroute.catalog import Deployment

__all__ = [
    "AcceptanceCheck",
    "Attempt",
    "CallInfo",
    "Cascade",
    "Choice",
    "Plan",
    "Request",
    "Signals",
    "Usage",
]

ZERO = Decimal(0)

Provider = Literal["openai", "anthropic", "deepseek", "other"]


@dataclass(frozen=True, slots=True)
class Usage:
    """Token usage of one provider response, normalised across providers.

    ``input_tokens`` counts every prompt token, cached or not; ``cached_input_tokens`` is the part
    read from the provider's prompt cache and ``cache_write_tokens`` the part written to it
    (Anthropic). ``output_tokens`` counts every generated token including hidden reasoning;
    ``reasoning_tokens`` is that hidden part (billed as output).
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0

    @property
    def uncached_input_tokens(self) -> int:
        """Prompt tokens billed at the plain input price."""
        return max(0, self.input_tokens - self.cached_input_tokens - self.cache_write_tokens)

    @property
    def visible_output_tokens(self) -> int:
        """Output tokens the user sees (output minus hidden reasoning)."""
        return max(0, self.output_tokens - self.reasoning_tokens)

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cached_input_tokens + other.cached_input_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
            self.reasoning_tokens + other.reasoning_tokens,
        )


@dataclass(frozen=True, slots=True)
class Request:
    """A normalised chat request: what the policy sees.

    ``input_tokens_estimate`` is a typical count (routing, context checks);
    ``input_tokens_bound`` an upper bound of the billed prompt tokens (budget reservations and
    ``max_cost_usd``, which must never be exceeded). ``uncounted_tokens_bound`` is the part of
    that bound a provider tokenizer's count of the messages and tools does not cover (the JSON
    of ``functions``, ``response_format``, ``tool_choice`` and ``function_call``): a reservation
    from such a count adds it.

    ``params`` holds every litellm keyword that is passed through (temperature, tools, ...);
    the needs (``needs_tools`` ...) are derived from them once, here. ``timeout_s`` is the
    call's own ``timeout=``: it bounds the whole call (retries and fallbacks included) instead
    of the router's. ``params_mode`` is the call's own ``params=`` (``"drop"`` or ``"strict"``:
    what to do with a parameter a deployment does not accept), None for the router's.
    """

    messages: tuple[Mapping[str, Any], ...]
    params: Mapping[str, Any]
    model: str = "auto"
    stream: bool = False
    max_cost_usd: Decimal | None = None
    latency_target_ms: float | None = None
    max_output_tokens: int | None = None
    timeout_s: float | None = None
    user: str | None = None
    tenant: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    policy: str | None = None
    params_mode: str | None = None
    needs_tools: bool = False
    needs_vision: bool = False
    needs_json: bool = False
    input_tokens_estimate: int = 0
    input_tokens_bound: int = 0
    uncounted_tokens_bound: int = 0


@dataclass(frozen=True, slots=True)
class Signals:
    """What the router knows when it plans: difficulty, size, budget, latency, breakers."""

    deployments: tuple[Deployment, ...]
    difficulty: float
    category: str = "general"
    difficulty_features: tuple[tuple[str, float], ...] = ()
    input_tokens: int = 0
    budget_pressure: float = 0.0
    predicted_latency_ms: Mapping[str, float] = field(default_factory=dict)
    open_breakers: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Choice:
    """One deployment to try, with the parameters the policy set for it and why.

    ``dropped`` names the caller's parameters this deployment does not accept and is sent
    without (sampling hints such as ``temperature`` or ``seed``; docs/deployments.md).
    """

    deployment: str
    params: Mapping[str, Any] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()
    estimated_cost_usd: Decimal = ZERO
    dropped: tuple[str, ...] = ()


AcceptanceCheck: TypeAlias = Callable[[Request, Mapping[str, Any]], "str | None"]
"""``check(request, message_dict) -> reason to escalate | None`` (see policy.acceptance)."""


@dataclass(frozen=True, slots=True)
class Cascade:
    """Run the plan's choices; if ``check`` rejects the answer, run ``escalate_to`` and answer
    with that. Both stages' attempts are billed and recorded (docs/policies.md)."""

    check: AcceptanceCheck
    escalate_to: tuple[Choice, ...]

    def __repr__(self) -> str:
        to = " > ".join(c.deployment for c in self.escalate_to)
        return f"<Cascade check={getattr(self.check, '__name__', '?')} escalate_to=[{to}]>"


@dataclass(frozen=True, slots=True)
class Plan:
    """What the policy decided: ordered choices (first is preferred, the rest are fallbacks).

    ``router_version`` names the router version that decided (``"name@digest"``, see
    ``router.rollout``); ``None`` when none did (a pinned ``model=``, a per-call ``policy=``,
    a cache hit).
    """

    choices: tuple[Choice, ...]
    policy: str
    difficulty: float
    category: str = "general"
    reasons: tuple[str, ...] = ()
    baseline: str | None = None
    rejected: tuple[tuple[str, str], ...] = ()
    cascade: Cascade | None = None
    router_version: str | None = None

    @property
    def primary(self) -> Choice:
        return self.choices[0]

    def __repr__(self) -> str:
        order = " > ".join(c.deployment for c in self.choices)
        return f"<Plan policy={self.policy!r} difficulty={self.difficulty:.2f} [{order}]>"


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try of one deployment: what it cost and how it ended."""

    deployment: str
    model: str
    provider: str
    status: Literal["ok", "error", "interrupted"]
    latency_ms: float
    usage: Usage = Usage()
    cost_usd: Decimal = ZERO
    error: str | None = None
    status_code: int | None = None
    ttft_ms: float | None = None

    def __repr__(self) -> str:
        tail = f" error={self.error}" if self.error else ""
        return (
            f"<Attempt {self.deployment} {self.status} {self.latency_ms:.0f}ms"
            f" cost=${self.cost_usd:.6f}{tail}>"
        )


@dataclass(frozen=True, slots=True)
class CallInfo:
    """What happened on one routed call and why: ``resp.costroute``."""

    request_id: str
    deployment: str
    model: str
    provider: str
    policy: str
    difficulty: float
    reasons: tuple[str, ...]
    cost_usd: Decimal
    baseline_model: str | None
    baseline_cost_usd: Decimal
    usage: Usage
    attempts: tuple[Attempt, ...]
    latency_ms: float
    cached: bool = False
    ttft_ms: float | None = None
    category: str = "general"
    router_version: str | None = None

    @property
    def saved_usd(self) -> Decimal:
        """Baseline minus actual; negative when the routed call cost more than the baseline."""
        return self.baseline_cost_usd - self.cost_usd

    @property
    def retries(self) -> int:
        """Failed attempts on the deployment that finally answered."""
        return max(0, sum(1 for a in self.attempts if a.deployment == self.deployment) - 1)

    @property
    def fallbacks(self) -> int:
        """How many other deployments were tried before the one that answered."""
        return len({a.deployment for a in self.attempts if a.deployment != self.deployment})

    def __repr__(self) -> str:
        return (
            f"<CallInfo deployment={self.deployment!r} cost=${self.cost_usd:.6f}"
            f" saved=${self.saved_usd:.6f} cached={self.cached}>"
        )
