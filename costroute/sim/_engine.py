"""What a simulated model answers: text, tool calls, JSON, token counts and cache hits.

Everything here is pure and deterministic (randomness comes in as a seeded
``random.Random``), and knows nothing about HTTP or about any provider's wire format.

Prompt caching, per model, on prefixes of the prompt's segments (tools, system, messages):

* OpenAI: automatic; a prompt of 1,024 tokens or more reports the longest prefix already
  seen as ``cached_tokens``, rounded down to 128-token steps (0 under 1,024).
* DeepSeek: automatic; any repeated prefix counts, rounded down to 64-token units.
* Anthropic: explicit; only prefixes ending at a block that carries ``cache_control``.
  The longest such prefix already seen is read (``cache_read_input_tokens``); the rest,
  up to the last breakpoint, is written (``cache_creation_input_tokens``).
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
from dataclasses import dataclass
from typing import Any, Literal

from ._profiles import ModelProfile, Provider
from ._prompt import Prompt, ToolSpec, count_text_tokens
from ._schema import instance, stated_values

__all__ = [
    "CacheUsage",
    "Completion",
    "PromptCache",
    "ToolCall",
    "generate",
    "graded",
    "request_rng",
]

Finish = Literal["stop", "length", "tool_calls"]

_SENTENCES = (
    "The short answer depends on the details of the question.",
    "Here is a step by step explanation.",
    "First, restate the problem in simple terms.",
    "Then check each assumption against the data.",
    "A simple approach works well in most cases.",
    "The main trade-off is between cost and accuracy.",
    "In practice this is usually enough.",
    "Edge cases need a closer look.",
    "The result follows directly from the definition.",
    "This keeps the solution easy to test.",
    "Finally, verify the answer with a quick example.",
    "Let me know if you want more detail on any step.",
)
_THOUGHTS = (
    "Let me think about what is being asked.",
    "Maybe I should compare the two options.",
    "Wait, that does not look right; check again.",
    "So the key constraint is the budget.",
    "Consider the simplest case first.",
    "Ok, that seems consistent.",
)


@dataclass(frozen=True)
class CacheUsage:
    """Prompt tokens read from, and written to, the simulated prompt cache."""

    read: int = 0
    created: int = 0


@dataclass(frozen=True)
class ToolCall:
    """A tool call the model makes: the tool's name and its JSON arguments."""

    name: str
    arguments: dict[str, Any]

    @property
    def arguments_json(self) -> str:
        """The arguments as the JSON string OpenAI-style APIs send."""
        return json.dumps(self.arguments)


@dataclass(frozen=True)
class Completion:
    """A simulated answer with its token accounting."""

    model: str
    text: str
    reasoning_text: str
    tool_call: ToolCall | None
    finish: Finish
    prompt_tokens: int
    cache: CacheUsage
    output_tokens: int
    reasoning_tokens: int

    @property
    def completion_tokens(self) -> int:
        """Visible plus reasoning tokens: what the provider bills as output."""
        return self.output_tokens + self.reasoning_tokens


def request_rng(seed: int, body: dict[str, Any]) -> random.Random:
    """A generator seeded by ``seed`` and the request body (stream flags left out)."""
    stable = {k: v for k, v in body.items() if k not in ("stream", "stream_options")}
    raw = json.dumps(stable, sort_keys=True, default=str)
    digest = hashlib.sha256(f"{seed}:{raw}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


class PromptCache:
    """Remembers, per model, the prompt prefixes it has seen (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, set[bytes]] = {}

    def clear(self) -> None:
        """Forget every prefix."""
        with self._lock:
            self._seen.clear()

    def use(self, provider: Provider, prompt: Prompt) -> CacheUsage:
        """Report the cache hits of ``prompt`` under ``provider``'s rules, then remember it."""
        boundaries = _prefix_boundaries(prompt)
        with self._lock:
            seen = self._seen.setdefault(prompt.model, set())
            if provider == "anthropic":
                return _anthropic_cache(boundaries, seen)
            matched = max((tokens for digest, tokens, _ in boundaries if digest in seen), default=0)
            seen.update(digest for digest, _, _ in boundaries)
        if provider == "deepseek":
            return CacheUsage(read=matched // 64 * 64)
        if prompt.tokens >= 1024 and matched >= 1024:
            return CacheUsage(read=matched // 128 * 128)
        return CacheUsage()


def _prefix_boundaries(prompt: Prompt) -> list[tuple[bytes, int, bool]]:
    """(digest of the prefix, its tokens, ends at a cache breakpoint) after each segment."""
    hasher = hashlib.sha256()
    total = 0
    out: list[tuple[bytes, int, bool]] = []
    for segment in prompt.segments:
        hasher.update(segment.text.encode())
        hasher.update(b"\x00")
        total += segment.tokens
        out.append((hasher.copy().digest(), total, segment.cache_breakpoint))
    return out


def _anthropic_cache(boundaries: list[tuple[bytes, int, bool]], seen: set[bytes]) -> CacheUsage:
    breakpoints = [(digest, tokens) for digest, tokens, flagged in boundaries if flagged]
    if not breakpoints:
        return CacheUsage()
    read = max((tokens for digest, tokens in breakpoints if digest in seen), default=0)
    seen.update(digest for digest, _ in breakpoints)
    return CacheUsage(read=read, created=breakpoints[-1][1] - read)


def generate(
    prompt: Prompt, profile: ModelProfile, cache: CacheUsage, rng: random.Random
) -> Completion:
    """Produce the answer to ``prompt`` for a model behaving like ``profile``."""
    tool = _pick_tool(prompt)
    target = _sample_output_tokens(profile.mean_output_tokens, rng)
    call: ToolCall | None = None
    stated = stated_values(prompt.last_user_text)
    if tool is not None:
        call = ToolCall(tool.name, instance(tool.parameters, rng, stated=stated))
        text = ""
        visible = count_text_tokens(call.name + call.arguments_json) + 4
    elif prompt.json_schema is not None:
        text = _json_text(prompt, stated, target, rng)
        visible = count_text_tokens(text)
    else:
        head = f"[{prompt.model}] answer: {_echo(prompt)}."
        if prompt.tool_result is not None:
            head = f"[{prompt.model}] answer: the tool returned {_quote(prompt.tool_result)}."
        visible = max(target, count_text_tokens(head))
        text = _words_text(head, _SENTENCES, visible, rng)
    ratio = profile.reasoning_tokens_per_output if profile.reasoning else 0.0
    reasoning = round(visible * ratio)
    finish: Finish = "tool_calls" if call else "stop"
    limit = prompt.max_tokens
    if limit is not None and visible + reasoning > limit:
        reasoning = min(reasoning, limit)
        visible = limit - reasoning
        text, call, finish = text[: visible * 4], None, "length"
    thoughts = _words_text("Let me think.", _THOUGHTS, reasoning, rng) if reasoning else ""
    return Completion(
        model=prompt.model,
        text=text,
        reasoning_text=thoughts,
        tool_call=call,
        finish=finish,
        prompt_tokens=prompt.tokens,
        cache=cache,
        output_tokens=visible,
        reasoning_tokens=reasoning,
    )


def graded(
    prompt: Prompt, profile: ModelProfile, cache: CacheUsage, text: str, rng: random.Random
) -> Completion:
    """The answer ``text`` (a judge's grade, ``SCORE: 1``) as ``profile``'s model gives it:
    its tokens, and the reasoning tokens a reasoning model spends on them."""
    visible = count_text_tokens(text)
    ratio = profile.reasoning_tokens_per_output if profile.reasoning else 0.0
    reasoning = round(visible * ratio)
    thoughts = _words_text("Let me think.", _THOUGHTS, reasoning, rng) if reasoning else ""
    return Completion(
        model=prompt.model,
        text=text,
        reasoning_text=thoughts,
        tool_call=None,
        finish="stop",
        prompt_tokens=prompt.tokens,
        cache=cache,
        output_tokens=visible,
        reasoning_tokens=reasoning,
    )


def _pick_tool(prompt: Prompt) -> ToolSpec | None:
    """The tool to call, if any (tool_choice ``"none"`` never calls one):

    * a tool that tool_choice names;
    * the conversation ends with the user: the tool the last user message names
      (``get_weather`` or ``get weather``), else the first tool offered;
    * it ends with tool results: none (the model answers in text) unless tool_choice is
      ``"required"`` (Anthropic ``any``): then the first tool not called yet in the
      conversation (agents' final-output tools), else the first tool.
    """
    if not prompt.tools or prompt.tool_mode == "none":
        return None
    if prompt.forced_tool is not None:
        return next((t for t in prompt.tools if t.name == prompt.forced_tool), prompt.tools[0])
    if prompt.ends_with_user:
        said = prompt.last_user_text.lower()
        for tool in prompt.tools:
            name = tool.name.lower()
            if name and (name in said or name.replace("_", " ") in said):
                return tool
        return prompt.tools[0]
    if prompt.tool_mode != "required":
        return None
    called = set(prompt.called_tools)
    return next((t for t in prompt.tools if t.name not in called), prompt.tools[0])


def _sample_output_tokens(mean: int, rng: random.Random) -> int:
    """Visible output tokens: normal around ``mean`` (sd 25 %), kept in [mean/4, 3*mean]."""
    drawn = round(rng.gauss(mean, mean * 0.25))
    return max(max(1, mean // 4), min(3 * mean, drawn))


def _quote(result: str, limit: int = 200) -> str:
    """A tool result, on one line and at most ``limit`` characters, in quotes."""
    flat = " ".join(result.split())
    return f'"{flat[:limit]}..."' if len(flat) > limit else f'"{flat}"'


def _echo(prompt: Prompt) -> str:
    words = prompt.last_user_text.split()[:8]
    return " ".join(words).rstrip(".?!:;,") if words else "your request"


def _words_text(head: str, sentences: tuple[str, ...], tokens: int, rng: random.Random) -> str:
    """Text of exactly ``tokens`` tokens (4 * tokens characters): ``head``, then filler."""
    size = tokens * 4
    parts = [head]
    length = len(head)
    while length < size:
        parts.append(rng.choice(sentences))
        length += len(parts[-1]) + 1
    text = " ".join(parts)[:size]
    return text[:-1] + "." if text.endswith(" ") else text


def _json_text(prompt: Prompt, stated: dict[str, str], tokens: int, rng: random.Random) -> str:
    """A JSON answer to ``prompt``: an instance of its schema, or ``{"answer": ...}``.

    Every property of the schema is filled in (nested ones too), values the user stated
    as ``name=value`` included; see :mod:`._schema`.
    """
    schema = prompt.json_schema or {}
    if not schema.get("properties") and "$ref" not in schema and "anyOf" not in schema:
        answer = _words_text(f"[{prompt.model}] answer: {_echo(prompt)}.", _SENTENCES, tokens, rng)
        return json.dumps({"answer": answer})
    value = instance(schema, rng, stated=stated, placeholders=False, every_property=True)
    return json.dumps(value)
