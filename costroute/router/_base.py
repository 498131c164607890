"""The router's constructor (every option of ``Router``, checked and wired up) and the part of
the router that does no I/O: planning and settling.

``Router`` (sync and async twins) builds on it; ``Router.explain()`` is this part alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import time
import warnings
from collections.abc import Awaitable, Callable, Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from costroute import difficulty, pricing
from costroute._ids import new_id
from costroute._request import build_request, prompt_text
from costroute.breaker import BreakerConfig
from costroute.cache import open_cache
from costroute.catalog import (
    Deployment,
    ModelId,
    ParamRules,
    default_deployments,
)
from costroute.difficulty import Estimator, Messages
from costroute.executor import Executor, Outcome, RetryConfig
from costroute.policy import (
    Policy,
    validate_policy,
)
from costroute.router._checks import (
    ModelDeprecationWarning,
    check_keep_embeddings,
    check_options,
    index_deployments,
    litellm_rules,
    pick_baseline,
)
from costroute.router._hits import CacheHits
from costroute.router._ledger import open_router_ledger
from costroute.router._planning import Planner
from costroute.router._policy import estimator_of, resolve_policy
from costroute.router._state import RouterState
from costroute.router._version import Decider, first_decider
from costroute.store import Store
from costroute.types import CallInfo, Plan, Request

if TYPE_CHECKING:
    from redis import Redis

    from costroute.budget import Budget
    from costroute.cache import ResponseCache
    from costroute.ledger import LedgerLike
    from costroute.observe import ObserverLike
    from costroute.router._labeling import Labeling

__all__ = ["RouterBase"]

ZERO = Decimal(0)


class RouterBase(CacheHits, Planner):
    """Configuration (``Router``'s constructor is this ``__init__``), planning and settlement;
    no network."""

    def __init__(
        self,
        deployments: Iterable[Deployment] | None = None,
        *,
        policy: Policy | str | os.PathLike[str] | None = None,
        baseline: str | None = None,
        estimator: Estimator | Callable[[Messages], float] | str | os.PathLike[str] | None = None,
        timeout: float = 120.0,
        retry: RetryConfig | None = None,
        params: Literal["drop", "strict"] = "drop",
        model_ids: Literal["strict", "route"] = "strict",
        param_rules: Callable[[Deployment], ParamRules] | None = None,
        cache: ResponseCache | Redis | str | bool | None = None,
        store: Store | str | None = None,
        on_store_failure: Literal["closed", "open"] = "closed",
        store_max_connections: int | None = None,
        store_pool_timeout_s: float | None = None,
        budget: Budget | None = None,
        breakers: BreakerConfig | None = None,
        ledger: LedgerLike | str | Literal[False] | None = None,
        on_ledger_error: Literal["raise", "warn"] = "raise",
        store_prompts: bool = False,
        keep_embeddings: bool = False,
        observer: ObserverLike | None = None,
        labeling: Labeling | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], dt.datetime] | None = None,
        wall_clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        asleep: Callable[[float], Awaitable[None]] | None = None,
        rng: Callable[[], float] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        """A router; every argument is optional, and checked here (``ConfigError`` naming it).

        Args:
            deployments: the models it routes over (default: the built-in catalog's).
            policy: a Policy, a preset name ("balanced", the default) or a policy file's path.
            baseline: the deployment or catalog model savings are measured against.
            estimator: difficulty scorer: a name, a weights file, an Estimator, messages -> float.
            timeout: seconds one whole call may take, retries and fallbacks included.
            retry: tries per deployment before falling back (``RetryConfig``).
            params: "drop" a sampling hint a deployment cannot take, or skip it ("strict").
            model_ids: an unknown ``model=`` raises ("strict") or routes as "auto" ("route").
            param_rules: deployment -> ``ParamRules`` it accepts (default: litellm's, per model).
            cache: response cache: False, "memory", a redis URL or client, a ResponseCache.
            store: budgets, latency and breakers: "memory", a redis URL, or a ``Store``.
            on_store_failure: while Redis is down, refuse budgeted calls ("closed") or serve them.
            store_max_connections: connections per pool of a Redis store (default 20).
            store_pool_timeout_s: seconds a command waits for a free connection (default 30).
            budget: hard and soft spending limits (``Budget`` of ``Limit``s).
            breakers: circuit breaker settings per deployment (``BreakerConfig``).
            ledger: where calls are recorded: a URL, a ``LedgerLike``, or False for none.
            on_ledger_error: a record that cannot be written "raise"s LedgerError, or "warn"s.
            store_prompts: keep each prompt's text in the ledger, not only its hash.
            keep_embeddings: keep each routed prompt's embedding (needs estimator="embedding").
            observer: told of each decision, attempt and completion (``ObserverLike``).
            labeling: judge a sample of calls against a reference in the background (``Labeling``).
            clock: monotonic seconds, for deadlines and latencies.
            now: the current aware datetime, for prices, deprecations and ledger times.
            wall_clock: epoch seconds, for budget windows.
            sleep: waits between retries.
            asleep: waits between retries of async calls (default: ``asyncio.sleep``).
            rng: random floats in [0, 1), for retry jitter, labelling samples and online policies.
            environ: where API keys are read (default: ``os.environ``).

        ``cache``, ``store`` and ``ledger`` left None read ``COSTROUTE_CACHE`` (else no cache),
        ``COSTROUTE_STORE_URL`` (else in-process) and ``COSTROUTE_LEDGER_URL`` (else SQLite at
        the default path). See docs/api.md.
        """
        check_options(
            timeout=timeout,
            on_store_failure=on_store_failure,
            params=params,
            model_ids=model_ids,
            on_ledger_error=on_ledger_error,
            observer=observer,
            labeling=labeling,
        )
        self.params_mode = params
        self.model_ids = model_ids
        # Which OpenAI parameters each deployment accepts; read from litellm (once per model)
        # only for a request that sets one.
        self.param_rules: Callable[[Deployment], ParamRules] = param_rules or litellm_rules
        self._model_ids: dict[str, tuple[ModelId, Deployment | None]] = {}
        self.deployments = index_deployments(
            default_deployments() if deployments is None else deployments
        )
        self.policy: Policy = resolve_policy(policy, self.deployments)
        validate_policy(self.policy, self.deployments)
        self.baseline = pick_baseline(
            self.deployments, baseline or getattr(self.policy, "baseline", None)
        )
        self._own_estimator = estimator is not None
        self.estimator = (
            difficulty.load_estimator(estimator)
            if estimator is not None
            else estimator_of(self.policy) or difficulty.default_estimator()
        )
        self.keep_embeddings = check_keep_embeddings(keep_embeddings, self.estimator)
        # What decides each call (policy + estimator) as one version; router.rollout swaps it.
        self._decider: Decider = first_decider(self.policy, self.estimator, self._own_estimator)
        self._shadow: Decider | None = None
        self.timeout = float(timeout)
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        self.environ = environ
        self.executor = Executor(
            self.deployments,
            retry=retry,
            clock=clock,
            now=self.now,
            sleep=sleep,
            asleep=asleep,
            environ=environ,
            rng=rng,
        )
        self.cache: ResponseCache | None = open_cache(cache)
        options: dict[str, Any] = {
            "breakers": breakers,
            "max_connections": store_max_connections,
            "pool_timeout_s": store_pool_timeout_s,
        }
        if on_store_failure != "closed":
            options["on_failure"] = on_store_failure
        self.state = RouterState(
            self.deployments, store=store, budget=budget, wall_clock=wall_clock, **options
        )
        self.executor.breakers = self.state.breakers
        self._policies: dict[str, Policy] = {self.policy.name: self.policy}
        self._hit_plans: dict[tuple[str, str], Plan] = {}
        self.ledger: LedgerLike | None = open_router_ledger(ledger)
        self.state.restore_from(self.ledger)
        self.store_prompts = store_prompts
        self.on_ledger_error = on_ledger_error
        self.observer = observer
        if observer is not None:
            self.executor.on_attempt = observer.attempt
        self.rng: Callable[[], float] = rng or random.random
        self._setup_labeling(labeling, wall_clock)
        self._setup_offload()
        self._warn_deprecated()

    def _setup_offload(self) -> None:
        """Set by ``Router``: which of its bookkeeping ``achat`` runs in a worker thread."""

    def _setup_labeling(self, labeling: Labeling | None, wall_clock: Callable[[], float]) -> None:
        """Set by ``Router``: its background labeller (``router.labeling``)."""

    def _warn_deprecated(self) -> None:
        today = self.now().date()
        for dep in self.deployments.values():
            notice = dep.deprecation_notice(today)
            if notice:
                warnings.warn(notice, ModelDeprecationWarning, stacklevel=3)

    # ---- planning (pure) ---------------------------------------------------------------------

    def _prepare(
        self, messages: Any, kwargs: Mapping[str, Any], *, explaining: bool = False
    ) -> tuple[Request, Plan]:
        request = build_request(messages, kwargs)
        return request, self._plan(request, explaining=explaining)

    def explain(self, messages: Any, **kwargs: Any) -> Plan:
        """The plan ``chat()`` would follow for this request, with its reasons; no network
        call, nothing recorded, no key needed (without any, it plans over every deployment and
        a reason says so)."""
        return self._prepare(messages, kwargs, explaining=True)[1]

    # ---- settling --------------------------------------------------------------------------

    def _settle(
        self,
        request: Request,
        plan: Plan,
        outcome: Outcome,
        started: float,
        request_id: str,
    ) -> CallInfo:
        dep = outcome.deployment
        cost = sum((a.cost_usd for a in outcome.attempts), ZERO)
        reference = self._baseline_for(request)
        if outcome.baseline_usd is not None:
            baseline = outcome.baseline_usd
        else:
            baseline = pricing.baseline_cost(outcome.usage, reference.prices, self.now())
        ttft = outcome.attempts[-1].ttft_ms if outcome.attempts else None
        return CallInfo(
            request_id=request_id,
            deployment=dep.name,
            model=dep.model,
            provider=dep.provider,
            policy=plan.policy,
            difficulty=plan.difficulty,
            category=plan.category,
            reasons=(*plan.reasons, *outcome.notes) if outcome.notes else plan.reasons,
            cost_usd=cost,
            baseline_model=reference.name,
            baseline_cost_usd=baseline,
            usage=outcome.usage,
            attempts=tuple(outcome.attempts),
            latency_ms=(self.executor.clock() - started) * 1000.0,
            ttft_ms=ttft,
            cached=outcome.cached,
            router_version=plan.router_version,
        )

    @staticmethod
    def _new_id() -> str:
        """A request id unique across threads, processes and forks (see costroute._ids)."""
        return new_id()

    @staticmethod
    def _prompt_hash(request: Request) -> str:
        return hashlib.sha256(prompt_text(request.messages).encode()).hexdigest()

    def __repr__(self) -> str:
        names = ", ".join(self.deployments)
        return f"<Router policy={self.policy.name!r} baseline={self.baseline.name!r} [{names}]>"
