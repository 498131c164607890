"""The PostgreSQL ledger's SQL: one-statement appends and grouped report aggregates.

Money is ``NUMERIC``, so ``SUM()`` is exact in SQL and comes back as a :class:`~decimal.Decimal`;
there is no picodollar detour as in SQLite. Placeholders are psycopg's ``%s``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from costroute.ledger._codec import (
    ATTEMPT_COLUMNS,
    CALL_COLUMNS,
    embedding_blob,
    features_json,
    to_us,
)
from costroute.ledger._periods import Period
from costroute.ledger._query import Filter, day_sql
from costroute.ledger._record import CallRecord
from costroute.ledger._report import Tally

if TYPE_CHECKING:
    from psycopg import Connection

__all__ = [
    "PG_CALL_COLUMNS",
    "PG_SELECT_CALLS",
    "aggregate",
    "insert_params",
    "insert_sql",
    "key_sql",
]

# Every column of SQLite's but the picodollar ones (NUMERIC sums exactly).
PG_CALL_COLUMNS = tuple(c for c in CALL_COLUMNS if not c.endswith("_pusd"))
# The SELECT list of a record (``id`` first), in record_from_rows order; JSONB read as text.
PG_SELECT_CALLS = ", ".join(
    ["id", *(f"{c}::text" if c in ("tags", "features") else c for c in PG_CALL_COLUMNS)]
)
_CALL_CASTS = {"tags": "::jsonb", "features": "::jsonb"}
_ATTEMPT_TYPES = {
    "idx": "int",
    "status_code": "int",
    "latency_ms": "float8",
    "ttft_ms": "float8",
    "cost_usd": "numeric",
    **{c: "bigint" for c in ATTEMPT_COLUMNS if c.endswith("_tokens")},
}
_SUMS = (
    "COUNT(*), COUNT(*) FILTER (WHERE status = 'ok'), COUNT(*) FILTER (WHERE status = 'error'),"
    " COUNT(*) FILTER (WHERE status = 'refused'), SUM(cost_usd), SUM(baseline_cost_usd),"
    " COUNT(*) FILTER (WHERE cached), SUM(fallbacks), SUM(retries)"
)


def _pg(expr: str) -> str:
    """Portable ``?`` placeholders as psycopg's ``%s`` (no ``?`` or ``%`` in our literals)."""
    return expr.replace("?", "%s")


def insert_sql(attempts: int) -> str:
    """One statement that inserts a call and its ``attempts`` rows, atomically."""
    values = ", ".join(f"%s{_CALL_CASTS.get(c, '')}" for c in PG_CALL_COLUMNS)
    call = f"INSERT INTO calls ({', '.join(PG_CALL_COLUMNS)}) VALUES ({values})"
    if not attempts:
        return call
    cols = ATTEMPT_COLUMNS[1:]
    row = "(" + ", ".join(f"%s::{_ATTEMPT_TYPES.get(c, 'text')}" for c in cols) + ")"
    return (
        f"WITH c AS ({call} RETURNING id) INSERT INTO attempts ({', '.join(ATTEMPT_COLUMNS)})"
        f" SELECT c.id, a.* FROM c, (VALUES {', '.join([row] * attempts)}) AS a"
    )


def insert_params(rec: CallRecord) -> list[Any]:
    """The parameters of :func:`insert_sql` for ``rec``."""
    u = rec.usage
    params: list[Any] = [
        to_us(rec.at),
        rec.request_id,
        rec.user,
        rec.tenant,
        json.dumps(dict(rec.tags), sort_keys=True, ensure_ascii=False),
        rec.policy,
        rec.deployment,
        rec.model,
        rec.provider,
        float(rec.difficulty),
        rec.category,
        u.input_tokens,
        u.cached_input_tokens,
        u.cache_write_tokens,
        u.output_tokens,
        u.reasoning_tokens,
        rec.cost_usd,
        rec.baseline_model,
        rec.baseline_cost_usd,
        rec.saved_usd,
        float(rec.latency_ms),
        rec.ttft_ms,
        rec.cached,
        rec.retries,
        rec.fallbacks,
        rec.status,
        rec.error_class,
        rec.stream,
        rec.prompt_hash,
        rec.prompt_text,
        features_json(rec.features),
        rec.router_version,
        rec.shadow_version,
        rec.shadow_deployment,
        rec.purpose,
        embedding_blob(rec.embedding),
    ]
    for idx, a in enumerate(rec.attempts):
        au = a.usage
        params += [idx, a.deployment, a.model, a.provider, a.status, a.status_code, a.error]
        params += [float(a.latency_ms), a.ttft_ms, au.input_tokens, au.cached_input_tokens]
        params += [au.cache_write_tokens, au.output_tokens, au.reasoning_tokens, a.cost_usd]
    return params


def key_sql(kind: str | None, tag_key: str | None, period: Period | None) -> Filter:
    """The PostgreSQL expression of a group key, and its parameters."""
    if kind is None:
        return "NULL", []
    if kind == "tag":
        return "tags ->> %s", [tag_key]
    if kind == "day":
        assert period is not None
        expr, params = day_sql(period)
        return _pg(expr), params
    return f'"{kind}"', []


def aggregate(
    conn: Connection, keys: Sequence[Filter], where: Filter
) -> dict[tuple[Any, ...], Tally]:
    """Exact sums of the calls matching ``where``, per combination of the ``keys``."""
    names = [f"k{i}" for i in range(len(keys))]
    select = "".join(f"{expr} AS {name}, " for (expr, _), name in zip(keys, names, strict=True))
    group = f" GROUP BY {', '.join(names)}" if names else ""
    cond, cond_params = where
    params = [*(p for _, ps in keys for p in ps), *cond_params]
    width = len(keys)
    tallies: dict[tuple[Any, ...], Tally] = {}
    for row in conn.execute(f"SELECT {select}{_SUMS} FROM calls WHERE {cond}{group}", params):
        n, ok, err, ref, spend, base, hits, fb, rt = row[width:]
        if not n:
            continue  # no GROUP BY and no matching row
        tallies[tuple(row[:width])] = Tally(
            calls=n,
            ok_calls=ok,
            errors=err,
            refusals=ref,
            spend_extra=spend if spend is not None else Decimal(0),
            baseline_extra=base if base is not None else Decimal(0),
            cache_hits=hits,
            fallbacks=int(fb or 0),
            retries=int(rt or 0),
        )
    return tallies
