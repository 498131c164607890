"""The root of the costroute exception tree, and the errors about the caller's configuration
and input: a setting or an argument that is wrong (each names the field and the fix).

Read them as ``costroute.errors.<Name>``, their public home (see :mod:`costroute.errors`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "ConfigError",
    "CostrouteError",
    "FeedbackTooLate",
    "InvalidRequestError",
    "MissingAPIKeyError",
    "NoDeploymentAvailable",
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
