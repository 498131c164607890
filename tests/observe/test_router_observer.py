"""The router reports to its Observer: one decision and one completion per call, spans per try."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)
from opentelemetry.trace import SpanKind

import costroute
from costroute.errors import AllDeploymentsFailed
from costroute.observe import Observer
from costroute.testing import (
    ANTHROPIC_URL,
    DEEPSEEK_URL,
    OPENAI_URL,
    deepseek_body,
    openai_body,
    openai_sse,
    sse_response,
)

EASY = [{"role": "user", "content": "hi"}]


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def observer(exporter: InMemorySpanExporter) -> Observer:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return Observer(tracer_provider=provider)


def test_a_fallback_call_gives_one_span_per_attempt(
    router_factory: Any, mock: respx.MockRouter, observer: Observer, exporter: InMemorySpanExporter
) -> None:
    events: list[str] = []
    observer.callbacks.on_decision = (lambda plan, request: events.append("decision"),)
    observer.callbacks.on_complete = (lambda info: events.append("complete"),)
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(503, json={"error": {}}))
    mock.post(OPENAI_URL).mock(
        return_value=httpx.Response(200, json=openai_body("ok", model="gpt-5.4-mini"))
    )
    router = router_factory(observer=observer, retry=costroute.RetryConfig(attempts=1))
    info = router.chat(messages=EASY).costroute
    assert events == ["decision", "complete"]
    spans = exporter.get_finished_spans()
    call = next(s for s in spans if s.kind == SpanKind.INTERNAL)
    tries = [s for s in spans if s.kind == SpanKind.CLIENT]
    assert call.name == "chat deepseek/deepseek-v4-flash"
    attrs = dict(call.attributes or {})
    assert attrs["gen_ai.response.model"] == info.model
    assert attrs["costroute.cost_usd"] == pytest.approx(float(info.cost_usd))
    assert attrs["costroute.fallbacks"] == 1
    assert len(tries) == len(info.attempts) == 2
    assert {(s.attributes or {})["costroute.attempt.status"] for s in tries} == {"error", "ok"}


def test_a_failed_call_completes_with_its_error(
    router_factory: Any, mock: respx.MockRouter, observer: Observer, exporter: InMemorySpanExporter
) -> None:
    for url in (DEEPSEEK_URL, OPENAI_URL, ANTHROPIC_URL):
        mock.post(url).mock(return_value=httpx.Response(500, json={"error": {}}))
    router = router_factory(observer=observer, retry=costroute.RetryConfig(attempts=1))
    with pytest.raises(AllDeploymentsFailed):
        router.chat(messages=EASY)
    call = next(s for s in exporter.get_finished_spans() if s.kind == SpanKind.INTERNAL)
    assert (call.attributes or {})["error.type"] == "AllDeploymentsFailed"


def test_a_raising_callback_does_not_break_the_call(
    router_factory: Any, mock: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    mock.post(DEEPSEEK_URL).mock(return_value=httpx.Response(200, json=deepseek_body("fine")))

    def broken(*args: Any) -> None:
        raise RuntimeError("metrics backend down")

    router = router_factory(observer=Observer(on_decision=broken, on_complete=broken))
    with caplog.at_level(logging.WARNING, logger="costroute"):
        resp = router.chat(messages=EASY)
    assert resp.choices[0].message.content == "fine"
    failures = [r for r in caplog.records if "metrics backend down" in r.getMessage()]
    assert [r.levelno for r in failures] == [logging.WARNING, logging.WARNING]


async def test_async_and_stream_calls_complete_once(
    router_factory: Any, mock: respx.MockRouter, observer: Observer, exporter: InMemorySpanExporter
) -> None:
    mock.post(DEEPSEEK_URL).mock(
        side_effect=[
            httpx.Response(200, json=deepseek_body("a")),
            sse_response(openai_sse(["Hel", "lo"], prompt=10, completion=5, hit=0)),
        ]
    )
    router = router_factory(observer=observer)
    await router.achat(messages=EASY)
    assert sum(s.kind == SpanKind.INTERNAL for s in exporter.get_finished_spans()) == 1
    stream = router.chat(messages=[{"role": "user", "content": "hello"}], stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "Hello"
    calls = [s for s in exporter.get_finished_spans() if s.kind == SpanKind.INTERNAL]
    assert len(calls) == 2 and (calls[1].attributes or {})["costroute.stream"] is True


def test_default_ledger_is_on_and_stays_out_of_home(
    router_factory: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert router_factory().ledger is not None  # the autouse fixture's temp ledger
    monkeypatch.setenv("COSTROUTE_LEDGER", "off")
    assert router_factory().ledger is None
    monkeypatch.delenv("COSTROUTE_LEDGER")
    assert router_factory(ledger=False).ledger is None
    assert not (tmp_path / "home").exists()
