"""One ledger row: :class:`CallRecord`, built from a call's :class:`~costroute.types.CallInfo`.

A record holds figures and identifiers only. It never holds an API key, and it holds the prompt
text only when the application opted in (``prompt_text=``); ``prompt_hash`` is enough to find
repeated prompts without keeping them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, cast, get_args

from costroute.errors import InvalidRequestError
from costroute.types import Attempt, CallInfo, Usage

__all__ = [
    "PURPOSES",
    "CallRecord",
    "Purpose",
    "Status",
    "hash_prompt",
]

Status = Literal["ok", "error", "refused"]
_STATUSES: frozenset[str] = frozenset(get_args(Status))
Purpose = Literal["route", "labeling"]
PURPOSES: tuple[str, ...] = get_args(Purpose)
"""Why a call was made: ``"route"`` (an application's call), ``"labeling"`` (a background
reference call of sampled labelling, its own spend; see docs/learning.md)."""


def hash_prompt(messages: Sequence[Mapping[str, Any]]) -> str:
    """A stable SHA-256 hex digest of the messages (canonical JSON), for ``prompt_hash=``."""
    canonical = json.dumps(list(messages), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _utc(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is dt.UTC:
        return at
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidRequestError(
            f"The record time {at.isoformat()} has no time zone.",
            field="at",
            fix="pass an aware datetime, e.g. datetime.now(timezone.utc)",
        )
    return at.astimezone(dt.UTC)


def _tags(tags: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    if not tags:
        return out
    for key, value in tags.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise InvalidRequestError(
                f"Tag {key!r}={value!r} is not a pair of strings.",
                field="tags",
                fix="pass tags as a mapping of str to str, e.g. {'feature': 'search'}",
            )
        out[key] = value
    return out


def _features(features: Mapping[str, float]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in features.items():
        if (
            not isinstance(key, str)
            or isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise InvalidRequestError(
                f"Feature {key!r}={value!r} is not a name and a finite number.",
                field="features",
                fix="pass a mapping of feature name to float, e.g. difficulty.feature_vector()",
            )
        out[key] = float(value)
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class CallRecord:
    """What the ledger keeps about one routed call. Money is exact :class:`Decimal` USD.

    ``at`` is an aware UTC datetime. ``status`` is ``"ok"`` (answered), ``"error"`` (every
    attempt failed; billed attempts still cost money) or ``"refused"`` (a budget refused the
    call before the network, or before a further attempt: then the attempts billed before it
    cost money). ``attempts`` keeps every try, billed or not. ``features`` is the request's
    difficulty feature vector (name -> value), what training needs instead of the prompt;
    ``embedding`` the routing estimator's sentence embedding of the prompt, kept only when the
    router was asked to (``Router(keep_embeddings=True)``), at half precision (schema 8).
    ``router_version`` names the router version that decided the call (``"name@digest"``);
    ``shadow_version`` and ``shadow_deployment`` the version proposed in shadow mode and its
    first choice for the same request (see docs/learning.md, "Safe rollout"). All three are
    ``None`` for calls recorded before schema 6, or that no version decided (pinned, cached).
    ``purpose`` is ``"route"`` for an application's call, ``"labeling"`` for a sampled
    labelling call (reports count it apart: see docs/ledger.md).
    """

    request_id: str
    at: dt.datetime
    deployment: str
    model: str
    provider: str
    policy: str
    difficulty: float
    category: str = "general"
    usage: Usage = field(default_factory=Usage)
    cost_usd: Decimal = Decimal(0)
    baseline_model: str | None = None
    baseline_cost_usd: Decimal = Decimal(0)
    latency_ms: float = 0.0
    ttft_ms: float | None = None
    cached: bool = False
    retries: int = 0
    fallbacks: int = 0
    status: Status = "ok"
    error_class: str | None = None
    stream: bool = False
    user: str | None = None
    tenant: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    prompt_hash: str = ""
    prompt_text: str | None = None
    features: Mapping[str, float] | None = None
    router_version: str | None = None
    shadow_version: str | None = None
    shadow_deployment: str | None = None
    attempts: tuple[Attempt, ...] = ()
    purpose: Purpose = "route"
    embedding: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if self.status not in _STATUSES:
            raise InvalidRequestError(
                f"Unknown record status {self.status!r}.",
                field="status",
                fix=f"use one of: {', '.join(sorted(_STATUSES))}",
            )
        if self.purpose not in PURPOSES:
            raise InvalidRequestError(
                f"Unknown record purpose {self.purpose!r}.",
                field="purpose",
                fix=f"use one of: {', '.join(PURPOSES)}",
            )
        object.__setattr__(self, "at", _utc(self.at))
        object.__setattr__(self, "tags", _tags(self.tags))
        if self.features is not None:
            object.__setattr__(self, "features", _features(self.features))
        if self.embedding is not None:
            from costroute.ledger._embedding import kept_embedding  # loaded when one is kept

            vec = kept_embedding(self.embedding)
            if not vec:
                raise InvalidRequestError(
                    "The embedding is not a non-empty vector of finite numbers within half"
                    " precision (|x| <= 65504).",
                    field="embedding",
                    fix="pass the estimator's unit-norm embedding (a sequence of floats), or None",
                )
            object.__setattr__(self, "embedding", vec)

    @property
    def saved_usd(self) -> Decimal:
        """Baseline minus actual; negative when the call cost more than the baseline would."""
        return self.baseline_cost_usd - self.cost_usd

    @classmethod
    def from_call(
        cls,
        info: CallInfo,
        *,
        at: dt.datetime,
        user: str | None = None,
        tenant: str | None = None,
        tags: Mapping[str, str] | None = None,
        policy: str | None = None,
        prompt_hash: str = "",
        prompt_text: str | None = None,
        features: Mapping[str, float] | None = None,
        status: Status = "ok",
        error_class: str | None = None,
        stream: bool = False,
        ttft_ms: float | None = None,
        shadow: tuple[str, str | None] | None = None,
        purpose: Purpose = "route",
        embedding: Sequence[float] | None = None,
    ) -> CallRecord:
        """The record of a settled call. ``prompt_text`` is kept only when given (opt-in);
        ``shadow`` is ``(shadow_version, shadow_deployment)`` when a candidate was shadowed;
        ``embedding`` only when given (``Router(keep_embeddings=True)``)."""
        return cls(
            request_id=info.request_id,
            at=at,
            deployment=info.deployment,
            model=info.model,
            provider=info.provider,
            policy=policy if policy is not None else info.policy,
            difficulty=info.difficulty,
            category=info.category,
            usage=info.usage,
            cost_usd=info.cost_usd,
            baseline_model=info.baseline_model,
            baseline_cost_usd=info.baseline_cost_usd,
            latency_ms=info.latency_ms,
            ttft_ms=ttft_ms if ttft_ms is not None else info.ttft_ms,
            cached=info.cached,
            retries=info.retries,
            fallbacks=info.fallbacks,
            status=status,
            error_class=error_class,
            stream=stream,
            user=user,
            tenant=tenant,
            tags=dict(tags or {}),
            prompt_hash=prompt_hash,
            prompt_text=prompt_text,
            features=features,
            router_version=info.router_version,
            shadow_version=shadow[0] if shadow else None,
            shadow_deployment=shadow[1] if shadow else None,
            attempts=tuple(info.attempts),
            purpose=purpose,
            embedding=cast("tuple[float, ...] | None", embedding),  # __post_init__ checks it
        )

    def __repr__(self) -> str:
        # Never shows the prompt text: reprs end up in logs.
        purpose = "" if self.purpose == "route" else f" purpose={self.purpose}"
        return (
            f"<CallRecord {self.request_id} {self.status}{purpose} deployment={self.deployment!r}"
            f" cost=${self.cost_usd:.6f} saved=${self.saved_usd:.6f} cached={self.cached}>"
        )
