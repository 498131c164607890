"""The errors of the state costroute keeps for the caller: a budget that refuses a call, the
usage ledger, a rollout step, and the shared-state server (Redis).

Read them as ``costroute.errors.<Name>``, their public home (see :mod:`costroute.errors`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from costroute._errors import CostrouteError

__all__ = ["BackendBusy", "BackendUnavailable", "BudgetExceeded", "LedgerError", "RolloutError"]


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
