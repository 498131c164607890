"""Outcomes: how a routed call turned out (a user's rating, a test result, a success signal).

One row of the ``outcomes`` table per (call, source): ``feedback()`` again for the same request
id and source replaces the score, the note and the time (idempotent: a retried rating is
stored once). A row joins its call by request id; :class:`RatedCall` is that join, what
training a router on its own traffic reads (the call's features, never its prompt).

The SQL here is portable: ``?`` placeholders (PostgreSQL's ledger turns them into ``%s``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from costroute.errors import InvalidRequestError
from costroute.ledger._codec import embedding_of, from_us, to_us
from costroute.ledger._money import from_text

__all__ = [
    "RatedCall",
    "aware_us",
    "check_feedback",
    "rated_call",
    "select_outcomes",
]

UPSERT = (
    "INSERT INTO outcomes (request_id, source, score, note, ts)"
    " SELECT request_id, ?, ?, ?, ? FROM calls WHERE request_id = ? AND ts >= ?"
    " ON CONFLICT (request_id, source) DO UPDATE"
    " SET score = excluded.score, note = excluded.note, ts = excluded.ts"
)
"""Record (or replace) one outcome, only for a call of the ledger made within the window: one
statement, so the check and the write cannot be split by another writer."""

CALL_TS = "SELECT ts FROM calls WHERE request_id = ?"

_SELECT = (
    "SELECT c.request_id, c.ts, c.deployment, c.model, c.provider, c.policy, c.category,"
    " c.difficulty, c.cost_usd, {features}, c.status, o.source, o.score, o.note, o.ts,"
    " c.router_version, c.shadow_version, c.shadow_deployment, c.embedding"
    " FROM outcomes AS o JOIN calls AS c ON c.request_id = o.request_id"
)


def select_outcomes(features: str, where: str) -> str:
    """The join of outcomes and their calls matching ``where`` (over ``o.``), oldest first."""
    return (
        f"{_SELECT.format(features=features)} WHERE {where} ORDER BY o.ts, o.request_id, o.source"
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class RatedCall:
    """One outcome joined to its call: what a router learns from, without the prompt.

    ``at`` is the call's time, ``recorded_at`` the outcome's (both aware UTC); ``features`` is
    the difficulty feature vector kept at routing time (name -> value, zeros left out; ``None``
    for calls recorded before schema 5 or by a tool that gave none); ``score`` is in [0, 1].
    ``router_version``, ``shadow_version`` and ``shadow_deployment`` are the call's (schema 6;
    ``None`` before, or when no version decided or was shadowed); ``embedding`` is the prompt's
    sentence embedding kept at routing time (schema 8, half precision; ``None`` unless the
    router kept embeddings: ``Router(keep_embeddings=True)``).
    """

    request_id: str
    at: dt.datetime
    deployment: str
    model: str
    provider: str
    policy: str
    category: str
    difficulty: float
    cost_usd: Decimal
    features: Mapping[str, float] | None
    status: str
    source: str
    score: float
    note: str | None
    recorded_at: dt.datetime
    router_version: str | None = None
    shadow_version: str | None = None
    shadow_deployment: str | None = None
    embedding: tuple[float, ...] | None = None

    @property
    def graded(self) -> str:
        """The deployment whose answer ``score`` grades: the call's own, or the one after an
        ``@`` in ``source`` (``Router.feedback(..., deployment=...)``: another deployment's
        answer to the same request, such as sampled labelling's reference)."""
        return self.source.partition("@")[2] or self.deployment

    def __repr__(self) -> str:
        return (
            f"<RatedCall {self.request_id} {self.source}={self.score:g}"
            f" deployment={self.deployment!r} difficulty={self.difficulty:.3f}>"
        )


def rated_call(row: Any) -> RatedCall:
    """A :class:`RatedCall` from a row of :func:`select_outcomes`."""
    (rid, ts, dep, model, provider, policy, category, diff, cost, feats, status, src, score,
     note, recorded, version, shadow_version, shadow_deployment, embedding) = row  # fmt: skip
    return RatedCall(
        request_id=rid,
        at=from_us(ts),
        deployment=dep,
        model=model,
        provider=provider,
        policy=policy,
        category=category,
        difficulty=diff,
        cost_usd=cost if isinstance(cost, Decimal) else from_text(cost),
        features=None if feats is None else json.loads(feats),
        status=status,
        source=src,
        score=score,
        note=note,
        recorded_at=from_us(recorded),
        router_version=version,
        shadow_version=shadow_version,
        shadow_deployment=shadow_deployment,
        embedding=embedding_of(embedding),
    )


def aware_us(value: Any, field: str) -> int:
    """Microseconds since the epoch of an aware datetime (``field`` names it in the error)."""
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise InvalidRequestError(
            f"{field}={value!r} is not an aware datetime.",
            field=field,
            fix="pass a datetime with a time zone, e.g. datetime.now(timezone.utc)",
        )
    return to_us(value)


def check_feedback(
    request_id: Any, score: Any, source: Any, note: Any
) -> tuple[str, float, str, str | None]:
    """The validated ``(request_id, score, source, note)`` of a ``feedback()`` call.

    Raises :class:`~costroute.errors.InvalidRequestError` naming the field, before any I/O.
    """
    if not isinstance(request_id, str) or not request_id:
        raise InvalidRequestError(
            f"request_id={request_id!r} is not a request id.",
            field="request_id",
            fix="pass the call's id as a string: resp.costroute.request_id",
        )
    number = isinstance(score, int | float | Decimal | Fraction) and not isinstance(score, bool)
    if not number or not math.isfinite(float(score)):
        raise InvalidRequestError(
            f"score={score!r} is not a number.",
            field="score",
            fix="pass a number from 0 (bad) to 1 (good), e.g. 1.0 for a thumbs-up",
        )
    value = float(score)
    if not 0.0 <= value <= 1.0:
        raise InvalidRequestError(
            f"score={score!r} is outside [0, 1].",
            field="score",
            fix="scale the outcome to [0, 1]: 0 bad, 1 good (e.g. stars / 5, tests passed / run)",
        )
    if not isinstance(source, str) or not source.strip():
        raise InvalidRequestError(
            f"source={source!r} is empty.",
            field="source",
            fix="name who judged the call, e.g. source='user', 'tests' or 'app'",
        )
    if note is not None and not isinstance(note, str):
        raise InvalidRequestError(
            f"note must be a string or None, not {type(note).__name__}.",
            field="note",
            fix="pass a short text, or leave note out",
        )
    return request_id, value, source.strip(), note
