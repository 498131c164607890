"""What the sync and async streams share: one attempt's state, and opening checks and settling.

Streamed calls fail over transparently before the first content token, typed after.

Until a stream has produced content, any failure (an error status, a reset, a body that is not
a stream, a stream that ends with neither content nor usage) is retried or falls back like a
whole call, and the caller sees nothing of it. After the first content token, a failure ends the
iteration with :class:`StreamInterrupted` carrying the text so far and the deployment; the
partial usage (estimated from the text when the provider sent none) is billed and recorded.

litellm itself raises when a stream stops after content but before a finish reason
(``MidStreamFallbackError``, translated to :class:`ProviderConnectionError`); a stream that
stops before any content, or a 200 whose body is not SSE, comes out of litellm as an empty
"complete" answer with no usage block, which is why an answer without content must carry usage.
The provider's usage block arrives in the last chunk (``stream_options.include_usage``, always
asked for, to bill); that usage-only chunk (``choices == []``) reaches the caller only when it
asked for it too, as with the openai client. A stream is read once: iterating it again raises
:class:`InvalidRequestError` and never sends the request again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from costroute import errors, providers
from costroute._tokens import chars_to_tokens
from costroute.catalog import Deployment
from costroute.errors import CostrouteError, InvalidRequestError
from costroute.executor._core import ExecutorCore
from costroute.executor._cover import Cover
from costroute.executor._outcome import Finish, Outcome, Progress
from costroute.types import Choice, Plan, Request, Usage

__all__ = ["_StreamRunBase", "_StreamState"]


def _delta_of(chunk: Any) -> tuple[str, bool, str | None]:
    """(content text, has tool calls, finish reason) of one chunk."""
    text, tools, finish = "", False, None
    for choice in getattr(chunk, "choices", None) or ():
        delta = getattr(choice, "delta", None)
        if delta is not None:
            text += getattr(delta, "content", None) or ""
            tools = tools or bool(getattr(delta, "tool_calls", None))
        finish = getattr(choice, "finish_reason", None) or finish
    return text, tools, finish


class _StreamState:
    """Text, usage and finish reason gathered from the chunks of one attempt.

    ``bounds``: the (input, output) tokens the call's budget reserved for this attempt, when it
    has a reservation (see :meth:`partial_usage`).
    """

    def __init__(
        self, request: Request, started: float, bounds: tuple[int, int] | None = None
    ) -> None:
        self.request = request
        self.started = started
        self.bounds = bounds
        self.text: list[str] = []
        self.usage: Usage | None = None
        self.ttft_ms: float | None = None
        self.tool_calls = False
        self.finish_reason: str | None = None

    def take(self, chunk: Any) -> bool:
        """Account for ``chunk``; True when it carries content (text or a tool call)."""
        raw = getattr(chunk, "usage", None)
        if raw is not None:
            self.usage = providers.usage_from(raw)
        text, tools, finish = _delta_of(chunk)
        if text:
            self.text.append(text)
        self.tool_calls = self.tool_calls or tools
        self.finish_reason = finish or self.finish_reason
        return bool(text) or tools

    @property
    def has_content(self) -> bool:
        return bool(self.text) or self.tool_calls

    def partial_usage(self, opened: bool = True) -> Usage:
        """The provider's usage, else an estimate: the prompt, and the text at 4 chars a token.

        ``opened=False``: the provider never started an answer, so nothing was billed.
        """
        if self.usage is not None:
            return self.usage
        if not opened and not self.text:
            return Usage()
        prompt = self.request.input_tokens_estimate
        output = chars_to_tokens(sum(len(t) for t in self.text))
        if self.bounds is not None:
            # The estimate can exceed what the reservation counted for this attempt: for OpenAI
            # and DeepSeek the reservation counts the prompt with the provider's own tokenizer
            # (plus margins), and repetitive text packs more than 4 characters in a token
            # ("word " * 4000 is 4,000 tokens, estimated at 5,000); long output tokens likewise
            # push the text's estimate past max_tokens. The provider cannot bill more than those
            # counts, and the budget must not settle more than it reserved for the attempt, so
            # the estimate is bounded by them.
            prompt, output = min(prompt, self.bounds[0]), min(output, self.bounds[1])
        return Usage(input_tokens=prompt, output_tokens=output)


class _StreamRunBase:
    """What the sync and async streams share: opening checks and settling."""

    def __init__(
        self,
        executor: ExecutorCore,
        plan: Plan,
        request: Request,
        timeout: float,
        finish: Finish,
        cover: Cover | None = None,
        release: Callable[[], None] | None = None,
    ) -> None:
        self._ex = executor
        self._plan = plan
        self._request = request
        self._timeout = timeout
        self._finish = finish
        self._cover = cover  # the call's reservation, asked before every attempt
        self._release = release  # gives the reservation back when closed before any attempt
        self._show_usage = providers.wants_usage(request.params)
        self._iterated = False
        self._started = False  # the run began: from then on it settles itself, closed or not
        self._gen: Any = None
        self.costroute: Any = None

    def _closing(self) -> Callable[[], None] | None:
        """Close a stream. When nothing was sent, the call that gives its reservation back (once);
        else None: if its run had begun, the caller closes the generator, which settles what was
        billed."""
        self._iterated = True  # a closed stream is not read afterwards
        if self._started:
            return None
        release, self._release = self._release, None
        return release

    def _shows(self, chunk: Any) -> bool:
        """Whether the caller sees ``chunk``: the usage-only chunk only when it asked for it."""
        return self._show_usage or bool(getattr(chunk, "choices", None))

    def _once(self) -> None:
        if self._iterated:
            raise InvalidRequestError(
                "This stream was iterated already; a stream is read once (nothing was sent again).",
                field="stream",
                fix="keep the chunks while iterating, or call chat(stream=True) again for a new answer",
            )
        self._iterated = True

    def _state(self, choice: Choice, dep: Deployment) -> _StreamState:
        """A new attempt's state, started now (after its budget cover was checked)."""
        bounds = self._cover.bounds(choice, dep) if self._cover is not None else None
        return _StreamState(self._request, self._ex.clock(), bounds)

    def _first_content(self, state: _StreamState, chunk: Any) -> bool:
        if state.take(chunk):
            state.ttft_ms = (self._ex.clock() - state.started) * 1000.0
            return True
        return False

    def _check_empty(self, dep: Deployment, state: _StreamState) -> None:
        """A stream that ended without content is an answer only if the provider billed it."""
        if state.usage is None:
            raise errors.InvalidResponseError(
                "the stream ended with neither content nor a usage block",
                status_code=200,
                provider=dep.provider,
                deployment=dep.name,
            )

    def _open_failed(
        self, progress: Progress, dep: Deployment, state: _StreamState, exc: CostrouteError
    ) -> None:
        """Record a try that failed before content; a stream that broke after its 200 had
        started billing the prompt (litellm drops the usage it may have sent)."""
        opened = isinstance(exc, errors.ProviderConnectionError) and exc.status_code == 200
        self._ex.record(progress, dep, state.started, state.partial_usage(opened), exc)

    def _interrupted(
        self,
        progress: Progress,
        dep: Deployment,
        choice: Choice,
        state: _StreamState,
        cause: BaseException | None,
    ) -> errors.StreamInterrupted:
        """Bill and settle a stream that broke after content; the error to raise."""
        outcome, error = self._interruption(progress, dep, choice, state, cause)
        self.costroute = self._finish(outcome, error)
        return error

    def _interruption(
        self,
        progress: Progress,
        dep: Deployment,
        choice: Choice,
        state: _StreamState,
        cause: BaseException | None,
    ) -> tuple[Outcome, errors.StreamInterrupted]:
        """Bill a stream that broke after content: its outcome and the error to raise."""
        usage = state.partial_usage()
        error = errors.StreamInterrupted(dep.name, "".join(state.text), cause)
        self._ex.record(progress, dep, state.started, usage, cause, state.ttft_ms, "interrupted")
        return progress.outcome(None, dep, choice, usage, state.finish_reason), error

    def _truncated(
        self, dep: Deployment, state: _StreamState
    ) -> errors.ProviderConnectionError | None:
        if state.finish_reason is not None:
            return None
        return errors.ProviderConnectionError(
            "the stream ended before the provider sent a finish reason",
            provider=dep.provider,
            deployment=dep.name,
        )

    def _completion(
        self,
        progress: Progress,
        dep: Deployment,
        choice: Choice,
        state: _StreamState,
        *,
        closed: bool = False,
    ) -> Outcome:
        """Bill a stream that ended (``closed``: the caller stopped reading): its outcome."""
        usage = state.partial_usage()
        status = "interrupted" if closed else None
        self._ex.record(progress, dep, state.started, usage, None, state.ttft_ms, status)
        text = None if state.tool_calls or closed else "".join(state.text)
        return progress.outcome(None, dep, choice, usage, state.finish_reason, text)

    def _completed(
        self,
        progress: Progress,
        dep: Deployment,
        choice: Choice,
        state: _StreamState,
        *,
        closed: bool = False,
    ) -> None:
        """Bill and settle a stream that ended."""
        outcome = self._completion(progress, dep, choice, state, closed=closed)
        self.costroute = self._finish(outcome, None)
