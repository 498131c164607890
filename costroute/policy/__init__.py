"""Policies: pure functions from (request, signals) to a plan of deployments.

Presets: :func:`balanced` (the router's default), :func:`cheapest_capable`,
:func:`quality_first`, :func:`latency_first` and :func:`cascade`; learned: :func:`pair`,
:func:`quality_table` and its online twin :func:`thompson`. Compose your own from
:mod:`costroute.policy.rules` with :class:`Rules`, or load a policy file with
:func:`load_policy`. Any object with a ``name`` and a ``route(request, signals) -> Plan``
method is a policy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from costroute._lazy import lazy_names
from costroute.policy import rules
from costroute.policy._capability import (
    DEFAULT_OUTPUT_TOKENS,
    expected_cost,
    expected_output_tokens,
    incapable_reason,
    output_cap,
)
from costroute.policy._fit_params import (
    PARAMS_MODES,
    checked_params,
    fit_plan,
    refuse_unaccepted,
    screen_params,
)
from costroute.policy._latency import predicted_latency_ms
from costroute.policy._presets import (
    TieredPolicy,
    balanced,
    cheapest_capable,
    latency_first,
    presets,
    quality_first,
    quality_table,
)
from costroute.policy._protocol import Policy, validate_policy
from costroute.policy._rules_policy import Rules
from costroute.types import AcceptanceCheck, Cascade

if TYPE_CHECKING:
    from costroute.policy import acceptance
    from costroute.policy._cascade import cascade
    from costroute.policy._draws import planning
    from costroute.policy._live import Learner, Sampling, learners_of, sampling
    from costroute.policy._loader import PolicyFile, load_policy, load_policy_file
    from costroute.policy._online import OnlineQuality, OnlineStats
    from costroute.policy._pair import PairPolicy, pair
    from costroute.policy._params import check_params, load_params, params_path, write_params
    from costroute.policy._table import QualityTable
    from costroute.policy._thompson import ThompsonPolicy, prefer_sampled_quality, thompson

__all__ = [
    "DEFAULT_OUTPUT_TOKENS",
    "PARAMS_MODES",
    "AcceptanceCheck",
    "Cascade",
    "Learner",
    "OnlineQuality",
    "OnlineStats",
    "PairPolicy",
    "Policy",
    "PolicyFile",
    "QualityTable",
    "Rules",
    "Sampling",
    "ThompsonPolicy",
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
    "learners_of",
    "load_params",
    "load_policy",
    "load_policy_file",
    "output_cap",
    "pair",
    "params_path",
    "planning",
    "predicted_latency_ms",
    "prefer_sampled_quality",
    "presets",
    "quality_first",
    "quality_table",
    "refuse_unaccepted",
    "rules",
    "sampling",
    "screen_params",
    "thompson",
    "validate_policy",
    "write_params",
]

__getattr__ = lazy_names(
    __name__,
    {
        "PairPolicy": "costroute.policy._pair",
        "PolicyFile": "costroute.policy._loader",
        "acceptance": "costroute.policy.acceptance",
        "cascade": "costroute.policy._cascade",
        "QualityTable": "costroute.policy._table",
        "OnlineQuality": "costroute.policy._online",
        "OnlineStats": "costroute.policy._online",
        "ThompsonPolicy": "costroute.policy._thompson",
        "prefer_sampled_quality": "costroute.policy._thompson",
        "Learner": "costroute.policy._live",
        "Sampling": "costroute.policy._live",
        "learners_of": "costroute.policy._live",
        "sampling": "costroute.policy._live",
        "planning": "costroute.policy._draws",
        "thompson": "costroute.policy._thompson",
        "check_params": "costroute.policy._params",
        "load_params": "costroute.policy._params",
        "load_policy": "costroute.policy._loader",
        "load_policy_file": "costroute.policy._loader",
        "pair": "costroute.policy._pair",
        "params_path": "costroute.policy._params",
        "write_params": "costroute.policy._params",
    },
)
