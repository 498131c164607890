"""The costroute exception tree.

Every error raised by costroute is a :class:`CostrouteError`. Errors about the caller's input or
configuration say which field is wrong and how to fix it; errors from a provider keep the status
code, the provider, the deployment and the Retry-After the provider sent. Users catch these,
never litellm's exceptions: the provider layer translates them at the one place it calls litellm.

Errors about a provider call are also the openai SDK's matching types (right column), so code
written for the openai client catches them unchanged: ``except openai.RateLimitError`` catches
costroute's RateLimitError. They are defined in :mod:`costroute._provider_errors`, which imports
openai (about 0.5 s): reading one of their names here imports it, ``import costroute`` does not.

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

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

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


class CostrouteError(Exception):
    """Base of every error costroute raises.

    ``field`` names the argument or setting at fault (``None`` when no single one is) and
    ``fix`` says what to do; both are part of the message.
    """

    def __init__(self, message: str, *, field: str | None = None, fix: str | None = None) -> None:
        super().__init__(self._describe(message, field, fix))

    def _describe(self, message: str, field: str | None, fix: str | None) -> str:
        """Keep ``reason``, ``field`` and ``fix``; the whole message."""
        self.field = field
        self.fix = fix
        self.reason = message
        parts = [message]
        if field:
            parts.append(f"(field: {field})")
        if fix:
            parts.append(f"Fix: {fix}")
        return " ".join(parts)


class ConfigError(CostrouteError):
    """The router, a deployment, the catalog or a policy is configured wrongly."""


class MissingAPIKeyError(ConfigError):
    """A deployment needs an API key and none was given nor found in the environment."""

    def __init__(self, deployment: str, env_var: str | None) -> None:
        self.deployment = deployment
        self.env_var = env_var
        where = f"the environment variable {env_var} is not set" if env_var else "no key was given"
        super().__init__(
            f"Deployment {deployment!r} has no API key: {where}.",
            field=f"Deployment({deployment!r}).api_key",
            fix=(
                f"export {env_var}=... or pass api_key= to the Deployment"
                if env_var
                else "pass api_key= or api_key_env= to the Deployment"
            ),
        )


class InvalidRequestError(CostrouteError):
    """An argument of chat(), achat() or explain() is invalid. Raised before any network call."""


class UnknownDeploymentError(InvalidRequestError):
    """``model=`` names no deployment, model id or catalog model this router knows."""

    def __init__(
        self, name: str, known: Sequence[str], *, message: str | None = None, fix: str | None = None
    ) -> None:
        self.name = name
        self.known = tuple(known)
        super().__init__(
            message or f"No deployment named {name!r}.",
            field="model",
            fix=fix or f"use 'auto' or one of: {', '.join(sorted(self.known))}",
        )


class UnknownCallError(InvalidRequestError):
    """``feedback()`` names a request id that no call of the ledger has."""

    def __init__(self, request_id: str, where: str) -> None:
        self.request_id = request_id
        super().__init__(
            f"The ledger {where} holds no call with request id {request_id!r}.",
            field="request_id",
            fix="pass the call's own id (resp.costroute.request_id, or the"
            " x-costroute-request-id header of costroute.OpenAI), to a router on the same ledger",
        )


class FeedbackTooLate(InvalidRequestError):
    """``feedback()`` for a call older than the ledger's ``feedback_window``."""

    def __init__(self, request_id: str, called_at: Any, window: Any) -> None:
        self.request_id = request_id
        self.called_at = called_at
        self.window = window
        span = f"{window.days} days" if window.seconds == window.microseconds == 0 else str(window)
        super().__init__(
            f"Call {request_id!r} was made at {called_at.isoformat()}, more than {span} ago:"
            " outside the ledger's feedback window.",
            field="request_id",
            fix="record outcomes within the window, or open the ledger with a longer one"
            " (e.g. SQLiteLedger(path, feedback_window=timedelta(days=90)))",
        )


class NoDeploymentAvailable(CostrouteError):
    """No deployment of the router can serve the request; ``reasons`` says why for each."""

    def __init__(self, message: str, reasons: Sequence[str] = ()) -> None:
        self.reasons = tuple(reasons)
        detail = "; ".join(self.reasons)
        super().__init__(
            f"{message}{': ' + detail if detail else ''}",
            fix="add a deployment with the needed capability, or relax the request",
        )


class BudgetExceeded(CostrouteError):
    """A hard budget limit refuses the call.

    Raised before any network call; or, with ``further=True``, in the middle of a call, before
    a retry or a fallback that its reservation cannot cover and the limit cannot make room for.
    The call then stops: ``needed_usd`` is what that attempt would have added, and the attempts
    already billed (listed in ``attempts``) are settled in the budget and recorded in the ledger.
    """

    def __init__(
        self,
        *,
        window: str,
        scope: str,
        spent_usd: Any,
        reserved_usd: Any,
        limit_usd: Any,
        needed_usd: Any,
        resets_at: str | None,
        further: bool = False,
        attempts: Sequence[Any] = (),
    ) -> None:
        self.window = window
        self.scope = scope
        self.spent_usd = spent_usd
        self.reserved_usd = reserved_usd
        self.limit_usd = limit_usd
        self.needed_usd = needed_usd
        self.resets_at = resets_at
        self.further = further
        self.attempts = tuple(attempts)
        what = "a further attempt of this call" if further else "this call"
        super().__init__(
            f"Budget {window} for {scope} exceeded: spent ${spent_usd} + reserved ${reserved_usd}"
            f" + {what} up to ${needed_usd} > limit ${limit_usd}"
            + (f" (resets {resets_at})" if resets_at else ""),
            fix="raise the limit, lower max_tokens, or wait for the window to reset",
        )


class LedgerError(CostrouteError):
    """The usage ledger cannot be opened or written."""


class RolloutError(CostrouteError):
    """``router.rollout`` refused a step: ``promote()`` of a candidate whose last evaluation does
    not say it beats the current version, ``rollback()`` with no earlier version, and so on."""


class BackendUnavailable(CostrouteError):
    """The shared-state server (Redis) cannot be reached.

    Raised at start when the URL does not answer, and on a call when the store is configured to
    fail closed (``on_store_failure="closed"``): the call is refused before any provider is
    contacted, so a budget cannot be overspent while its state is out of reach.
    """

    def __init__(
        self, url: str, cause: BaseException | None = None, *, during: str = "start"
    ) -> None:
        self.url = url
        self.cause = cause
        super().__init__(
            f"The store at {url} is unreachable ({during})" + (f": {cause}" if cause else "."),
            field="store",
            fix="start the server or fix the URL; or pass on_store_failure='open' to serve "
            "with in-process state while it is down",
        )


class BackendBusy(BackendUnavailable):
    """Every connection of this process's pool to the store stayed in use for the whole wait.

    Raised on a call when the store fails closed and the budget reservation could not get a
    Redis connection within ``pool_timeout_s``: the call is refused before any provider is
    contacted. Redis is not marked down: the next call uses it as usual. It is a
    :class:`BackendUnavailable`, so code that handles refusals of the store handles it too.
    """

    def __init__(
        self, url: str, cause: BaseException | None = None, *, during: str = "start"
    ) -> None:
        self.url = url
        self.cause = cause
        CostrouteError.__init__(
            self,
            f"The store at {url} answers, but no connection of this process's pool was free in "
            f"time ({during})" + (f": {cause}." if cause else "."),
            field="max_connections",
            fix="raise max_connections or pool_timeout_s (redis_store(url, max_connections=..., "
            "pool_timeout_s=...) or Router(store_max_connections=..., store_pool_timeout_s=...)),"
            " or send fewer concurrent calls from this process",
        )


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


def __getattr__(name: str) -> Any:
    """The provider errors, from :mod:`costroute._provider_errors` on first use (it imports
    openai); afterwards they are plain attributes of this module."""
    if name in PROVIDER_ERRORS:
        from costroute import _provider_errors

        value = getattr(_provider_errors, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
