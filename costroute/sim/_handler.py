"""The HTTP side of the simulator: routing, faults, pacing, and writing bytes.

Every non-streamed response (status line, headers and body) goes out in ONE write, and
accepted sockets get ``TCP_NODELAY``: on loopback, a response split over two sends meets
Nagle's algorithm and delayed ACK and stalls about 40 ms. A stream writes each SSE event
(as one HTTP chunk) in one write.

Routes (the provider prefix is optional; without it the model's profile decides):

* ``POST [/openai|/deepseek][/v1|/beta]/chat/completions``
* ``POST [/anthropic]/v1/messages``
* ``GET  [/openai|/anthropic|/deepseek][/v1]/models``
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import struct
import time
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any, Literal

from ._engine import generate, request_rng
from ._errors import context_message, error_body
from ._faults import Fault
from ._profiles import PROVIDERS, ModelProfile, Provider
from ._prompt import Prompt, read_chat, read_messages
from ._wire import Event, chat_body, chat_events, messages_body, messages_events

if TYPE_CHECKING:
    from ._server import SimState

__all__ = ["Handler", "route"]

logger = logging.getLogger("costroute.sim")

Api = Literal["chat", "messages", "models"]
_HTML = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


def route(path: str) -> tuple[Provider | None, Api | None]:
    """The provider named by the path prefix (if any) and which API the path calls."""
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    hint: Provider | None = None
    if parts and parts[0] in PROVIDERS:
        hint = next(p for p in PROVIDERS if p == parts[0])
        parts = parts[1:]
    tail = "/".join(parts)
    if tail.endswith("chat/completions"):
        return hint, "chat"
    if tail.endswith("messages"):
        return hint, "messages"
    if tail.endswith("models"):
        return hint, "models"
    return hint, None


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Overloaded" if status == 529 else "Error"


def _json_bytes(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


class Handler(BaseHTTPRequestHandler):
    """One connection to the simulator (HTTP/1.1, keep-alive)."""

    protocol_version = "HTTP/1.1"
    server_version = "costroute-sim"
    sim: SimState  # set on the subclass the server builds

    # ------------------------------------------------------------------ connection plumbing

    def setup(self) -> None:
        """Disable Nagle on the accepted socket and register it for shutdown."""
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sim.track(self.request)

    def finish(self) -> None:
        """Unregister the socket."""
        self.sim.untrack(self.request)
        with contextlib.suppress(OSError):  # the peer is gone; nothing left to flush
            super().finish()

    def handle(self) -> None:
        """Serve requests until the peer leaves; a vanished peer is not an error."""
        try:
            super().handle()
        except (ConnectionError, TimeoutError, OSError) as exc:
            logger.debug("connection ended: %r", exc)

    def log_message(self, format: str, *args: Any) -> None:
        """Log to ``costroute.sim`` at DEBUG instead of writing to stderr."""
        logger.debug("%s " + format, self.address_string(), *args)

    def _write(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        """Status line, headers and body in a single send."""
        lines = [f"HTTP/1.1 {status} {_reason(status)}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if "Transfer-Encoding" not in headers:
            lines.append(f"Content-Length: {len(body)}")
        lines.append("Connection: close" if self.close_connection else "Connection: keep-alive")
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        self.log_request(status, len(body))

    def _send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._write(
            status, _json_bytes(obj), {"Content-Type": "application/json", **(headers or {})}
        )

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _drop(self) -> None:
        """Close the connection with a TCP reset, without answering."""
        self.close_connection = True
        self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    # ------------------------------------------------------------------ requests

    def do_GET(self) -> None:
        """List the models a provider serves."""
        hint, api = route(self.path)
        if api != "models":
            self._send_json(
                404, {"error": {"message": f"Unknown path {self.path}", "type": "not_found"}}
            )
            return
        self._send_json(200, self.sim.models_list(hint))

    def do_POST(self) -> None:
        """Answer a chat request, or fail as an injected fault says."""
        hint, api = route(self.path)
        body = self._read_json(_provider_for(hint, None, api))
        if body is None:
            return
        model = str(body.get("model", ""))
        profile = self.sim.profiles.get(model)
        provider = _provider_for(hint, profile, api)
        self.sim.record(self.path, provider, model, body, dict(self.headers.items()))
        fault = self.sim.faults.take(model)
        if fault is not None and fault.kind == "delay":
            if self.sim.stopping.wait(fault.seconds):
                return self._drop()
        elif fault is not None and fault.kind != "cut_stream":
            return self._apply(fault, provider, model)
        if api not in ("chat", "messages"):
            return self._error(provider, 404, model, f"Unknown path {self.path}")
        if profile is None or not _serves(api, provider, profile):
            return self._error(provider, 404, model)
        cut = fault.after_chunks if fault is not None else None
        self._answer(api, provider, profile, body, cut)

    def _read_json(self, provider: Provider) -> dict[str, Any] | None:
        """The request body as a JSON object; on bad JSON, answer 400 and return None."""
        try:
            body = json.loads(self._read_body() or b"{}")
            if isinstance(body, dict):
                return body
            raise ValueError("the body is not a JSON object")
        except ValueError as exc:
            message = f"Invalid JSON body: {exc}"
            self._send_json(400, error_body(provider, 400, "", message))
            return None

    def _error(self, provider: Provider, status: int, model: str, message: str | None = None,
               headers: dict[str, str] | None = None, raw: str | None = None) -> None:  # fmt: skip
        """Answer ``status`` with the provider's error body (or ``raw``)."""
        request_id = self.sim.next_ids(provider).response.replace("msg_", "req_")
        body = error_body(provider, status, model, message, request_id)
        payload = raw.encode() if raw is not None else _json_bytes(body)
        extra = {"Content-Type": "application/json", _id_header(provider): request_id}
        self._write(status, payload, extra | (headers or {}))

    def _apply(self, fault: Fault, provider: Provider, model: str) -> None:
        """Answer with an injected fault instead of a completion."""
        if fault.kind == "reset":
            self._drop()
        elif fault.kind == "non_json":
            self._write(200, _HTML, {"Content-Type": "text/html"})
        else:
            headers = {} if fault.retry_after is None else {"Retry-After": f"{fault.retry_after:g}"}
            if provider == "anthropic" and fault.status_code == 529:
                headers["x-should-retry"] = "true"
            self._error(provider, fault.status_code, model, headers=headers, raw=fault.body)

    def _answer(self, api: Api, provider: Provider, profile: ModelProfile,
                body: dict[str, Any], cut: int | None) -> None:  # fmt: skip
        """Generate the completion and send it, streamed or whole."""
        prompt = read_messages(body) if api == "messages" else read_chat(body)
        overflow = _overflow(provider, profile, prompt)
        if overflow is not None:
            return self._error(provider, 400, prompt.model, overflow)
        cache = self.sim.cache.use(provider, prompt)
        completion = generate(prompt, profile, cache, request_rng(self.sim.seed, body))
        ids = self.sim.next_ids(provider)
        deepseek = provider == "deepseek"
        if prompt.stream:
            events = (
                messages_events(completion, ids)
                if api == "messages"
                else chat_events(completion, ids, deepseek, prompt.include_usage)
            )
            return self._stream(profile, events, cut)
        obj = (
            messages_body(completion, ids)
            if api == "messages"
            else chat_body(completion, ids, deepseek)
        )
        scale = self.sim.latency_scale
        wait = scale * (
            profile.ttft_ms / 1000 + completion.completion_tokens / profile.tokens_per_s
        )
        if wait > 0 and self.sim.stopping.wait(wait):
            return self._drop()
        payload = _json_bytes(obj)
        if cut is not None:
            return self._write_cut(payload)
        self._write(
            200, payload, {"Content-Type": "application/json", _id_header(provider): ids.response}
        )

    def _write_cut(self, payload: bytes) -> None:
        """Announce the whole body, send half of it (one send), then close."""
        self.close_connection = True
        head = (
            f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}"
        )
        self.wfile.write(
            f"{head}\r\nConnection: close\r\n\r\n".encode() + payload[: len(payload) // 2]
        )

    def _stream(self, profile: ModelProfile, events: Iterator[Event], cut: int | None) -> None:
        """Write SSE events as HTTP chunks, paced by the profile; stop early on a cut."""
        headers = {
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache",
            "Transfer-Encoding": "chunked",
        }
        self._write(200, b"", headers)
        started = time.monotonic()
        scale = self.sim.latency_scale
        tokens = 0.0
        for index, event in enumerate(events):
            if cut is not None and index >= cut:
                self.close_connection = True
                return
            tokens += event.tokens
            due = started + scale * (profile.ttft_ms / 1000 + tokens / profile.tokens_per_s)
            delay = due - time.monotonic()
            if delay > 0 and self.sim.stopping.wait(delay):
                return self._drop()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(event.data), event.data))
        self.wfile.write(b"0\r\n\r\n")


def _provider_for(hint: Provider | None, profile: ModelProfile | None, api: Api | None) -> Provider:
    """The provider a request speaks to: the path prefix, else the model, else the API."""
    if hint is not None:
        return hint
    if profile is not None:
        return profile.provider
    return "anthropic" if api == "messages" else "openai"


def _serves(api: Api, provider: Provider, profile: ModelProfile) -> bool:
    """Whether ``provider`` serves this model on this API (Anthropic: messages only)."""
    return profile.provider == provider and (provider == "anthropic") == (api == "messages")


def _id_header(provider: Provider) -> str:
    return "request-id" if provider == "anthropic" else "x-request-id"


def _overflow(provider: Provider, profile: ModelProfile, prompt: Prompt) -> str | None:
    """The context-length error message, if the prompt does not fit the model.

    Anthropic is checked on the prompt alone: litellm sends a large default ``max_tokens``.
    """
    output = prompt.max_tokens or 0
    window = profile.context_window
    if prompt.tokens > window or (provider != "anthropic" and prompt.tokens + output > window):
        return context_message(provider, window, prompt.tokens, output)
    return None
