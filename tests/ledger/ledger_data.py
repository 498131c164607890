"""Data of the ledger tests: a record factory and a known month of calls.

The known month (November 2026) is small enough to sum by hand; the expected figures in the
tests are written out from the table below, not computed by the code under test.

====  =====================  ========  ======  ========  =========================================
id    time (UTC)             provider  cost    baseline  notes
====  =====================  ========  ======  ========  =========================================
r1    Nov 02 10:00           deepseek  0.0012  0.0150    alice/acme, feature=search, 800 ms
r2    Nov 02 15:00           anthropic 0.0040  0.0100    bob/acme, feature=chat, 1 retry, 1200 ms
r3    Nov 05 09:00           deepseek  0       0.0200    alice/globex, search, cache hit, 3 ms
r4    Nov 10 12:00           deepseek  0.0090  0.0060    carol/globex, reasoning: saves -0.0030
r5    Nov 10 13:00           openai    0.0005  0.0080    bob/acme, chat, fallback from claude
r6    Nov 15 08:00           anthropic 0.0001  0         alice, error (billed partial attempt)
r7    Nov 20 08:00           anthropic 0       0         carol, refused by a budget
r8    Oct 31 23:30           deepseek  1       2         alice: November 1st in Europe/Paris
r9    Nov 30 23:30           openai    0.0300  0.0300    dave/initech, summary: December in Paris
====  =====================  ========  ======  ========  =========================================
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from decimal import Decimal
from typing import Any

from costroute.ledger import CallRecord
from costroute.types import Attempt, Usage

UTC = dt.UTC
D = Decimal

_DEPLOYMENTS = {
    "deepseek-v4-flash": ("deepseek/deepseek-v4-flash", "deepseek"),
    "deepseek-v4-pro": ("deepseek/deepseek-v4-pro", "deepseek"),
    "claude-haiku-4-5": ("anthropic/claude-haiku-4-5", "anthropic"),
    "claude-sonnet-5-5": ("anthropic/claude-sonnet-5-5", "anthropic"),
    "gpt-5.4-mini": ("openai/gpt-5.4-mini", "openai"),
    "gpt-5.4": ("openai/gpt-5.4", "openai"),
}
_ids = itertools.count()


def at(month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    """A UTC time in 2026."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


def attempt(deployment: str, status: Any = "ok", cost: str = "0", **kw: Any) -> Attempt:
    model, provider = _DEPLOYMENTS[deployment]
    return Attempt(deployment, model, provider, status, kw.pop("latency_ms", 100.0), **kw,
                   cost_usd=D(cost))  # fmt: skip


def record(
    deployment: str = "deepseek-v4-flash",
    *,
    when: dt.datetime | None = None,
    cost: str = "0.001",
    baseline: str = "0.01",
    **kw: Any,
) -> CallRecord:
    """A record with sensible defaults; any CallRecord field can be overridden."""
    model, provider = _DEPLOYMENTS[deployment]
    fields: dict[str, Any] = {
        "request_id": f"req-{next(_ids)}",
        "at": when or at(11, 10),
        "deployment": deployment,
        "model": model,
        "provider": provider,
        "policy": "balanced",
        "difficulty": 0.3,
        "usage": Usage(input_tokens=1000, output_tokens=200),
        "cost_usd": D(cost),
        "baseline_model": "anthropic/claude-sonnet-5-5",
        "baseline_cost_usd": D(baseline),
        "latency_ms": 500.0,
        "attempts": (attempt(deployment, cost=cost),),
    }
    fields.update(kw)
    return CallRecord(**fields)


def known_month() -> list[CallRecord]:
    """The nine calls of the table in this module's docstring."""
    search, chat, summary = {"feature": "search"}, {"feature": "chat"}, {"feature": "summary"}
    return [
        record("deepseek-v4-flash", request_id="r1", when=at(11, 2, 10), cost="0.0012",
               baseline="0.0150", latency_ms=800.0, user="alice", tenant="acme", tags=search),
        record("claude-haiku-4-5", request_id="r2", when=at(11, 2, 15), cost="0.0040",
               baseline="0.0100", latency_ms=1200.0, user="bob", tenant="acme", tags=chat,
               retries=1, attempts=(attempt("claude-haiku-4-5", "error", status_code=503,
               error="ProviderUnavailableError"), attempt("claude-haiku-4-5", cost="0.0040"))),
        record("deepseek-v4-flash", request_id="r3", when=at(11, 5, 9), cost="0",
               baseline="0.0200", latency_ms=3.0, user="alice", tenant="globex", tags=search,
               cached=True, attempts=()),
        record("deepseek-v4-pro", request_id="r4", when=at(11, 10, 12), cost="0.0090",
               baseline="0.0060", latency_ms=5000.0, user="carol", tenant="globex",
               policy="quality", usage=Usage(800, 3000, reasoning_tokens=2600)),
        record("gpt-5.4-mini", request_id="r5", when=at(11, 10, 13), cost="0.0005",
               baseline="0.0080", latency_ms=2000.0, user="bob", tenant="acme", tags=chat,
               fallbacks=1, attempts=(attempt("claude-haiku-4-5", "error", status_code=529),
               attempt("gpt-5.4-mini", cost="0.0005"))),
        record("claude-haiku-4-5", request_id="r6", when=at(11, 15, 8), cost="0.0001",
               baseline="0", latency_ms=3000.0, user="alice", status="error",
               error_class="StreamInterrupted",
               attempts=(attempt("claude-haiku-4-5", "interrupted", cost="0.0001"),)),
        record("claude-sonnet-5-5", request_id="r7", when=at(11, 20, 8), cost="0",
               baseline="0", latency_ms=0.0, user="carol", status="refused",
               error_class="BudgetExceeded", attempts=()),
        record("deepseek-v4-flash", request_id="r8", when=at(10, 31, 23, 30), cost="1",
               baseline="2", latency_ms=100.0, user="alice"),
        record("gpt-5.4", request_id="r9", when=at(11, 30, 23, 30), cost="0.0300",
               baseline="0.0300", latency_ms=900.0, user="dave", tenant="initech", tags=summary),
    ]  # fmt: skip


def varied(worker: int, i: int) -> CallRecord:
    """A deterministic, varied record (the same on every call with the same arguments).

    Spread over 2026-10-29 .. 2026-12-02 so month edges in every time zone are crossed; every
    deployment, status, a few users, tenants and tags (some missing), odd Decimal costs.
    """
    rng = random.Random(worker * 1_000_003 + i)
    deployment = rng.choice(sorted(_DEPLOYMENTS))
    status = rng.choices(["ok", "error", "refused"], weights=[90, 6, 4])[0]
    cost = D(rng.randint(0, 90_000)).scaleb(-rng.randint(6, 9))
    tags = {"feature": rng.choice(["search", "chat", "summary"])} if rng.random() < 0.8 else {}
    return record(
        deployment,
        request_id=f"v{worker}-{i}",
        when=at(10, 29) + dt.timedelta(seconds=rng.randint(0, 34 * 86_400)),
        cost=str(cost),
        baseline=str(cost * rng.choice([D("0.5"), D(3), D(12)])),
        latency_ms=float(rng.randint(3, 9000)),
        user=rng.choice(["alice", "bob", "carol", None]),
        tenant=rng.choice(["acme", "globex", None]),
        tags=tags,
        status=status,
        cached=status == "ok" and rng.random() < 0.1,
        retries=rng.choice([0, 0, 0, 1]),
        fallbacks=rng.choice([0, 0, 1]),
        policy=rng.choice(["balanced", "quality"]),
    )
