"""Policies: pure functions from (request, signals) to a plan of deployments.

Presets: :func:`balanced` (the router's default), :func:`cheapest_capable`,
:func:`quality_first`, :func:`latency_first` and :func:`cascade`. Compose your own from
:mod:`costroute.policy.rules` with :class:`Rules`, or load a policy file with
:func:`load_policy`. Any object with a ``name`` and a ``route(request, signals) -> Plan``
method is a policy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from costroute.policy import acceptance, rules
from costroute.policy._capability import (
    DEFAULT_OUTPUT_TOKENS,
    expected_cost,
    expected_output_tokens,
    incapable_reason,
    output_cap,
)
from costroute.policy._cascade import Cascade
from costroute.policy._fit_params import (
    PARAMS_MODES,
    checked_params,
    fit_plan,
    refuse_unaccepted,
    screen_params,
)
from costroute.policy._latency import predicted_latency_ms
from costroute.policy._loader import (
    PolicyFile,
    check_params,
    load_policy,
    load_policy_file,
    validate_policy,
    write_params,
)
from costroute.policy._pair import PairPolicy, pair
from costroute.policy._protocol import Policy
from costroute.policy._reasoning import HIGH_FROM, LOW_BELOW
from costroute.policy._rules_policy import Rules
from costroute.policy._table import QualityTable, prefer_predicted_quality
from costroute.policy._tiered import TieredPolicy
from costroute.policy.acceptance import AcceptanceCheck, default_check

__all__ = [
    "DEFAULT_OUTPUT_TOKENS",
    "PARAMS_MODES",
    "AcceptanceCheck",
    "Cascade",
    "PairPolicy",
    "Policy",
    "PolicyFile",
    "QualityTable",
    "Rules",
    "TieredPolicy",
    "acceptance",
    "balanced",
    "cascade",
    "cheapest_capable",
    "check_params",
    "checked_params",
    "expected_cost",
    "expected_output_tokens",
    "fit_plan",
    "incapable_reason",
    "latency_first",
    "load_policy",
    "load_policy_file",
    "output_cap",
    "pair",
    "predicted_latency_ms",
    "presets",
    "quality_first",
    "quality_table",
    "refuse_unaccepted",
    "rules",
    "screen_params",
    "validate_policy",
    "write_params",
]


def balanced(**overrides: object) -> TieredPolicy:
    """Difficulty picks the tier (small < 0.35 <= strong < 0.6 <= premium), price within it."""
    return TieredPolicy(**{"name": "balanced", **overrides})  # type: ignore[arg-type]


def cheapest_capable(**overrides: object) -> TieredPolicy:
    """Always the cheapest deployment that can serve the request.

    It has no tiers by difficulty, so ``reasoning=True`` takes the thresholds of the
    ``set_reasoning()`` rule: effort low below 0.35, high from 0.7.
    """
    fields = {
        "name": "cheapest-capable",
        "easy_below": 1.0,
        "hard_from": 1.0,
        "reasoning_low_below": LOW_BELOW,
        "reasoning_high_from": HIGH_FROM,
        **overrides,
    }
    return TieredPolicy(**fields)  # type: ignore[arg-type]


def quality_first(**overrides: object) -> TieredPolicy:
    """The premium tier (strong once a soft budget limit is reached); cheaper ones as fallbacks."""
    return TieredPolicy(**{"name": "quality-first", "prefer": "quality", **overrides})  # type: ignore[arg-type]


def latency_first(**overrides: object) -> TieredPolicy:
    """The deployment predicted to answer fastest, whatever its tier."""
    return TieredPolicy(**{"name": "latency-first", "prefer": "latency", **overrides})  # type: ignore[arg-type]


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
    chain = rules.prefer_cheap() | prefer_predicted_quality(table, cost_weight, models)
    return Rules(chain | rules.within_latency(), name=name, baseline=baseline, estimator=estimator)


def presets() -> dict[str, Callable[[], Policy]]:
    """The presets by name, as a per-call ``policy="quality-first"`` names them."""
    return {
        "balanced": balanced,
        "cheapest-capable": cheapest_capable,
        "quality-first": quality_first,
        "latency-first": latency_first,
        "cascade": cascade,
    }
