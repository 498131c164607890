"""The costroute exception tree.

Every error raised by costroute is a :class:`CostrouteError`. Errors about the caller's input or
configuration say which field is wrong and how to fix it; errors from a provider keep the status
code, the provider, the deployment and the Retry-After the provider sent. Users catch these,
never litellm's exceptions: the provider layer translates them at the one place it calls litellm.

::

    CostrouteError
    ├── ConfigError                  bad configuration (deployment, catalog, policy, store URL)
    │   └── MissingAPIKeyError       a deployment has no key (names the environment variable)
    ├── InvalidRequestError          a bad argument to chat()/explain(), raised before any network
    │   └── UnknownDeploymentError   model= names no deployment of this router
    ├── NoDeploymentAvailable        no deployment can serve the request (capabilities, context)
    ├── BudgetExceeded               a hard budget limit refuses the call (or a further attempt)
    ├── ProviderError                the provider answered with an error (or did not answer)
    │   ├── RateLimitError           429
    │   ├── ProviderUnavailableError 500, 502, 503, 504, 529 (overloaded)
    │   ├── ProviderTimeout          408, read/connect timeout
    │   ├── ProviderConnectionError  connection refused or reset, or a stream cut before its end
    │   ├── AuthenticationError      401, 403
    │   ├── ModelNotFoundError       404
    │   ├── ContextWindowExceeded    400, the prompt does not fit the model's window
    │   ├── BadRequestError          400 and other 4xx: the request is malformed
    │   └── InvalidResponseError     a 200 whose body is not a valid completion
    ├── AllDeploymentsFailed         every choice of the plan failed (carries the attempts)
    ├── StreamInterrupted            a stream broke after content was sent (carries the text)
    ├── LedgerError                  the usage ledger cannot be opened or written
    └── BackendUnavailable           Redis (shared state) is unreachable, and the store fails closed
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "AllDeploymentsFailed",
    "AuthenticationError",
    "BackendUnavailable",
    "BadRequestError",
    "BudgetExceeded",
    "ConfigError",
    "ContextWindowExceeded",
    "CostrouteError",
    "InvalidRequestError",
    "InvalidResponseError",
    "LedgerError",
    "MissingAPIKeyError",
    "ModelNotFoundError",
    "NoDeploymentAvailable",
    "ProviderConnectionError",
    "ProviderError",
    "ProviderTimeout",
    "ProviderUnavailableError",
    "RateLimitError",
    "StreamInterrupted",
    "UnknownDeploymentError",
]


class CostrouteError(Exception):
    """Base of every error costroute raises.

    ``field`` names the argument or setting at fault (``None`` when no single one is) and
    ``fix`` says what to do; both are part of the message.
    """

    def __init__(self, message: str, *, field: str | None = None, fix: str | None = None) -> None:
        self.field = field
        self.fix = fix
        self.reason = message
        parts = [message]
        if field:
            parts.append(f"(field: {field})")
        if fix:
            parts.append(f"Fix: {fix}")
        super().__init__(" ".join(parts))


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
    """``model=`` pins a deployment this router does not have."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        self.name = name
        self.known = tuple(known)
        super().__init__(
            f"No deployment named {name!r}.",
            field="model",
            fix=f"use 'auto' or one of: {', '.join(sorted(self.known))}",
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


class ProviderError(CostrouteError):
    """The provider answered with an error, or did not answer.

    Keeps ``status_code``, ``provider``, ``deployment`` and ``retry_after`` (seconds, from the
    provider's Retry-After header when it sent one).
    """

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        provider: str | None = None,
        deployment: str | None = None,
        retry_after: float | None = None,
        fix: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.provider = provider
        self.deployment = deployment
        self.retry_after = retry_after
        head = f"{provider or 'provider'}"
        if deployment:
            head += f" (deployment {deployment!r})"
        if status_code is not None:
            head += f" returned {status_code}"
        super().__init__(f"{head}: {message}", fix=fix)


class RateLimitError(ProviderError):
    """429: the provider is rate limiting this key."""

    retryable = True


class ProviderUnavailableError(ProviderError):
    """500, 502, 503, 504 or 529: the provider failed or is overloaded."""

    retryable = True


class ProviderTimeout(ProviderError):
    """The provider did not answer in time (408 or a client-side timeout)."""

    retryable = True


class ProviderConnectionError(ProviderError):
    """The connection failed or was reset, or a stream broke (status 200: it had opened)."""

    retryable = True


class AuthenticationError(ProviderError):
    """401 or 403: the key is wrong, revoked, or not allowed to use this model."""


class ModelNotFoundError(ProviderError):
    """404: the provider does not know this model (retired, misspelt, wrong api_base)."""


class ContextWindowExceeded(ProviderError):
    """The prompt does not fit the model's context window."""


class BadRequestError(ProviderError):
    """The provider rejected the request as malformed. Not retried anywhere."""


class InvalidResponseError(ProviderError):
    """The provider answered 200 with a body that is not a valid completion."""

    retryable = True


class AllDeploymentsFailed(CostrouteError):
    """Every choice of the plan failed; ``attempts`` holds what was tried, ``last`` the cause,
    ``notes`` what the run said on the way (fallbacks, and choices skipped and why)."""

    def __init__(
        self, attempts: Sequence[Any], last: BaseException | None, notes: Sequence[str] = ()
    ) -> None:
        self.attempts = tuple(attempts)
        self.last = last
        self.notes = tuple(notes)
        tried = ", ".join(
            f"{getattr(a, 'deployment', '?')}:{getattr(a, 'error', None) or 'ok'}"
            for a in self.attempts
        )
        super().__init__(
            f"All deployments failed after {len(self.attempts)} attempt(s) [{tried}]."
            + (f" Last error: {last}" if last else "")
            + (f" ({'; '.join(self.notes)})" if self.notes else ""),
            fix="check the providers' status and keys; see .attempts for each failure",
        )


class StreamInterrupted(CostrouteError):
    """A stream broke after content had been sent; ``partial_text`` holds what arrived."""

    def __init__(self, deployment: str, partial_text: str, cause: BaseException | None) -> None:
        self.deployment = deployment
        self.partial_text = partial_text
        self.cause = cause
        super().__init__(
            f"The stream from deployment {deployment!r} broke after {len(partial_text)} characters"
            + (f": {cause}" if cause else "."),
            fix="retry the request; the partial text is in .partial_text and was billed",
        )


class LedgerError(CostrouteError):
    """The usage ledger cannot be opened or written."""


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
