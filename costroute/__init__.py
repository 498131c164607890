"""costroute: a drop-in LLM client that routes each request to the cheapest model that can
answer it well (DeepSeek, Claude, GPT), keeps the budget, and proves the savings.

>>> import costroute                                                    # doctest: +SKIP
>>> router = costroute.Router()                                         # doctest: +SKIP
>>> resp = router.chat(messages=[{"role": "user", "content": "Hi!"}])   # doctest: +SKIP
>>> resp.costroute                                                      # doctest: +SKIP
<CallInfo deployment='deepseek-v4-flash' cost=$0.000012 saved=$0.000190 cached=False>

Importing costroute imports neither litellm nor openai; the first call does. ``costroute.OpenAI``
and the provider errors (subclasses of openai's classes) are loaded on first use of their names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from costroute import difficulty, errors, policy
from costroute._lazy import lazy_names
from costroute.breaker import BreakerConfig
from costroute.catalog import Capabilities, Deployment, Prices
from costroute.errors import (
    BackendUnavailable,
    BudgetExceeded,
    ConfigError,
    CostrouteError,
    InvalidRequestError,
    NoDeploymentAvailable,
)
from costroute.executor import RetryConfig
from costroute.router import ModelDeprecationWarning, Router
from costroute.types import Attempt, CallInfo, Choice, Plan, Request, Signals, Usage

if TYPE_CHECKING:
    from costroute._default import achat, chat, default_router, set_default_router
    from costroute._info import info
    from costroute._openai import AsyncOpenAI, OpenAI
    from costroute.budget import Budget, Limit
    from costroute.errors import AllDeploymentsFailed, ProviderError, StreamInterrupted
    from costroute.policy import load_policy
    from costroute.router import Checker, ExactMatch, JudgeModel, Labeling

__version__ = "0.1.0"

__all__ = [
    "AllDeploymentsFailed",
    "AsyncOpenAI",
    "Attempt",
    "BackendUnavailable",
    "BreakerConfig",
    "Budget",
    "BudgetExceeded",
    "CallInfo",
    "Capabilities",
    "Checker",
    "Choice",
    "ConfigError",
    "CostrouteError",
    "Deployment",
    "ExactMatch",
    "InvalidRequestError",
    "JudgeModel",
    "Labeling",
    "Limit",
    "ModelDeprecationWarning",
    "NoDeploymentAvailable",
    "OpenAI",
    "Plan",
    "Prices",
    "ProviderError",
    "Request",
    "RetryConfig",
    "Router",
    "Signals",
    "StreamInterrupted",
    "Usage",
    "achat",
    "chat",
    "default_router",
    "difficulty",
    "errors",
    "info",
    "load_policy",
    "policy",
    "set_default_router",
]

# Loaded on first use, like litellm: names whose modules import openai (about 0.5 s); the
# module-level chat and its default router, info(), budgets, sampled labelling's configuration
# and policy files (a program that routes plain calls through its own Router never loads them).
__getattr__ = lazy_names(
    __name__,
    {
        "AllDeploymentsFailed": "costroute.errors",
        "AsyncOpenAI": "costroute._openai",
        "Budget": "costroute.budget",
        "Checker": "costroute.router",
        "ExactMatch": "costroute.router",
        "JudgeModel": "costroute.router",
        "Labeling": "costroute.router",
        "Limit": "costroute.budget",
        "OpenAI": "costroute._openai",
        "ProviderError": "costroute.errors",
        "StreamInterrupted": "costroute.errors",
        "achat": "costroute._default",
        "chat": "costroute._default",
        "default_router": "costroute._default",
        "info": "costroute._info",
        "load_policy": "costroute.policy",
        "set_default_router": "costroute._default",
    },
)
