"""Fault-injection helpers: provider wire formats for errors, cut streams, a fixed plan.

The ``harness_factory`` fixture (conftest.py) builds routers over these."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

import costroute
from costroute.testing import (
    ANTHROPIC_URL,
    DEEPSEEK_URL,
    OPENAI_URL,
    FakeClock,
    anthropic_body,
    anthropic_sse,
    deepseek_body,
    openai_body,
    openai_sse,
    sse_response,
)
from costroute.types import Choice, Plan, Request, Signals


@dataclass(frozen=True)
class Provider:
    """One provider under test: its URL, its deployment, and where its calls fall back to."""

    name: str
    url: str
    deployment: str
    fallback: str
    fallback_url: str


PROVIDERS = {
    "openai": Provider("openai", OPENAI_URL, "gpt-5.4-mini", "deepseek-v4-flash", DEEPSEEK_URL),
    "anthropic": Provider(
        "anthropic", ANTHROPIC_URL, "claude-haiku-4-5", "gpt-5.4-mini", OPENAI_URL
    ),
    "deepseek": Provider(
        "deepseek", DEEPSEEK_URL, "deepseek-v4-flash", "claude-haiku-4-5", ANTHROPIC_URL
    ),
}
URL_PROVIDER = {OPENAI_URL: "openai", ANTHROPIC_URL: "anthropic", DEEPSEEK_URL: "deepseek"}
PIECES = ["The ", "answer ", "is ", "42."]
TEXT = "".join(PIECES)


def answer(url: str, stream: bool) -> httpx.Response:
    """A good answer in the wire format of the provider at ``url``."""
    provider = URL_PROVIDER[url]
    if stream:
        if provider == "anthropic":
            return sse_response(anthropic_sse(PIECES, input_tokens=30, output=8))
        return sse_response(openai_sse(PIECES, prompt=30, completion=8, hit=0))
    if provider == "anthropic":
        return httpx.Response(200, json=anthropic_body(TEXT, input_tokens=30, output=8))
    if provider == "deepseek":
        return httpx.Response(200, json=deepseek_body(TEXT, prompt=30, completion=8))
    return httpx.Response(200, json=openai_body(TEXT, prompt=30, completion=8))


def error_body(provider: str, status: int) -> dict[str, Any]:
    """The provider's own error body for ``status``."""
    kind = {429: "rate_limit_error", 529: "overloaded_error"}.get(status, "api_error")
    message = {529: "Overloaded", 429: "Rate limited"}.get(status, "Internal error")
    if provider == "anthropic":
        return {"type": "error", "error": {"type": kind, "message": message}}
    return {"error": {"message": message, "type": kind, "code": None}}


def cut_stream(provider: str, *, before_content: bool = False) -> httpx.Response:
    """A 200 SSE stream that stops half way: no finish reason, no [DONE] / message_stop."""
    if provider == "anthropic":
        events = anthropic_sse(PIECES).split("\n\n")
        keep = 2 if before_content else 4  # message_start, block start (, two deltas)
        return sse_response("\n\n".join(events[:keep]) + "\n\n")
    if before_content:
        return sse_response("")
    events = openai_sse(PIECES, cut=True).split("\n\n")
    return sse_response("\n\n".join(events[:2]) + "\n\n")


def respond(fault: Fault, url: str, stream: bool) -> Callable[[httpx.Request], httpx.Response]:
    """A respx side effect that injects ``fault`` on every request."""

    def side_effect(request: httpx.Request) -> httpx.Response:
        out = fault(url, stream)
        if isinstance(out, BaseException):
            raise out
        return out

    return side_effect


def cut_json(url: str) -> httpx.Response:
    """A 200 whose JSON body stops half way."""
    body = json.dumps(answer(url, stream=False).json())
    return httpx.Response(
        200, content=body[: len(body) // 2].encode(), headers={"content-type": "application/json"}
    )


Fault = Callable[[str, bool], Any]  # (url, stream) -> httpx.Response or an exception to raise

FAULTS: dict[str, Fault] = {
    "429_retry_after": lambda url, stream: httpx.Response(
        429, json=error_body(URL_PROVIDER[url], 429), headers={"retry-after": "2"}
    ),
    "500": lambda url, stream: httpx.Response(500, json=error_body(URL_PROVIDER[url], 500)),
    "503": lambda url, stream: httpx.Response(503, json=error_body(URL_PROVIDER[url], 503)),
    "529": lambda url, stream: httpx.Response(529, json=error_body(URL_PROVIDER[url], 529)),
    "timeout": lambda url, stream: httpx.ReadTimeout("The read operation timed out"),
    "connection_reset": lambda url, stream: httpx.ReadError("[Errno 104] Connection reset by peer"),
    "connection_refused": lambda url, stream: httpx.ConnectError("[Errno 111] Connection refused"),
    "non_json_200": lambda url, stream: httpx.Response(
        200, text="<html><body>502 Bad Gateway</body></html>", headers={"content-type": "text/html"}
    ),
    "cut_half_way": lambda url, stream: cut_stream(URL_PROVIDER[url]) if stream else cut_json(url),
}

# What the first failed attempt must be recorded as: (error class, status code).
FIRST_ERROR: dict[str, tuple[str, int | None]] = {
    "429_retry_after": ("RateLimitError", 429),
    "500": ("ProviderUnavailableError", 500),
    "503": ("ProviderUnavailableError", 503),
    "529": ("ProviderUnavailableError", 529),
    "timeout": ("ProviderTimeout", 408),
    "connection_reset": ("ProviderConnectionError", None),
    "connection_refused": ("ProviderConnectionError", None),
    "non_json_200": ("InvalidResponseError", 200),
    "cut_half_way": ("InvalidResponseError", 200),
}


@dataclass
class FixedPolicy:
    """A policy that always plans the same deployments, in order."""

    order: Sequence[str]
    name: str = "fixed"

    def route(self, request: Request, signals: Signals) -> Plan:
        return Plan(
            choices=tuple(Choice(deployment=d, reasons=("fixed",)) for d in self.order),
            policy=self.name,
            difficulty=0.0,
            reasons=("fixed plan",),
        )


@dataclass
class MemoryLedger:
    """A ledger that keeps records in a list."""

    records: list[Any] = field(default_factory=list)

    def append(self, record: Any) -> None:
        self.records.append(record)


@dataclass
class Harness:
    """A router with an injected clock, sleep, randomness and ledger."""

    router: costroute.Router
    clock: FakeClock
    slept: list[float]
    ledger: MemoryLedger


def make_harness_factory() -> Callable[..., Harness]:
    """Routers over a fixed plan, with a fake clock, recorded sleeps, rng=0.5, a list ledger."""

    def make(order: Sequence[str], **kwargs: Any) -> Harness:
        clock = FakeClock()
        slept: list[float] = []

        def sleep(seconds: float) -> None:
            slept.append(seconds)
            clock.advance(seconds)

        async def asleep(seconds: float) -> None:
            sleep(seconds)

        ledger = MemoryLedger()
        kwargs.setdefault("retry", costroute.RetryConfig(attempts=2, backoff_s=1, max_backoff_s=4))
        router = costroute.Router(
            policy=FixedPolicy(order),
            clock=clock,
            now=clock.now,
            sleep=sleep,
            asleep=asleep,
            rng=lambda: 0.5,
            ledger=ledger,
            **kwargs,
        )
        return Harness(router, clock, slept, ledger)

    return make


MODES = ("sync", "async", "stream", "async_stream")

# litellm's AsyncHTTPHandler (Anthropic and DeepSeek; OpenAI goes through the openai SDK with
# max_retries=0) reconnects once, at once and on a fresh client, after httpx.ConnectError.
# Such a request never reached the provider, so nothing was billed; costroute sees one attempt.
LITELLM_RECONNECTS = frozenset(
    (provider, mode) for provider in ("anthropic", "deepseek") for mode in ("async", "async_stream")
)


def requests_per_attempt(provider: str, mode: str, fault: str) -> int:
    """HTTP requests behind one costroute attempt that meets ``fault``."""
    hidden = fault == "connection_refused" and (provider, mode) in LITELLM_RECONNECTS
    return 2 if hidden else 1


STREAMING = frozenset({"stream", "async_stream"})
EASY = [{"role": "user", "content": "What is six times seven?"}]


def call(router: costroute.Router, mode: str, **kwargs: Any) -> tuple[str, Any]:
    """One chat call in ``mode``; the answer's text and its CallInfo."""
    kwargs.setdefault("messages", EASY)
    if mode == "sync":
        resp = router.chat(**kwargs)
        return resp.choices[0].message.content, resp.costroute
    if mode == "async":
        resp = asyncio.run(router.achat(**kwargs))
        return resp.choices[0].message.content, resp.costroute
    if mode == "stream":
        stream = router.chat(stream=True, **kwargs)
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        return text, stream.costroute

    async def run() -> tuple[str, Any]:
        stream = await router.achat(stream=True, **kwargs)
        parts = [c.choices[0].delta.content or "" async for c in stream if c.choices]
        return "".join(parts), stream.costroute

    return asyncio.run(run())
