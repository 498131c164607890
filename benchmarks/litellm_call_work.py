"""Where litellm's work in one of costroute's calls goes, and what costroute can switch off per call.

Each request is one ``litellm.acompletion`` with the keyword arguments costroute builds
(``providers.build_kwargs``, deployment deepseek-v4-flash) against the fake provider of
``benchmarks/concurrency.py`` (its own process). Two measures:

- Python function calls per request (cProfile's counts, which do not depend on what else the
  machine runs, unlike time on a shared one): on the event loop's thread, and in litellm's sync
  half (``litellm.main.completion``, which ``acompletion`` runs in the loop's default thread
  pool), over ``--calls`` sequential requests per variant (the provider answers at once):

  - ``as today``: costroute's arguments;
  - ``+ no-log``: litellm's documented per-request ``"no-log": True``;
  - ``+ custom_llm_provider``: the provider passed as litellm resolves it;
  - ``+ per-call prices``: ``input_cost_per_token`` / ``output_cost_per_token``, litellm's
    documented custom pricing, so that its cost stamp need not look the model up;
  - ``experiment: no success logging``: not an option (litellm's private ``is_internal_call``
    flag, which costroute may not use: docs/api.md, "litellm releases");
  - ``experiment: no cost, no logging``: not an option either: the flag, and the response's
    cost stamp (``ResponseMetadata.set_hidden_params``) replaced by a no-op in this process.

- CPU per request of the parts of litellm's work costroute does not use, in a pass of ``--n``
  concurrent requests as costroute makes them (the provider answers in 200 ms) (each part timed with ``time.thread_time`` in
  the thread that runs it): the cost stamped on the response (``set_hidden_params``, which
  prices the call), the success-logging payload (``Logging._success_handler_helper_fn``), and,
  for scale, the sync half and the whole process.

    python benchmarks/litellm_call_work.py [--calls 200] [--n 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from concurrency import MESSAGES, start_provider

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

OPTIONS: dict[str, dict[str, Any]] = {
    "as today": {},
    "+ no-log": {"no-log": True},
    "+ custom_llm_provider": {"custom_llm_provider": "deepseek"},
    # litellm's documented per-call prices (any values): its cost stamp uses them, not its map
    "+ per-call prices": {"input_cost_per_token": 2.8e-07, "output_cost_per_token": 4.2e-07},
}
EXPERIMENTS = ("experiment: no success logging", "experiment: no cost, no logging")


def _kwargs(port: int) -> dict[str, Any]:
    from costroute.catalog import known
    from costroute.providers import build_kwargs

    dep = known("deepseek-v4-flash", api_key="sk-fake").model_copy(
        update={"api_base": f"http://127.0.0.1:{port}"}
    )
    return build_kwargs(dep, MESSAGES, {}, api_key="sk-fake", timeout=60)


@contextmanager
def _experiment(name: str) -> Iterator[None]:
    """litellm's success logging (and, for the second experiment, its cost stamp) switched off
    in this process, to measure their size: neither is a per-call option."""
    from litellm._internal_context import is_internal_call
    from litellm.litellm_core_utils.llm_response_utils.response_metadata import ResponseMetadata

    stamp = ResponseMetadata.set_hidden_params
    token = is_internal_call.set(True)
    if name == EXPERIMENTS[1]:
        ResponseMetadata.set_hidden_params = lambda *a, **k: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        ResponseMetadata.set_hidden_params = stamp  # type: ignore[method-assign]
        is_internal_call.reset(token)


class _SyncHalf:
    """Profiles ``litellm.main.completion`` (the sync half) in whichever thread runs it."""

    def __init__(self, main: Any) -> None:
        self.main, self.inner = main, main.completion
        self.profile: cProfile.Profile | None = None
        main.completion = self

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.profile is None:
            return self.inner(*args, **kwargs)
        self.profile.enable()
        try:
            return self.inner(*args, **kwargs)
        finally:
            self.profile.disable()


def _count(profile: cProfile.Profile) -> int:
    stats: Any = pstats.Stats(profile)
    return sum(entry[1] for entry in stats.stats.values())


async def call_counts(port: int, calls: int) -> None:
    import litellm
    import litellm.main

    base = _kwargs(port)
    half = _SyncHalf(litellm.main)
    print(f"Python function calls per request ({calls} sequential requests per variant)")
    print(f"  {'variant':34} {'loop thread':>11} {'sync half':>9} {'total':>7} {'vs today':>8}")
    today = 0.0
    for name in [*OPTIONS, *EXPERIMENTS]:
        extra = OPTIONS.get(name, {})
        with _experiment(name) if name in EXPERIMENTS else _nothing():
            for _ in range(20):  # warm: caches, connections
                await litellm.acompletion(**base, **extra)
            await asyncio.sleep(0.3)
            half.profile, loop_profile = cProfile.Profile(), cProfile.Profile()
            loop_profile.enable()
            for _ in range(calls):
                await litellm.acompletion(**base, **extra)
            await asyncio.sleep(0.3)  # litellm's logging worker finishes inside the window
            loop_profile.disable()
        loop_n, half_n = _count(loop_profile) / calls, _count(half.profile) / calls
        half.profile = None
        total = loop_n + half_n
        today = today or total
        print(
            f"  {name:34} {loop_n:>11.0f} {half_n:>9.0f} {total:>7.0f} {total / today - 1:>+8.1%}"
        )


@contextmanager
def _nothing() -> Iterator[None]:
    yield


class _Timed:
    """Thread CPU spent in one function, summed over every thread that calls it."""

    def __init__(self, owner: Any, name: str) -> None:
        self.owner, self.name, self.inner = owner, name, getattr(owner, name)
        self.seconds = 0.0
        self.calls = 0
        self.local = threading.local()
        setattr(owner, name, self.wrapper())

    def wrapper(self) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            if getattr(self.local, "inside", False):  # a nested call is counted once
                return self.inner(*args, **kwargs)
            self.local.inside = True
            t0 = time.thread_time()
            try:
                return self.inner(*args, **kwargs)
            finally:
                self.seconds += time.thread_time() - t0
                self.calls += 1
                self.local.inside = False

        return timed


async def parts(port: int, n: int) -> None:
    import litellm
    import litellm.main
    from litellm.litellm_core_utils.litellm_logging import Logging
    from litellm.litellm_core_utils.llm_response_utils.response_metadata import ResponseMetadata

    base = _kwargs(port)
    timed = {
        "cost stamp (set_hidden_params)": _Timed(ResponseMetadata, "set_hidden_params"),
        "success-logging payload": _Timed(Logging, "_success_handler_helper_fn"),
        "sync half (completion, thread pool)": _Timed(litellm.main, "completion"),
    }

    def one() -> Awaitable[Any]:
        return litellm.acompletion(**base)

    await one()
    await asyncio.gather(*(one() for _ in range(50)))
    await asyncio.sleep(0.5)
    for t in timed.values():
        t.seconds, t.calls = 0.0, 0
    cpu0 = time.process_time()
    results = await asyncio.gather(*(one() for _ in range(n)), return_exceptions=True)
    await asyncio.sleep(1.0)  # the logging worker's last payloads
    cpu = time.process_time() - cpu0
    errors = sum(isinstance(r, BaseException) for r in results)
    print(f"\nCPU per request, {n} concurrent requests as costroute makes them ({errors} errors)")
    print(f"  {'whole process':38} {cpu * 1000 / n:6.3f} ms")
    for label, t in timed.items():
        share = t.seconds / cpu if cpu else 0.0
        print(f"  {label:38} {t.seconds * 1000 / n:6.3f} ms  ({share:.0%}, {t.calls} calls)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--n", type=int, default=1000)
    args = parser.parse_args()
    import litellm

    litellm.suppress_debug_info = True
    for delay, run in ((0.0, lambda port: call_counts(port, args.calls)),
                       (0.2, lambda port: parts(port, args.n))):  # fmt: skip
        proc, port = start_provider(delay)
        try:
            asyncio.run(run(port))
        finally:
            proc.terminate()


if __name__ == "__main__":
    main()
