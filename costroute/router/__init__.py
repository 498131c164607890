"""The router: wires catalog, policy, executor, pricing and ledger into one chat client."""

from __future__ import annotations

from costroute.router._base import ModelDeprecationWarning, RouterBase
from costroute.router._labeler import Labeler, LabelingStats
from costroute.router._labeling import (
    DEFAULT_JUDGE_PROMPT,
    ExactMatch,
    Judge,
    JudgeFunction,
    JudgeModel,
    Labeling,
    parse_score,
)
from costroute.router._options import ClientOptions, RouterOptions
from costroute.router._rollout import Rollout
from costroute.router._rollout_eval import RolloutReport
from costroute.router._router import Router
from costroute.router._version import RouterVersion

__all__ = [
    "DEFAULT_JUDGE_PROMPT",
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
