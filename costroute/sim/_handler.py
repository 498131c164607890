"""The HTTP side of the simulator: routing, faults, completions and pacing, over the
connection plumbing of :mod:`costroute.sim._http` (every non-streamed response in ONE write,
sockets with ``TCP_NODELAY``). A stream writes each SSE event (as one HTTP chunk) in one write.

Routes (the provider prefix is optional; without it the model's profile decides):

* ``POST [/openai|/deepseek][/v1|/beta]/chat/completions``
* ``POST [/anthropic]/v1/messages``
* ``GET  [/openai|/anthropic|/deepseek][/v1]/models``
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any, Literal

from ._engine import generate, graded, request_rng
from ._errors import context_message, error_body
from ._faults import Fault
from ._http import Connection, json_bytes
from ._profiles import PROVIDERS, ModelProfile, Provider
from ._prompt import Prompt, read_chat, read_messages
from ._wire import Event, chat_body, chat_events, messages_body, messages_events

__all__ = ["Handler", "route"]

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


class Handler(Connection):
    """What the simulator answers on a connection: routing, faults, completions and pacing."""

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
        payload = raw.encode() if raw is not None else json_bytes(body)
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
        rng = request_rng(self.sim.seed, body)
        grade = self.sim.grader.judge(prompt.last_user_text)
        if grade is not None:  # a judge request: grade from the answers remembered
            completion = graded(prompt, profile, cache, grade, rng)
        else:
            completion = generate(prompt, profile, cache, rng)
            short = completion.finish == "length"
            self.sim.grader.remember(prompt.last_user_text, prompt.model, completion.text, short)
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
        payload = json_bytes(obj)
        if cut is not None:
            return self._write_cut(payload)
        self._write(
            200, payload, {"Content-Type": "application/json", _id_header(provider): ids.response}
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
