"""costroute: a drop-in LLM client that routes each request to the cheapest model that can
answer it well (DeepSeek, Claude, GPT), keeps the budget, and proves the savings.

>>> import costroute                                                    # doctest: +SKIP
>>> router = costroute.Router()                                         # doctest: +SKIP
>>> resp = router.chat(messages=[{"role": "user", "content": "Hi!"}])   # doctest: +SKIP
>>> resp.costroute                                                      # doctest: +SKIP
<CallInfo deployment='deepseek-v4-flash' cost=$0.000012 saved=$0.000190 cached=False>

Importing costroute does not import litellm; the first call does.
"""

from __future__ import annotations

from costroute import difficulty, errors, policy
from costroute._default import achat, chat, default_router, set_default_router
from costroute._openai import AsyncOpenAI, OpenAI
from costroute.breaker import BreakerConfig
from costroute.budget import Budget, Limit
from costroute.catalog import Capabilities, Deployment, Prices
from costroute.errors import (
    AllDeploymentsFailed,
    BackendUnavailable,
    BudgetExceeded,
    ConfigError,
    CostrouteError,
    InvalidRequestError,
    NoDeploymentAvailable,
    ProviderError,
    StreamInterrupted,
)
from costroute.executor import RetryConfig
from costroute.policy import load_policy
from costroute.router import ModelDeprecationWarning, Router
from costroute.types import Attempt, CallInfo, Choice, Plan, Request, Signals, Usage

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
    "Choice",
    "ConfigError",
    "CostrouteError",
    "Deployment",
    "InvalidRequestError",
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
    "load_policy",
    "policy",
    "set_default_router",
]
