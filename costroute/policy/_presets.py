"""The presets: ready-made :class:`~costroute.policy.Rules` chains.

Each preset is a chain of the rules in :mod:`costroute.policy.rules` (``repr(preset)`` lists
them); a copy of its chain is the place to start changing one:

- ``balanced``: ``within_latency() | prefer_cheap() | tier_by_difficulty(0.35, 0.6) |
  downgrade_when(budget_above(0))``
- ``cheapest_capable``: ``within_latency() | prefer_cheap() | prefer_tier(1)``
- ``quality_first``: ``within_latency() | prefer_cheap() | prefer_tier(3) |
  downgrade_when(budget_above(0))``
- ``latency_first``: ``within_latency() | prefer_fast()``
- ``cascade``: ``prefer_cheap() | set_reasoning() | cascade_to(check, tier=3)`` (in
  costroute/policy/_cascade.py, with the acceptance checks it needs: loaded on first use)

``reasoning=True`` appends ``set_reasoning(reasoning_low_below, reasoning_high_from)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from costroute.errors import ConfigError
from costroute.policy import rules
from costroute.policy._protocol import Policy
from costroute.policy._reasoning import HIGH_FROM, LOW_BELOW
from costroute.policy._rules_policy import Rules

if TYPE_CHECKING:
    from costroute.policy._table import QualityTable

__all__ = [
    "TieredPolicy",
    "balanced",
    "cheapest_capable",
    "latency_first",
    "presets",
    "quality_first",
    "quality_table",
]

_EASY_BELOW = 0.35
_HARD_FROM = 0.6


def _downgrade(name: str, at: float) -> rules.Rule:
    """``downgrade_when(budget_above(at))``, with the error naming the preset's argument."""
    if isinstance(at, bool) or not isinstance(at, int | float) or not 0.0 <= at <= 1.0:
        raise ConfigError(
            f"Policy {name!r}: downgrade_at={at!r} is not a budget pressure in [0, 1].",
            field="downgrade_at",
            fix="e.g. downgrade_at=0.8 (down a tier from 80% of a budget); 0: at its soft limit",
        )
    return rules.downgrade_when(rules.budget_above(at))


def _finish(
    chain: rules.Rule,
    name: str,
    reasoning: bool,
    low: float,
    high: float,
    max_fallbacks: int,
    baseline: str | None,
) -> Rules:
    """``Rules(chain)``, with ``set_reasoning(low, high)`` last when ``reasoning``."""
    if not 0.0 <= low <= high <= 1.0:
        raise ConfigError(
            f"Policy {name!r}: reasoning thresholds reasoning_low_below={low} and "
            f"reasoning_high_from={high} must satisfy 0 <= low <= high <= 1.",
            field="reasoning_low_below/reasoning_high_from",
            fix="e.g. reasoning_low_below=0.35, reasoning_high_from=0.7",
        )
    if reasoning:
        chain = chain | rules.set_reasoning(low, high)
    return Rules(chain, name=name, max_fallbacks=max_fallbacks, baseline=baseline)


def balanced(
    *,
    easy_below: float = _EASY_BELOW,
    hard_from: float = _HARD_FROM,
    downgrade_at: float = 0.0,
    reasoning: bool = False,
    reasoning_low_below: float | None = None,
    reasoning_high_from: float | None = None,
    max_fallbacks: int = 2,
    name: str = "balanced",
    baseline: str | None = None,
) -> Rules:
    """Difficulty picks the tier (small < ``easy_below`` <= strong < ``hard_from`` <= premium),
    price within it; budget pressure at or above ``downgrade_at`` (0: once a soft limit is
    reached) lowers the tier by one. The same tier follows as fallbacks, then higher tiers,
    then lower ones. ``reasoning=True``: effort low below ``reasoning_low_below`` (default
    ``easy_below``), high from ``reasoning_high_from`` (default ``hard_from``)."""
    chain = (
        rules.within_latency()
        | rules.prefer_cheap()
        | rules.tier_by_difficulty(easy_below, hard_from)
        | _downgrade(name, downgrade_at)
    )
    low = easy_below if reasoning_low_below is None else reasoning_low_below
    high = hard_from if reasoning_high_from is None else reasoning_high_from
    return _finish(chain, name, reasoning, low, high, max_fallbacks, baseline)


def cheapest_capable(
    *,
    reasoning: bool = False,
    reasoning_low_below: float = LOW_BELOW,
    reasoning_high_from: float = HIGH_FROM,
    max_fallbacks: int = 2,
    name: str = "cheapest-capable",
    baseline: str | None = None,
) -> Rules:
    """The cheapest small-tier deployment that can serve the request (then the cheapest of the
    higher tiers). It has no tiers by difficulty, so ``reasoning=True`` takes the thresholds
    of the ``set_reasoning()`` rule: effort low below 0.35, high from 0.7."""
    chain = rules.within_latency() | rules.prefer_cheap() | rules.prefer_tier(1)
    return _finish(
        chain, name, reasoning, reasoning_low_below, reasoning_high_from, max_fallbacks, baseline
    )


def quality_first(
    *,
    downgrade_at: float = 0.0,
    reasoning: bool = False,
    reasoning_low_below: float = _EASY_BELOW,
    reasoning_high_from: float = _HARD_FROM,
    max_fallbacks: int = 2,
    name: str = "quality-first",
    baseline: str | None = None,
) -> Rules:
    """The premium tier, cheapest first (strong under budget pressure, as in :func:`balanced`);
    cheaper tiers only as fallbacks."""
    chain = (
        rules.within_latency()
        | rules.prefer_cheap()
        | rules.prefer_tier(3)
        | _downgrade(name, downgrade_at)
    )
    return _finish(
        chain, name, reasoning, reasoning_low_below, reasoning_high_from, max_fallbacks, baseline
    )


def latency_first(
    *,
    reasoning: bool = False,
    reasoning_low_below: float = _EASY_BELOW,
    reasoning_high_from: float = _HARD_FROM,
    max_fallbacks: int = 2,
    name: str = "latency-first",
    baseline: str | None = None,
) -> Rules:
    """The deployment predicted to answer fastest, whatever its tier (difficulty and budget
    pressure do not move it)."""
    chain = rules.within_latency() | rules.prefer_fast()
    return _finish(
        chain, name, reasoning, reasoning_low_below, reasoning_high_from, max_fallbacks, baseline
    )


def TieredPolicy(  # the name of the class the presets used to be
    name: str = "balanced",
    easy_below: float = _EASY_BELOW,
    hard_from: float = _HARD_FROM,
    downgrade_at: float = 0.0,
    max_fallbacks: int = 2,
    prefer: str = "cost",
    baseline: str | None = None,
    reasoning: bool = False,
    reasoning_low_below: float | None = None,
    reasoning_high_from: float | None = None,
) -> Rules:
    """The presets' chains under the arguments of the former ``TieredPolicy`` class, for code
    that built it directly: ``prefer="cost"`` is :func:`balanced`, ``"quality"``
    :func:`quality_first`, ``"latency"`` :func:`latency_first` (reasoning thresholds default to
    ``easy_below``/``hard_from``). New code should call the presets."""
    if not 0.0 <= easy_below <= hard_from <= 1.0:
        rules.tier_by_difficulty(easy_below, hard_from)  # raises the ConfigError
    low = easy_below if reasoning_low_below is None else reasoning_low_below
    high = hard_from if reasoning_high_from is None else reasoning_high_from
    common: dict[str, Any] = {
        "reasoning": reasoning,
        "reasoning_low_below": low,
        "reasoning_high_from": high,
        "max_fallbacks": max_fallbacks,
        "name": name,
        "baseline": baseline,
    }
    if prefer == "cost":
        return balanced(
            easy_below=easy_below, hard_from=hard_from, downgrade_at=downgrade_at, **common
        )
    if prefer == "quality":
        return quality_first(downgrade_at=downgrade_at, **common)
    if prefer == "latency":
        return latency_first(**common)
    raise ConfigError(
        f"Policy {name!r}: prefer={prefer!r}.",
        field="prefer",
        fix="use 'cost', 'quality' or 'latency'",
    )


def quality_table(
    table: QualityTable,
    cost_weight: float = 0.1,
    *,
    models: Mapping[str, str] | None = None,
    name: str = "quality-table",
    baseline: str | None = None,
    estimator: Any = None,
) -> Rules:
    """Route by a learned per-model quality table (see :class:`QualityTable`).

    ``estimator`` should be the one the table was fitted with (its ``meta["estimator"]``
    says which), e.g. ``"learned"``: the router then scores requests with it.
    """
    from costroute.policy._table import prefer_predicted_quality  # this preset's alone

    chain = rules.prefer_cheap() | prefer_predicted_quality(table, cost_weight, models)
    return Rules(chain | rules.within_latency(), name=name, baseline=baseline, estimator=estimator)


def presets() -> dict[str, Callable[[], Policy]]:
    """The presets by name, as a per-call ``policy="quality-first"`` names them."""
    return {
        "balanced": balanced,
        "cheapest-capable": cheapest_capable,
        "quality-first": quality_first,
        "latency-first": latency_first,
        "cascade": _cascade,
    }


def _cascade() -> Policy:
    """The ``cascade`` preset, loaded (with the acceptance checks) when it is first built."""
    from costroute.policy._cascade import cascade

    return cascade()
