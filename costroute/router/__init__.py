"""The router: wires catalog, policy, executor, pricing and ledger into one chat client.

Sampled labelling, rollouts and the typed option dicts load on first use of their names: a
routed call without them does not run them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from costroute._lazy import lazy_names
from costroute.router._base import RouterBase
from costroute.router._checks import ModelDeprecationWarning
from costroute.router._router import Router
from costroute.router._version import RouterVersion

if TYPE_CHECKING:
    from costroute.router._grading import parse_score
    from costroute.router._labeler import Labeler, LabelingStats
    from costroute.router._labeling import (
        DEFAULT_JUDGE_PROMPT,
        Checker,
        ExactMatch,
        Judge,
        JudgeFunction,
        JudgeModel,
        Labeling,
    )
    from costroute.router._options import ClientOptions, RouterOptions
    from costroute.router._rollout import Rollout
    from costroute.router._rollout_eval import RolloutReport

__all__ = [
    "DEFAULT_JUDGE_PROMPT",
    "Checker",
    "ClientOptions",
    "ExactMatch",
    "Judge",
    "JudgeFunction",
    "JudgeModel",
    "Labeler",
    "Labeling",
    "LabelingStats",
    "ModelDeprecationWarning",
    "Rollout",
    "RolloutReport",
    "Router",
    "RouterBase",
    "RouterOptions",
    "RouterVersion",
    "parse_score",
]

__getattr__ = lazy_names(
    __name__,
    {
        "DEFAULT_JUDGE_PROMPT": "costroute.router._labeling",
        "Checker": "costroute.router._labeling",
        "ClientOptions": "costroute.router._options",
        "ExactMatch": "costroute.router._labeling",
        "Judge": "costroute.router._labeling",
        "JudgeFunction": "costroute.router._labeling",
        "JudgeModel": "costroute.router._labeling",
        "Labeler": "costroute.router._labeler",
        "Labeling": "costroute.router._labeling",
        "LabelingStats": "costroute.router._labeler",
        "Rollout": "costroute.router._rollout",
        "RolloutReport": "costroute.router._rollout_eval",
        "RouterOptions": "costroute.router._options",
        "parse_score": "costroute.router._grading",
    },
)
