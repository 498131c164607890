"""``RouterOptions``: the keyword arguments of ``Router(...)`` as a TypedDict.

For code that builds a router for its caller: typed ``**kwargs: Unpack[RouterOptions]``, its
callers' options are checked by name and type as ``Router``'s are (``costroute.OpenAI`` takes
``Unpack[ClientOptions]``, the same less ``timeout``).
``Router.__init__`` itself lists them explicitly (for ``help()`` and IDEs), with the same types;
tests/router/test_options.py keeps the two the same.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Literal, TypedDict

from costroute.breaker import BreakerConfig
from costroute.budget import Budget
from costroute.cache import ResponseCache
from costroute.catalog import Deployment, ParamRules
from costroute.difficulty import Estimator, Messages
from costroute.executor import RetryConfig
from costroute.observe import ObserverLike
from costroute.policy import Policy
from costroute.router._labeling import Labeling
from costroute.store import Store

if TYPE_CHECKING:
    from redis import Redis

    from costroute.ledger import LedgerLike

__all__ = ["ClientOptions", "RouterOptions"]


class ClientOptions(TypedDict, total=False):
    """The ``Router`` options ``costroute.OpenAI`` and ``AsyncOpenAI`` forward: every one but
    ``timeout`` (theirs is the openai SDK's own argument: each call's deadline)."""

    deployments: Iterable[Deployment] | None
    policy: Policy | str | os.PathLike[str] | None
    baseline: str | None
    estimator: Estimator | Callable[[Messages], float] | str | os.PathLike[str] | None
    retry: RetryConfig | None
    params: Literal["drop", "strict"]
    model_ids: Literal["strict", "route"]
    param_rules: Callable[[Deployment], ParamRules] | None
    cache: ResponseCache | Redis | str | bool | None
    store: Store | str | None
    on_store_failure: Literal["closed", "open"]
    store_max_connections: int | None
    store_pool_timeout_s: float | None
    budget: Budget | None
    breakers: BreakerConfig | None
    ledger: LedgerLike | str | Literal[False] | None
    on_ledger_error: Literal["raise", "warn"]
    store_prompts: bool
    keep_embeddings: bool
    observer: ObserverLike | None
    labeling: Labeling | None
    clock: Callable[[], float]
    now: Callable[[], dt.datetime] | None
    wall_clock: Callable[[], float]
    sleep: Callable[[float], None]
    asleep: Callable[[float], Awaitable[None]] | None
    rng: Callable[[], float] | None
    environ: Mapping[str, str] | None


class RouterOptions(ClientOptions, total=False):
    """Every argument of ``Router(...)``, by name; see ``help(costroute.Router.__init__)``."""

    timeout: float
