"""What ``achat`` hands to a worker thread, so that the event loop never waits on I/O; mixed
into ``Router``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from costroute import providers
from costroute.router._finish import Finisher

if TYPE_CHECKING:
    from costroute.cache import ResponseCache
    from costroute.catalog import Deployment
    from costroute.difficulty import Estimator
    from costroute.executor import Executor
    from costroute.ledger import LedgerLike
    from costroute.router._state import RouterState

__all__ = ["AsyncOffload"]

_WARM_UP = ({"role": "user", "content": "."},)


class AsyncOffload:
    """Mixed into Router: which of its bookkeeping ``achat`` runs in a worker thread."""

    cache: ResponseCache | None
    deployments: dict[str, Deployment]
    estimator: Estimator
    executor: Executor
    ledger: LedgerLike | None
    state: RouterState

    def _setup_offload(self) -> None:
        # What achat hands to a worker thread, so that the event loop never waits on I/O: the
        # cache lookup, planning and the budget reservation when they read Redis (or a hit is
        # recorded in the ledger, or the estimator runs an embedding model), a breaker check
        # before an attempt when the breakers are in Redis, and settling (or giving a
        # reservation back) when it writes Redis or a ledger that is not a Ledger.
        remote_cache = self.cache is not None and not _in_memory(self.cache)
        remote_store = self.state.store.kind != "memory"
        # an estimator that runs a model (the embedding one: 12-25 ms a prompt) plans off the loop
        encodes = callable(getattr(self.estimator, "estimate_embedded", None))
        self._offload_begin = (
            remote_store
            or remote_cache
            or encodes
            or (self.cache is not None and self.ledger is not None)
        )
        self._offload_settle = remote_store or remote_cache or self.ledger is not None
        self.executor.offload_breakers = remote_store
        # With the in-process store and cache, a Ledger is settling's only I/O: settle on the
        # loop and await the record through the ledger's group commit (Ledger.aappend).
        self._settle_on_loop = not (remote_store or remote_cache) and _groups(self.ledger)
        if self._offload_settle:
            self.executor.offload = self._aoffload
        self._warm = False  # see _warm_up

    async def _aoffload(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Settling (or giving a reservation back) from an async path without blocking the loop:
        in a worker thread, or on the loop with the record awaited (see _setup_offload)."""
        if self._settle_on_loop:
            if isinstance(fn, Finisher):
                return await fn.asettle(*args)
            if getattr(fn, "__func__", None) is Finisher.release:  # in-process state only
                return fn(*args)
        return await asyncio.to_thread(fn, *args)

    def _warm_up(self) -> None:
        """What the first ``achat`` does in a worker thread, never on the event loop: import
        litellm (seconds) and, for a router with a budget, load the tokenizer of each model its
        reservations count (litellm loads one on its first count: 0.44 s for DeepSeek's and
        0.36 s for OpenAI's on this project's machine; a count is then tens of microseconds)."""
        providers.litellm()
        if self.state.has_limits:
            counted: set[str] = set()
            for dep in self.deployments.values():
                if dep.provider in providers.EXACT_PROVIDERS and dep.model not in counted:
                    counted.add(dep.model)
                    providers.count_prompt_tokens(dep, _WARM_UP)
        self._warm = True


def _groups(ledger: object) -> bool:
    """Whether ``ledger`` commits async appends in groups (a :class:`~costroute.ledger.Ledger`;
    any other object with ``append`` is written to from a worker thread)."""
    if ledger is None:
        return False
    from costroute.ledger import Ledger

    return isinstance(ledger, Ledger)


def _in_memory(cache: object) -> bool:
    from costroute.cache import MemoryResponseCache

    return isinstance(cache, MemoryResponseCache)
