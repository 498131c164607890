"""OpenTelemetry spans of routed calls, after the GenAI semantic conventions.

One span per call (kind INTERNAL) named ``chat {model}``, and one child span per attempt (kind
CLIENT, the request to one provider), both written when the call completes, with their real
start and end times. ``opentelemetry-api`` is imported on first use only
(``pip install 'costroute[otel]'``); without an SDK configured, the API's no-op tracer makes
this cost next to nothing.

Attributes (``gen_ai.*`` from the conventions, ``costroute.*`` our own):

=================================  ============================================================
``gen_ai.operation.name``          ``"chat"``
``gen_ai.provider.name``           ``openai``, ``anthropic``, ``deepseek`` (also written as the
                                   older ``gen_ai.system``)
``gen_ai.request.model``           the model first asked (the plan's first attempt)
``gen_ai.response.model``          the model that answered
``gen_ai.request.max_tokens``      when the request set it
``gen_ai.usage.input_tokens``      billed prompt tokens (cached ones included), all attempts
``gen_ai.usage.output_tokens``     generated tokens (reasoning included), all attempts
``error.type``                     the exception class of a failed call or attempt
``costroute.cost_usd``             actual cost (float USD; the ledger keeps the exact Decimal)
``costroute.baseline_cost_usd``    what the baseline model would have cost
``costroute.saved_usd``            baseline minus cost (may be negative)
``costroute.baseline_model``       the reference model of the baseline
``costroute.deployment``           the deployment that answered (per attempt: that was tried)
``costroute.difficulty``           difficulty score in [0, 1]; ``costroute.category`` its kind
``costroute.policy``, ``costroute.request_id``, ``costroute.cached``, ``costroute.retries``,
``costroute.fallbacks``; per attempt ``costroute.attempt.index``, ``costroute.attempt.status``
and ``http.response.status_code`` when the provider answered with one
=================================  ============================================================

No prompt, completion, user or tenant is written: spans leave the process.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from costroute.errors import ConfigError
from costroute.types import Attempt, CallInfo, Request

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer, TracerProvider

__all__ = ["SpanWriter", "attempt_times"]

_SCOPE = "costroute"


def _tracer(provider: TracerProvider | None) -> Tracer:
    try:
        from opentelemetry import trace
    except ImportError as exc:
        raise ConfigError(
            "OpenTelemetry tracing needs the opentelemetry-api package, which is not installed.",
            field="tracing",
            fix="pip install 'costroute[otel]' (or pass tracing=False)",
        ) from exc
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("costroute")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        ours = None
    if provider is None:
        return trace.get_tracer(_SCOPE, ours)
    return provider.get_tracer(_SCOPE, ours)


def attempt_times(
    attempts: Sequence[Attempt], ends: Sequence[int | None], start_ns: int
) -> list[tuple[int, int]]:
    """(start, end) in epoch ns of each attempt.

    An attempt's end is when it was reported (``ends``), its start that minus its latency.
    Attempts not reported live are laid back to back from the call's start (backoff sleeps
    between them are then not shown).
    """
    out: list[tuple[int, int]] = []
    cursor = start_ns
    for attempt, end in zip(attempts, ends, strict=True):
        length = max(0, round(attempt.latency_ms * 1e6))
        if end is None:
            end = cursor + length
        begin = max(start_ns, end - length)
        out.append((begin, end))
        cursor = end
    return out


class SpanWriter:
    """Writes the spans of completed calls to a tracer (the global one unless given)."""

    def __init__(self, provider: TracerProvider | None = None) -> None:
        self._tracer = _tracer(provider)

    def write(
        self,
        request: Request,
        info: CallInfo,
        error: BaseException | None,
        start_ns: int,
        end_ns: int,
        attempt_ends: Sequence[int | None],
    ) -> None:
        """The call span and one child span per attempt."""
        from opentelemetry import trace
        from opentelemetry.trace import SpanKind, Status, StatusCode

        first = info.attempts[0].model if info.attempts else info.model
        call = self._tracer.start_span(f"chat {first}", kind=SpanKind.INTERNAL, start_time=start_ns)
        call.set_attributes(_call_attributes(request, info, first))
        parent = trace.set_span_in_context(call)
        times = attempt_times(info.attempts, attempt_ends, start_ns)
        for idx, (attempt, (begin, end)) in enumerate(zip(info.attempts, times, strict=True)):
            span = self._tracer.start_span(
                f"chat {attempt.model}",
                context=parent,
                kind=SpanKind.CLIENT,
                start_time=begin,
                attributes=_attempt_attributes(attempt, idx),
            )
            if attempt.status != "ok":
                span.set_status(Status(StatusCode.ERROR, attempt.error or attempt.status))
            span.end(end_time=min(end, end_ns))
        if error is not None:
            call.set_attribute("error.type", type(error).__name__)
            call.set_status(Status(StatusCode.ERROR, type(error).__name__))
        call.end(end_time=end_ns)


def _call_attributes(request: Request, info: CallInfo, first: str) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": info.provider,
        "gen_ai.system": info.provider,
        "gen_ai.request.model": first,
        "gen_ai.response.model": info.model,
        "gen_ai.usage.input_tokens": info.usage.input_tokens,
        "gen_ai.usage.output_tokens": info.usage.output_tokens,
        "costroute.request_id": info.request_id,
        "costroute.deployment": info.deployment,
        "costroute.policy": info.policy,
        "costroute.difficulty": float(info.difficulty),
        "costroute.category": info.category,
        "costroute.cost_usd": float(info.cost_usd),
        "costroute.baseline_cost_usd": float(info.baseline_cost_usd),
        "costroute.saved_usd": float(info.saved_usd),
        "costroute.cached": info.cached,
        "costroute.retries": info.retries,
        "costroute.fallbacks": info.fallbacks,
        "costroute.stream": request.stream,
    }
    if info.baseline_model:
        attrs["costroute.baseline_model"] = info.baseline_model
    if request.max_output_tokens is not None:
        attrs["gen_ai.request.max_tokens"] = request.max_output_tokens
    return attrs


def _attempt_attributes(attempt: Attempt, idx: int) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": attempt.provider,
        "gen_ai.system": attempt.provider,
        "gen_ai.request.model": attempt.model,
        "gen_ai.usage.input_tokens": attempt.usage.input_tokens,
        "gen_ai.usage.output_tokens": attempt.usage.output_tokens,
        "costroute.deployment": attempt.deployment,
        "costroute.attempt.index": idx,
        "costroute.attempt.status": attempt.status,
        "costroute.cost_usd": float(attempt.cost_usd),
    }
    if attempt.status == "ok":
        attrs["gen_ai.response.model"] = attempt.model
    if attempt.error:
        attrs["error.type"] = attempt.error
    if attempt.status_code is not None:
        attrs["http.response.status_code"] = attempt.status_code
    return attrs
