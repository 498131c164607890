"""Model profiles: how fast, how verbose and how strong each simulated model is.

A :class:`ModelProfile` is keyed, in :data:`DEFAULT_PROFILES` and in the ``profiles``
argument of :class:`~costroute.sim.Simulator`, by the model id a client sends
(``"deepseek-v4-flash"``, ``"claude-sonnet-5-5"``, ``"gpt-5.4"``).

The default figures keep the real ratios between models (a reasoning model answers
several times later than a small chat model) at moderate absolute values, so that a
demo at ``latency_scale=1.0`` stays watchable. Their ``skill`` (how often their answers are
right, :mod:`costroute.sim._quality`) rises with the model's price.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

__all__ = ["DEFAULT_PROFILES", "PROVIDERS", "ModelProfile", "Provider"]

Provider = Literal["openai", "anthropic", "deepseek"]
PROVIDERS: tuple[Provider, ...] = ("openai", "anthropic", "deepseek")


@dataclass(frozen=True)
class ModelProfile:
    """How one simulated model behaves.

    Attributes:
        provider: which HTTP API serves the model (and so its wire format).
        ttft_ms: time to first token, in milliseconds, at ``latency_scale=1``.
        tokens_per_s: generation speed, for visible and hidden (reasoning) tokens alike.
        mean_output_tokens: mean number of visible output tokens of an answer.
        reasoning: whether the model spends hidden reasoning tokens.
        reasoning_tokens_per_output: reasoning tokens spent per visible output token.
        context_window: prompt + requested output tokens above this fail with the
            provider's real context-length error (HTTP 400).
        skill: strength in [0, 1]: a request of hardness ``h`` gets a right answer with
            probability ``1 / (1 + exp(-8 * (skill - h)))`` (docs/simulator.md, "Answer
            quality").
    """

    provider: Provider
    ttft_ms: float
    tokens_per_s: float
    mean_output_tokens: int
    reasoning: bool = False
    reasoning_tokens_per_output: float = 0.0
    context_window: int = 128_000
    skill: float = 0.5

    def __post_init__(self) -> None:
        if self.provider not in PROVIDERS:
            raise ValueError(
                f"ModelProfile.provider must be one of {PROVIDERS}, got {self.provider!r}"
            )
        if self.ttft_ms < 0 or self.tokens_per_s <= 0 or self.mean_output_tokens < 1:
            raise ValueError(
                "ModelProfile needs ttft_ms >= 0, tokens_per_s > 0 and mean_output_tokens >= 1, "
                f"got {self.ttft_ms}, {self.tokens_per_s}, {self.mean_output_tokens}"
            )
        if self.reasoning_tokens_per_output < 0:
            raise ValueError("ModelProfile.reasoning_tokens_per_output must be >= 0")
        if not 0.0 <= self.skill <= 1.0:  # also refuses NaN
            raise ValueError(f"ModelProfile.skill must be in [0, 1], got {self.skill!r}")


def _deepseek(ttft: float, tps: float, mean: int, skill: float, ratio: float = 0.0) -> ModelProfile:
    return ModelProfile("deepseek", ttft, tps, mean, ratio > 0, ratio, 128_000, skill)


def _anthropic(ttft: float, tps: float, mean: int, skill: float) -> ModelProfile:
    return ModelProfile("anthropic", ttft, tps, mean, context_window=200_000, skill=skill)


def _openai(ttft: float, tps: float, mean: int, skill: float, ratio: float = 0.0) -> ModelProfile:
    return ModelProfile("openai", ttft, tps, mean, ratio > 0, ratio, 400_000, skill)


DEFAULT_PROFILES: MappingProxyType[str, ModelProfile] = MappingProxyType(
    {
        # DeepSeek: cheap; the reasoning models think for a long time before answering.
        "deepseek-v4-flash": _deepseek(150, 160, 200, skill=0.45),
        "deepseek-chat": _deepseek(250, 70, 220, skill=0.40),
        "deepseek-v4-pro": _deepseek(900, 110, 260, skill=0.65, ratio=1.5),
        "deepseek-reasoner": _deepseek(1200, 80, 240, skill=0.55, ratio=2.0),
        "deepseek-r1": _deepseek(1500, 70, 240, skill=0.60, ratio=2.0),
        # Anthropic: no hidden reasoning unless asked (the simulator does not model thinking).
        "claude-haiku-4-5": _anthropic(250, 150, 200, skill=0.55),
        "claude-sonnet-4-5": _anthropic(550, 80, 260, skill=0.75),
        "claude-sonnet-5-5": _anthropic(500, 90, 260, skill=0.80),
        "claude-opus-4-5": _anthropic(900, 50, 300, skill=0.85),
        # OpenAI: the GPT-5 family reasons by default (reasoning tokens are billed, not shown).
        "gpt-5.4": _openai(600, 90, 250, skill=0.80, ratio=0.8),
        "gpt-5.4-mini": _openai(300, 160, 200, skill=0.55, ratio=0.5),
        "gpt-5": _openai(700, 80, 250, skill=0.75, ratio=1.0),
        "gpt-5-mini": _openai(350, 150, 200, skill=0.50, ratio=0.6),
        "gpt-4o": ModelProfile("openai", 350, 100, 220, skill=0.65),
    }
)
"""The models the simulator serves when ``profiles`` is not given (read-only)."""
