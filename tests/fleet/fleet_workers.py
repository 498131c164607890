"""The child processes of the fleet tests, and the parent's handle on them.

A :class:`Worker` is a process started with ``spawn`` (a fresh interpreter, as on another host)
that imports the provider layer once (litellm: about 4 s) and then runs tasks the parent sends
over a pipe: ``(task name, keyword arguments)`` in, ``("ok", result)`` or ``("error",
traceback)`` out. Tasks are the functions of this module whose name starts with ``task_``;
each gets the worker's ``state`` dict, which lives as long as the process (a router built by one
task is used by the next). Nothing here sleeps: the parent waits on the pipes.

Children find this module through ``sys.path``, which ``spawn`` copies from the parent; the
parent puts this folder there before it starts them (see test_fleet_router.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import traceback
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

__all__ = ["Worker", "deployments_at", "serve"]


# ---- both sides ----------------------------------------------------------------------------


def deployments_at(bases: Mapping[str, str], api_key: str = "sk-sim-not-a-real-key") -> list[Any]:
    """The default catalog pointed at a simulator whose ``api_base`` per provider is ``bases``.

    The same as ``costroute.cli._demo.sim_deployments(sim)``, for a process that only has the
    simulator's URLs (the simulator runs in the parent).
    """
    from pydantic import SecretStr

    from costroute.catalog import default_deployments

    return [
        d.model_copy(update={"api_base": bases[d.provider], "api_key": SecretStr(api_key)})
        for d in default_deployments()
    ]


# ---- the parent's handle -------------------------------------------------------------------


class Worker:
    """One spawned child process and the parent's end of its pipe."""

    def __init__(self, ctx: Any, name: str) -> None:
        self.name = name
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=serve, args=(child,), name=name, daemon=True)
        self.proc.start()
        child.close()
        self.pid: int | None = None
        self._stopping = False

    def ready(self, timeout: float = 60.0) -> int:
        """Wait for the child to have imported the provider layer; its pid."""
        kind, pid = self._receive(timeout)
        assert kind == "ready", (kind, pid)
        self.pid = int(pid)
        return self.pid

    def send(self, task: str, **kwargs: Any) -> None:
        """Start ``task`` in the child; :meth:`result` waits for its answer."""
        self.conn.send((task, kwargs))

    def result(self, timeout: float = 60.0) -> Any:
        kind, value = self._receive(timeout)
        if kind != "ok":
            raise AssertionError(f"{self.name} failed:\n{value}")
        return value

    def call(self, task: str, timeout: float = 60.0, **kwargs: Any) -> Any:
        """Run ``task`` in the child and return its result."""
        self.send(task, **kwargs)
        return self.result(timeout)

    def _receive(self, timeout: float) -> tuple[str, Any]:
        if not self.conn.poll(timeout):  # waits on the pipe, not on a clock
            raise AssertionError(f"{self.name} gave no answer within {timeout} s")
        kind, value = self.conn.recv()
        return kind, value

    def ask_to_stop(self) -> None:
        """Tell the child to exit after its current task (exiting takes it about a second:
        ask every worker first, then :meth:`stop` each)."""
        if not self._stopping:
            self._stopping = True
            with contextlib.suppress(OSError):
                self.conn.send(None)

    def stop(self) -> None:
        self.ask_to_stop()
        self.proc.join(timeout=10)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(timeout=5)
        self.conn.close()


# ---- the child -----------------------------------------------------------------------------


def serve(conn: Any) -> None:
    """The child's main loop: import the provider layer, say ready, run tasks until ``None``."""
    from costroute.providers import litellm

    litellm()  # the ~4 s import, once per process, before any task is timed
    conn.send(("ready", os.getpid()))
    state: dict[str, Any] = {}
    tasks = {name: fn for name, fn in globals().items() if name.startswith("task_")}
    while True:
        message = conn.recv()
        if message is None:
            break
        name, kwargs = message
        try:
            conn.send(("ok", tasks[name](state, **kwargs)))
        except BaseException:
            conn.send(("error", traceback.format_exc()))
    for router in state.values():
        _close(router)


def _close(router: Any) -> None:
    ledger = getattr(router, "ledger", None)
    if ledger is not None:
        ledger.close()


def _store(redis_url: str, prefix: str, **options: Any) -> Any:
    from costroute.store import redis_store

    return redis_store(redis_url, prefix=prefix, **options)


# ---- tasks: the fleet budget ----------------------------------------------------------------


def task_budget_prepare(
    state: dict[str, Any],
    *,
    bases: Mapping[str, str],
    redis_url: str,
    prefix: str,
    limit_usd: str,
) -> str:
    """Build this process's router over the shared Redis budget; nothing is sent yet."""
    import costroute
    from costroute.budget import Budget, Limit

    state["budget"] = costroute.Router(
        deployments_at(bases),
        store=_store(redis_url, prefix),
        budget=Budget([Limit(usd=limit_usd, window="month")]),
        ledger=False,
    )
    return repr(state["budget"])


def task_budget_run(
    state: dict[str, Any], *, calls: int, messages: list[dict[str, str]], max_tokens: int
) -> dict[str, Any]:
    """``calls`` concurrent ``router.achat`` calls (asyncio tasks) through the prepared router.

    Returns what happened to each: the costs of the admitted calls (exact decimals, as text),
    the refusals (window, scope, limit) and any other error.
    """
    from costroute.errors import BudgetExceeded

    router = state["budget"]
    costs: list[str] = []
    refusals: list[tuple[str, str, str]] = []
    others: list[str] = []

    async def one() -> None:
        try:
            resp = await router.achat(
                messages=messages, model="deepseek-v4-flash", max_tokens=max_tokens
            )
        except BudgetExceeded as exc:
            refusals.append((exc.window, exc.scope, str(exc.limit_usd)))
        except Exception as exc:
            others.append(f"{type(exc).__name__}: {exc}")
        else:
            costs.append(str(resp.costroute.cost_usd))

    async def main() -> None:
        await asyncio.gather(*(one() for _ in range(calls)))

    began = time.perf_counter()
    asyncio.run(main())
    return {
        "pid": os.getpid(),
        "costs": costs,
        "refusals": refusals,
        "others": others,
        "seconds": time.perf_counter() - began,
    }


class FixedPolicy:
    """A policy that always plans the same deployments, in order (primary, then fallbacks)."""

    def __init__(self, order: list[str], name: str = "fixed") -> None:
        self.order = list(order)
        self.name = name

    def route(self, request: Any, signals: Any) -> Any:
        from costroute.types import Choice, Plan

        return Plan(
            choices=tuple(Choice(deployment=d, reasons=("fixed",)) for d in self.order),
            policy=self.name,
            difficulty=0.0,
            reasons=("fixed plan",),
        )


def task_budget_streams(
    state: dict[str, Any],
    *,
    bases: Mapping[str, str],
    redis_url: str,
    prefix: str,
    limit_usd: str,
    order: list[str],
    calls: int,
    messages: list[dict[str, str]],
    max_tokens: int,
) -> dict[str, Any]:
    """``calls`` concurrent streamed ``achat`` calls over the shared Redis budget, planned
    ``order`` (the simulator cuts the primary's streams before content). Retries do not wait.

    Returns the cost of each answered call, of each call stopped by the budget mid-way (what its
    billed attempts cost), the refusals before any attempt, and any other error.
    """
    import costroute
    from costroute.budget import Budget, Limit
    from costroute.errors import BudgetExceeded
    from costroute.executor import RetryConfig

    async def no_wait(seconds: float) -> None:
        return None

    router = costroute.Router(
        deployments_at(bases),
        policy=FixedPolicy(order),
        store=_store(redis_url, prefix),
        budget=Budget([Limit(usd=limit_usd, window="month")]),
        retry=RetryConfig(attempts=2, backoff_s=0),
        sleep=lambda seconds: None,
        asleep=no_wait,
        ledger=False,
    )
    answered: list[str] = []
    stopped: list[str] = []
    refused: list[str] = []
    others: list[str] = []

    async def one() -> None:
        try:
            stream = await router.achat(messages=messages, max_tokens=max_tokens, stream=True)
            async for _ in stream:
                pass
        except BudgetExceeded as exc:
            if getattr(exc, "further", False):  # stopped mid-way: its billed attempts
                stopped.append(str(sum(a.cost_usd for a in exc.attempts)))
            else:
                refused.append(exc.window)
        except Exception as exc:
            others.append(f"{type(exc).__name__}: {exc}")
        else:
            answered.append(str(stream.costroute.cost_usd))

    async def main() -> None:
        await asyncio.gather(*(one() for _ in range(calls)))

    asyncio.run(main())
    return {
        "pid": os.getpid(),
        "answered": answered,
        "stopped": stopped,
        "refused": refused,
        "others": others,
    }


# ---- tasks: response cache, breakers, ledger --------------------------------------------------


def task_cached_chat(
    state: dict[str, Any], *, bases: Mapping[str, str], cache: str, messages: list[dict[str, str]]
) -> dict[str, Any]:
    """One call through a fresh ``Router(cache=...)``; what it answered and whether from cache."""
    import costroute

    router = costroute.Router(deployments_at(bases), cache=cache, ledger=False)
    resp = router.chat(messages=messages, temperature=0)
    info = resp.costroute
    return {
        "pid": os.getpid(),
        "content": resp.choices[0].message.content,
        "cached": info.cached,
        "deployment": info.deployment,
        "cost": str(info.cost_usd),
        "saved": str(info.saved_usd),
        "attempts": len(info.attempts),
    }


def task_trip_breaker(
    state: dict[str, Any],
    *,
    bases: Mapping[str, str],
    redis_url: str,
    prefix: str,
    deployment: str,
    failures: int,
) -> dict[str, Any]:
    """Call ``deployment`` (pinned) until its breaker opens; the faults come from the simulator.

    One attempt per call (no retry) and a breaker that opens after ``failures`` failures in a
    row: exactly ``failures`` calls fail, and the breaker in Redis is open after them.
    """
    import costroute
    from costroute.breaker import BreakerConfig
    from costroute.errors import CostrouteError
    from costroute.executor import RetryConfig

    config = BreakerConfig(consecutive_failures=failures, cooldown_s=600)
    router = costroute.Router(
        deployments_at(bases),
        store=_store(redis_url, prefix, breakers=config),
        retry=RetryConfig(attempts=1),
        ledger=False,
    )
    errors: list[str] = []
    messages = [{"role": "user", "content": "hi!"}]
    for _ in range(failures):
        try:
            router.chat(messages=messages, model=deployment)
        except CostrouteError as exc:
            errors.append(type(exc).__name__)
    state_after = router.state.breakers.state(deployment)
    return {"pid": os.getpid(), "errors": errors, "state": state_after.state}


def task_explain(
    state: dict[str, Any],
    *,
    bases: Mapping[str, str],
    redis_url: str,
    prefix: str,
    messages: list[dict[str, str]],
) -> dict[str, Any]:
    """A fresh router over the shared store: its plan for ``messages``, then one real call."""
    import costroute

    router = costroute.Router(deployments_at(bases), store=_store(redis_url, prefix), ledger=False)
    plan = router.explain(messages=messages)
    resp = router.chat(messages=messages)
    return {
        "pid": os.getpid(),
        "rejected": [list(r) for r in plan.rejected],
        "reasons": list(plan.reasons),
        "choices": [c.deployment for c in plan.choices],
        "answered_by": resp.costroute.deployment,
    }


def task_ledger_calls(
    state: dict[str, Any],
    *,
    bases: Mapping[str, str],
    ledger: str,
    calls: int,
    tag: str,
) -> list[str]:
    """``calls`` calls through a router that writes to the shared ledger; their request ids."""
    import costroute

    router = costroute.Router(deployments_at(bases), ledger=ledger)
    try:
        ids = []
        for i in range(calls):
            resp = router.chat(
                messages=[{"role": "user", "content": f"Say hello to {tag} number {i}."}],
                tags={"worker": tag},
            )
            ids.append(resp.costroute.request_id)
        return ids
    finally:
        _close(router)


def decimal_sum(values: list[str]) -> Decimal:
    """The exact sum of decimal strings."""
    return sum((Decimal(v) for v in values), Decimal(0))
