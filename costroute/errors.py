"""The costroute exception tree.

Every error raised by costroute is a :class:`CostrouteError`. Errors about the caller's input or
configuration say which field is wrong and how to fix it; errors from a provider keep the status
code, the provider, the deployment and the Retry-After the provider sent. Users catch these,
never litellm's exceptions: the provider layer translates them at the one place it calls litellm.

Errors about a provider call are also the openai SDK's matching types (right column), so code
written for the openai client catches them unchanged: ``except openai.RateLimitError`` catches
costroute's RateLimitError. They are defined in :mod:`costroute._provider_errors`, which imports
openai (about 0.5 s): reading one of their names here imports it, ``import costroute`` does not.

This module is the face of the tree: the classes live in private modules, one per family (the
root and the errors about configuration and input in :mod:`costroute._errors`; budget, ledger,
rollout and shared-state errors in :mod:`costroute._state_errors`; provider-call errors), and
every one of them names this module as its home (``__module__``), for pickling and reprs.

::

    CostrouteError
    ├── ConfigError                  bad configuration (deployment, catalog, policy, store URL)
    │   └── MissingAPIKeyError       a deployment has no key (names the environment variable)
    ├── InvalidRequestError          a bad argument to chat()/explain(), raised before any network
    │   ├── UnknownDeploymentError   model= names no deployment of this router
    │   ├── UnknownCallError         feedback() names a request id the ledger does not hold
    │   └── FeedbackTooLate          feedback() for a call older than the ledger's window
    ├── NoDeploymentAvailable        no deployment can serve the request (capabilities, context)
    ├── BudgetExceeded               a hard budget limit refuses the call (or a further attempt)
    ├── ProviderError                the provider answered with an error    openai.APIError
    │   │                            (or did not answer)
    │   ├── RateLimitError           429                                    openai.RateLimitError
    │   ├── ProviderUnavailableError 500, 502, 503, 504, 529 (overloaded)   openai.InternalServerError
    │   ├── ProviderTimeout          408, read/connect timeout              openai.APITimeoutError
    │   ├── ProviderConnectionError  connection refused or reset, or a      openai.APIConnectionError
    │   │                            stream cut before its end
    │   ├── AuthenticationError      401, 403                               openai.AuthenticationError
    │   │   └── PermissionDeniedError  403                                  openai.PermissionDeniedError
    │   ├── ModelNotFoundError       404                                    openai.NotFoundError
    │   ├── ContextWindowExceeded    400, the prompt does not fit the       openai.BadRequestError
    │   │                            model's window
    │   ├── BadRequestError          400 and other 4xx, or a parameter      openai.BadRequestError
    │   │                            litellm refuses for the provider
    │   └── InvalidResponseError     a 200 whose body is not a completion   openai.APIResponseValidationError
    ├── AllDeploymentsFailed         every choice of the plan failed        openai.APIStatusError
    │   │                            (carries the attempts; status_code: the last failure's)
    │   └── AllDeploymentsRateLimited every attempt got a 429            openai.RateLimitError
    ├── StreamInterrupted            a stream broke after content was sent  openai.APIConnectionError
    │                                (carries the text)
    ├── LedgerError                  the usage ledger cannot be opened or written
    ├── RolloutError                 router.rollout refused a step (nothing proposed, no
    │                                evaluation, a candidate that does not beat the current)
    └── BackendUnavailable           Redis (shared state) is unreachable, and the store fails closed
        └── BackendBusy              Redis answers, but no pooled connection was free in time

A plan that tried a single deployment (a pinned ``model=``, or one capable deployment) raises
that deployment's own error, e.g. a RateLimitError for its 429; AllDeploymentsFailed is for
plans that fell back across deployments and failed on all of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from costroute._errors import (
    ConfigError,
    CostrouteError,
    FeedbackTooLate,
    InvalidRequestError,
    MissingAPIKeyError,
    NoDeploymentAvailable,
    UnknownCallError,
    UnknownDeploymentError,
)
from costroute._state_errors import (
    BackendBusy,
    BackendUnavailable,
    BudgetExceeded,
    LedgerError,
    RolloutError,
)

if TYPE_CHECKING:
    from costroute._provider_errors import (
        AllDeploymentsFailed,
        AllDeploymentsRateLimited,
        AuthenticationError,
        BadRequestError,
        ContextWindowExceeded,
        InvalidResponseError,
        ModelNotFoundError,
        PermissionDeniedError,
        ProviderConnectionError,
        ProviderError,
        ProviderTimeout,
        ProviderUnavailableError,
        RateLimitError,
        StreamInterrupted,
    )

__all__ = [
    "AllDeploymentsFailed",
    "AllDeploymentsRateLimited",
    "AuthenticationError",
    "BackendBusy",
    "BackendUnavailable",
    "BadRequestError",
    "BudgetExceeded",
    "ConfigError",
    "ContextWindowExceeded",
    "CostrouteError",
    "FeedbackTooLate",
    "InvalidRequestError",
    "InvalidResponseError",
    "LedgerError",
    "MissingAPIKeyError",
    "ModelNotFoundError",
    "NoDeploymentAvailable",
    "PermissionDeniedError",
    "ProviderConnectionError",
    "ProviderError",
    "ProviderTimeout",
    "ProviderUnavailableError",
    "RateLimitError",
    "RolloutError",
    "StreamInterrupted",
    "UnknownCallError",
    "UnknownDeploymentError",
]


PROVIDER_ERRORS = frozenset(
    {
        "AllDeploymentsFailed",
        "AllDeploymentsRateLimited",
        "AuthenticationError",
        "BadRequestError",
        "ContextWindowExceeded",
        "InvalidResponseError",
        "ModelNotFoundError",
        "PermissionDeniedError",
        "ProviderConnectionError",
        "ProviderError",
        "ProviderTimeout",
        "ProviderUnavailableError",
        "RateLimitError",
        "StreamInterrupted",
    }
)


for _name in __all__:
    if _name not in PROVIDER_ERRORS:  # the provider errors set their own (they load later)
        globals()[_name].__module__ = __name__  # their public home (pickling, reprs, docs)
del _name


def __getattr__(name: str) -> Any:
    """The provider errors, from :mod:`costroute._provider_errors` on first use (it imports
    openai); afterwards they are plain attributes of this module."""
    if name in PROVIDER_ERRORS:
        from costroute import _provider_errors

        value = getattr(_provider_errors, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
