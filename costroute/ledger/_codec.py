"""Records to SQL rows and back. Times are integer microseconds since the epoch, UTC."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any, cast

from costroute.ledger._money import from_text, to_pico, to_text
from costroute.ledger._record import CallRecord, Purpose, Status
from costroute.ledger._schema import ATTEMPT_FIELDS, ROLLOUT_COLUMNS
from costroute.types import Attempt, Usage

__all__ = [
    "ATTEMPT_COLUMNS",
    "CALL_COLUMNS",
    "INSERT_CALL_WITH_ATTEMPTS",
    "attempts_json",
    "call_row",
    "embedding_blob",
    "embedding_of",
    "features_json",
    "from_us",
    "record_from_rows",
    "to_us",
]

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_US = dt.timedelta(microseconds=1)

CALL_COLUMNS = (
    "ts",
    "request_id",
    '"user"',
    "tenant",
    "tags",
    "policy",
    "deployment",
    "model",
    "provider",
    "difficulty",
    "category",
    "input_tokens",
    "cached_input_tokens",
    "cache_write_tokens",
    "output_tokens",
    "reasoning_tokens",
    "cost_usd",
    "baseline_model",
    "baseline_cost_usd",
    "saved_usd",
    "latency_ms",
    "ttft_ms",
    "cached",
    "retries",
    "fallbacks",
    "status",
    "error_class",
    "stream",
    "prompt_hash",
    "prompt_text",
    "features",
    *ROLLOUT_COLUMNS,
    "purpose",
    "embedding",
    "cost_pusd",
    "baseline_pusd",
)
ATTEMPT_COLUMNS = ("call_id", "idx", *ATTEMPT_FIELDS)
INSERT_CALL_WITH_ATTEMPTS = (
    f"INSERT INTO calls ({', '.join(CALL_COLUMNS)}, attempts_json)"
    f" VALUES ({', '.join('?' * (len(CALL_COLUMNS) + 1))})"
)
"""One statement for a call and its attempts (``attempts_json``; the ``attempts`` view reads it)."""


def to_us(at: dt.datetime) -> int:
    """Microseconds since the epoch of an aware datetime."""
    return (at - EPOCH) // _US


def from_us(us: int) -> dt.datetime:
    """The aware UTC datetime of a microsecond timestamp."""
    return EPOCH + dt.timedelta(microseconds=us)


def call_row(rec: CallRecord) -> tuple[Any, ...]:
    """The ``calls`` row of a record, in :data:`CALL_COLUMNS` order."""
    u = rec.usage
    cost, baseline = rec.cost_usd, rec.baseline_cost_usd
    return (
        to_us(rec.at),
        rec.request_id,
        rec.user,
        rec.tenant,
        json.dumps(dict(rec.tags), sort_keys=True, ensure_ascii=False) if rec.tags else "{}",
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
        to_text(cost),
        rec.baseline_model,
        to_text(baseline),
        to_text(baseline - cost),
        float(rec.latency_ms),
        rec.ttft_ms,
        int(rec.cached),
        rec.retries,
        rec.fallbacks,
        rec.status,
        rec.error_class,
        int(rec.stream),
        rec.prompt_hash,
        rec.prompt_text,
        features_json(rec.features),
        rec.router_version,
        rec.shadow_version,
        rec.shadow_deployment,
        rec.purpose,
        embedding_blob(rec.embedding),
        to_pico(cost),
        to_pico(baseline),
    )


def embedding_blob(embedding: Sequence[float] | None) -> bytes | None:
    """``calls.embedding``: half floats, 2 bytes a value (``None``: not kept)."""
    if embedding is None:
        return None
    from costroute.ledger._embedding import pack_embedding  # loaded when one is kept

    return pack_embedding(embedding)


def embedding_of(blob: Any) -> tuple[float, ...] | None:
    """:func:`embedding_blob`'s inverse: the vector of a ``calls.embedding`` value (``None``:
    not kept)."""
    if blob is None:
        return None
    from costroute.ledger._embedding import unpack_embedding  # loaded when one is read back

    return unpack_embedding(bytes(blob))


def features_json(features: Mapping[str, float] | None) -> str | None:
    """``calls.features``: the feature vector as one JSON object (``None``: not kept)."""
    return None if features is None else _dumps(features)


def attempts_json(attempts: Sequence[Attempt]) -> str | None:
    """The attempts as one JSON array of value arrays, in ``ATTEMPT_COLUMNS[2:]`` order: what
    ``calls.attempts_json`` holds and the ``attempts`` view reads (schema 4)."""
    if not attempts:
        return None
    return _dumps(
        [
            [
                a.deployment,
                a.model,
                a.provider,
                a.status,
                a.status_code,
                a.error,
                float(a.latency_ms),
                a.ttft_ms,
                a.usage.input_tokens,
                a.usage.cached_input_tokens,
                a.usage.cache_write_tokens,
                a.usage.output_tokens,
                a.usage.reasoning_tokens,
                to_text(a.cost_usd),
            ]
            for a in attempts
        ]
    )


_dumps = json.JSONEncoder(separators=(",", ":")).encode


def _attempt(row: Sequence[Any]) -> Attempt:
    (_, _, dep, model, provider, status, code, error, lat, ttft, i, ci, cw, o, r, cost) = row
    return Attempt(
        deployment=dep,
        model=model,
        provider=provider,
        status=status,
        latency_ms=lat,
        usage=Usage(i, o, ci, cw, r),
        cost_usd=from_text(cost),
        error=error,
        status_code=code,
        ttft_ms=ttft,
    )


def record_from_rows(row: Sequence[Any], attempts: Sequence[Sequence[Any]]) -> CallRecord:
    """Rebuild a record from its ``calls`` row (``id`` then :data:`CALL_COLUMNS`)."""
    (
        _id,
        ts,
        request_id,
        user,
        tenant,
        tags,
        policy,
        deployment,
        model,
        provider,
        difficulty,
        category,
        i,
        ci,
        cw,
        o,
        r,
        cost,
        baseline_model,
        baseline,
        _saved,
        latency,
        ttft,
        cached,
        retries,
        fallbacks,
        status,
        error_class,
        stream,
        prompt_hash,
        prompt_text,
        features,
        router_version,
        shadow_version,
        shadow_deployment,
        purpose,
        embedding,
        *_,
    ) = row
    return CallRecord(
        request_id=request_id,
        at=from_us(ts),
        deployment=deployment,
        model=model,
        provider=provider,
        policy=policy,
        difficulty=difficulty,
        category=category,
        usage=Usage(i, o, ci, cw, r),
        cost_usd=from_text(cost),
        baseline_model=baseline_model,
        baseline_cost_usd=from_text(baseline),
        latency_ms=latency,
        ttft_ms=ttft,
        cached=bool(cached),
        retries=retries,
        fallbacks=fallbacks,
        status=cast(Status, status),
        error_class=error_class,
        stream=bool(stream),
        user=user,
        tenant=tenant,
        tags=json.loads(tags),
        prompt_hash=prompt_hash,
        prompt_text=prompt_text,
        features=None if features is None else json.loads(features),
        router_version=router_version,
        shadow_version=shadow_version,
        shadow_deployment=shadow_deployment,
        attempts=tuple(_attempt(a) for a in attempts),
        purpose=cast(Purpose, purpose),
        embedding=embedding_of(embedding),
    )
