"""Callbacks never break a call; spans follow the GenAI conventions (InMemorySpanExporter)."""

from __future__ import annotations

import itertools
import logging
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from costroute.errors import AllDeploymentsFailed, ConfigError
from costroute.observe import Callbacks, Observer
from costroute.types import Attempt, CallInfo, Choice, Plan, Request, Usage

D = Decimal
MS = 1_000_000  # ns


def _request(**kw: Any) -> Request:
    fields: dict[str, Any] = {
        "messages": ({"role": "user", "content": "secret prompt text"},),
        "params": {},
        "user": "alice",
        "tenant": "acme",
    }
    fields.update(kw)
    return Request(**fields)


PLAN = Plan(
    choices=(Choice("claude-haiku-4-5"), Choice("deepseek-v4-flash")),
    policy="balanced",
    difficulty=0.42,
    category="code",
)
FAILED = Attempt(
    "claude-haiku-4-5", "anthropic/claude-haiku-4-5", "anthropic", "error", 200.0,
    error="ProviderUnavailableError", status_code=529,
)  # fmt: skip
OK = Attempt(
    "deepseek-v4-flash", "deepseek/deepseek-v4-flash", "deepseek", "ok", 300.0,
    Usage(1200, 300, cached_input_tokens=1000), D("0.00042"),
)  # fmt: skip


def _info(**kw: Any) -> CallInfo:
    fields: dict[str, Any] = {
        "request_id": "req-1",
        "deployment": "deepseek-v4-flash",
        "model": "deepseek/deepseek-v4-flash",
        "provider": "deepseek",
        "policy": "balanced",
        "difficulty": 0.42,
        "reasons": ("fell back",),
        "cost_usd": D("0.00042"),
        "baseline_model": "anthropic/claude-sonnet-5-5",
        "baseline_cost_usd": D("0.0081"),
        "usage": Usage(1200, 300, cached_input_tokens=1000),
        "attempts": (FAILED, OK),
        "latency_ms": 600.0,
        "category": "code",
    }
    fields.update(kw)
    return CallInfo(**fields)


class Clock:
    """Epoch nanoseconds that advance by hand."""

    def __init__(self) -> None:
        self.now = 1_790_000_000_000_000_000

    def __call__(self) -> int:
        return self.now

    def advance(self, ms: float) -> None:
        self.now += round(ms * MS)


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> Iterator[TracerProvider]:
    tp = TracerProvider()
    tp.add_span_processor(SimpleSpanProcessor(exporter))
    yield tp
    tp.shutdown()


def _by_name(spans: tuple[ReadableSpan, ...]) -> dict[str, ReadableSpan]:
    return {s.name: s for s in spans}


def test_call_span_and_one_child_per_attempt(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    clock = Clock()
    observer = Observer(tracer_provider=provider, clock_ns=clock)
    request = _request(max_output_tokens=512)
    observer.decision(request, PLAN)
    clock.advance(10)
    observer.attempt(FAILED)  # ended 10 ms after the decision, took 200 ms: clamped to start
    clock.advance(400)
    observer.attempt(OK)
    clock.advance(5)
    observer.complete(request, _info(), None)

    spans = exporter.get_finished_spans()
    assert len(spans) == 3
    call = next(s for s in spans if s.kind == SpanKind.INTERNAL)
    first, second = sorted(
        (s for s in spans if s.kind == SpanKind.CLIENT), key=lambda s: s.start_time or 0
    )
    assert call.name == "chat anthropic/claude-haiku-4-5"  # the model first asked
    a = dict(call.attributes or {})
    assert a["gen_ai.operation.name"] == "chat"
    assert a["gen_ai.provider.name"] == a["gen_ai.system"] == "deepseek"
    assert a["gen_ai.request.model"] == "anthropic/claude-haiku-4-5"
    assert a["gen_ai.response.model"] == "deepseek/deepseek-v4-flash"
    assert (a["gen_ai.usage.input_tokens"], a["gen_ai.usage.output_tokens"]) == (1200, 300)
    assert a["gen_ai.request.max_tokens"] == 512
    assert a["costroute.cost_usd"] == pytest.approx(0.00042)
    assert a["costroute.baseline_cost_usd"] == pytest.approx(0.0081)
    assert a["costroute.saved_usd"] == pytest.approx(0.00768)
    assert a["costroute.deployment"] == "deepseek-v4-flash"
    assert (a["costroute.difficulty"], a["costroute.category"]) == (0.42, "code")
    assert (a["costroute.fallbacks"], a["costroute.retries"], a["costroute.cached"]) == (
        1,
        0,
        False,
    )
    assert a["costroute.baseline_model"] == "anthropic/claude-sonnet-5-5"
    assert call.status.status_code == StatusCode.UNSET
    # timing: the call spans decision -> complete; attempts end when reported
    assert call.end_time is not None and call.start_time is not None
    assert call.end_time - call.start_time == 415 * MS
    assert (first.start_time, first.end_time) == (call.start_time, call.start_time + 10 * MS)
    assert second.end_time == call.start_time + 410 * MS
    assert second.start_time == second.end_time - 300 * MS
    for child in (first, second):
        assert child.parent is not None and child.parent.span_id == call.context.span_id
        assert child.context.trace_id == call.context.trace_id
    f = dict(first.attributes or {})
    assert first.name == "chat anthropic/claude-haiku-4-5"
    assert (f["error.type"], f["http.response.status_code"]) == ("ProviderUnavailableError", 529)
    assert (f["costroute.attempt.index"], f["costroute.attempt.status"]) == (0, "error")
    assert first.status.status_code == StatusCode.ERROR
    s = dict(second.attributes or {})
    assert s["gen_ai.response.model"] == "deepseek/deepseek-v4-flash"
    assert s["costroute.cost_usd"] == pytest.approx(0.00042)


def test_spans_hold_no_prompt_user_or_tenant(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    observer = Observer(tracer_provider=provider)
    request = _request()
    observer.decision(request, PLAN)
    observer.complete(request, _info(), None)
    text = repr([dict(s.attributes or {}) for s in exporter.get_finished_spans()])
    assert "secret prompt" not in text and "alice" not in text and "acme" not in text


def test_failed_call_sets_error_type(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    observer = Observer(tracer_provider=provider)
    request = _request()
    info = _info(attempts=(FAILED,), cost_usd=D(0), usage=Usage())
    observer.decision(request, PLAN)
    observer.complete(request, info, AllDeploymentsFailed([FAILED], None))
    call = next(s for s in exporter.get_finished_spans() if s.kind == SpanKind.INTERNAL)
    assert (call.attributes or {})["error.type"] == "AllDeploymentsFailed"
    assert call.status.status_code == StatusCode.ERROR


def test_attempts_not_reported_live_are_laid_out_from_the_start(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    clock = Clock()
    observer = Observer(tracer_provider=provider, clock_ns=clock)
    request = _request()
    observer.decision(request, PLAN)
    clock.advance(700)
    observer.complete(request, _info(), None)  # no attempt() calls at all
    spans = _by_name(exporter.get_finished_spans())
    call = next(s for s in spans.values() if s.kind == SpanKind.INTERNAL)
    children = sorted(
        (s for s in exporter.get_finished_spans() if s.kind == SpanKind.CLIENT),
        key=lambda s: s.start_time or 0,
    )
    start = call.start_time or 0
    assert [(c.start_time, c.end_time) for c in children] == [
        (start, start + 200 * MS),
        (start + 200 * MS, start + 500 * MS),
    ]


def test_complete_without_decision_infers_the_start(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    clock = Clock()
    observer = Observer(tracer_provider=provider, clock_ns=clock)
    observer.complete(_request(), _info(attempts=(), latency_ms=3.0, cached=True), None)
    (call,) = exporter.get_finished_spans()
    assert (call.end_time or 0) - (call.start_time or 0) == 3 * MS
    assert call.name == "chat deepseek/deepseek-v4-flash"
    assert (call.attributes or {})["costroute.cached"] is True


def test_callbacks_see_every_event_in_order() -> None:
    seen: list[Any] = []
    observer = Observer(
        on_decision=lambda plan, request: seen.append(("decision", plan.policy, request.user)),
        on_attempt=[lambda a: seen.append(("attempt", a.status))],
        on_complete=lambda info: seen.append(("complete", info.request_id)),
    )
    request = _request()
    observer.decision(request, PLAN)
    observer.attempt(FAILED)
    observer.attempt(OK)
    observer.complete(request, _info(), None)
    assert seen == [
        ("decision", "balanced", "alice"),
        ("attempt", "error"),
        ("attempt", "ok"),
        ("complete", "req-1"),
    ]
    assert not observer.tracing


def test_a_raising_callback_is_logged_and_the_rest_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ran: list[str] = []

    def broken(info: CallInfo) -> None:
        raise ValueError("dashboard is down")

    callbacks = Callbacks(on_complete=[broken, lambda info: ran.append(info.request_id)])
    with caplog.at_level(logging.WARNING, logger="costroute"):
        callbacks.complete(_info())  # does not raise
        Callbacks(on_decision=lambda p, r: 1 / 0).decision(PLAN, _request())
    assert ran == ["req-1"]
    messages = [r.getMessage() for r in caplog.records]
    assert any("on_complete" in m and "dashboard is down" in m for m in messages)
    assert any("ZeroDivisionError" in m for m in messages)
    assert all(r.name == "costroute" and r.levelno == logging.WARNING for r in caplog.records)
    assert all(r.exc_info for r in caplog.records)


def test_keyboard_interrupt_is_not_swallowed() -> None:
    def stop(info: CallInfo) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Callbacks(on_complete=stop).complete(_info())


def test_a_broken_tracer_never_breaks_the_call(
    caplog: pytest.LogCaptureFixture, provider: TracerProvider
) -> None:
    observer = Observer(tracer_provider=provider, on_complete=lambda info: None)
    assert observer._spans is not None

    def boom(*args: Any) -> None:
        raise RuntimeError("exporter exploded")

    observer._spans.write = boom  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, logger="costroute"):
        observer.complete(_request(), _info(), None)
    assert "exporter exploded" in caplog.text


def test_callbacks_and_shortcuts_combine_and_are_checked() -> None:
    calls = itertools.count()
    observer = Observer(
        Callbacks(on_complete=lambda info: next(calls)), on_complete=lambda info: next(calls)
    )
    observer.complete(_request(), _info(), None)
    assert next(calls) == 2
    assert "on_complete=2" in repr(observer.callbacks)
    with pytest.raises(ConfigError) as info:
        Callbacks(on_attempt=42)  # type: ignore[arg-type]
    assert info.value.field == "on_attempt"


def test_tracing_uses_the_global_provider() -> None:
    observer = Observer(tracing=True)  # the API's no-op tracer without an SDK: no error
    observer.complete(_request(), _info(), None)
    assert observer.tracing


def test_import_is_lazy() -> None:
    code = (
        "import sys, costroute.observe as o; o.Observer(on_complete=print);"
        " print(any(m.startswith('opentelemetry') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_tracing_without_opentelemetry_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry", None)
    with pytest.raises(ConfigError) as info:
        Observer(tracing=True)
    assert "costroute[otel]" in str(info.value)
