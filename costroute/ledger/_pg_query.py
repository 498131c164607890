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
    "INSERT_SQL",
    "PG_CALL_COLUMNS",
    "PG_SELECT_CALLS",
    "aggregate",
    "insert_params",
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


def _insert_sql() -> str:
    """One statement that inserts a call and its attempts, atomically. The attempts travel as
    one JSON parameter (``jsonb_to_recordset``): one statement text for any number of them, and
    37 parameters, within what psycopg caches the parsing of (50; a statement with more is
    parsed again at every execute: 350 us of CPU a record, measured)."""
    values = ", ".join(f"%s{_CALL_CASTS.get(c, '')}" for c in PG_CALL_COLUMNS)
    call = f"INSERT INTO calls ({', '.join(PG_CALL_COLUMNS)}) VALUES ({values})"
    cols = ATTEMPT_COLUMNS[1:]
    record = ", ".join(f"{c} {_ATTEMPT_TYPES.get(c, 'text')}" for c in cols)
    return (
        f"WITH c AS ({call} RETURNING id) INSERT INTO attempts ({', '.join(ATTEMPT_COLUMNS)})"
        f" SELECT c.id, a.* FROM c, jsonb_to_recordset(%s::jsonb) AS a({record})"
    )


INSERT_SQL = _insert_sql()


def insert_params(rec: CallRecord) -> list[Any]:
    """The parameters of :data:`INSERT_SQL` for ``rec``."""
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
    attempts = [
        {
            "idx": idx,
            "deployment": a.deployment,
            "model": a.model,
            "provider": a.provider,
            "status": a.status,
            "status_code": a.status_code,
            "error": a.error,
            "latency_ms": float(a.latency_ms),
            "ttft_ms": a.ttft_ms,
            "input_tokens": a.usage.input_tokens,
            "cached_input_tokens": a.usage.cached_input_tokens,
            "cache_write_tokens": a.usage.cache_write_tokens,
            "output_tokens": a.usage.output_tokens,
            "reasoning_tokens": a.usage.reasoning_tokens,
            "cost_usd": str(a.cost_usd),  # as text: read as NUMERIC, exactly
        }
        for idx, a in enumerate(rec.attempts)
    ]
    params.append(json.dumps(attempts, ensure_ascii=False))
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
