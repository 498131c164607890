"""Sampled labelling, configured: :class:`Labeling` and its judges (issue 15.3).

For a fraction of its calls, after answering the caller, the router asks another deployment
(the reference, by default the baseline) the same request in the background and has a judge
compare the two answers; the score is stored as the call's outcome (``source="judge"``).
This module holds the configuration and the judges, no I/O; the background work is
costroute/router/_labeler.py. See docs/learning.md.

A judge is :class:`ExactMatch` (the same text once normalised), :class:`JudgeModel` (a
deployment grades the routed answer against the reference; its cost is labelling spend), a
callable ``(request_messages, routed_answer, reference_answer) -> float`` in [0, 1], or a
:class:`Checker`, which grades each answer on its own (costroute/router/_grading.py).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, TypeAlias

from costroute.budget import Budget, Limit
from costroute.errors import ConfigError

__all__ = [
    "DEFAULT_JUDGE_PROMPT",
    "Checker",
    "ExactMatch",
    "Judge",
    "JudgeFunction",
    "JudgeModel",
    "Labeling",
]

Messages: TypeAlias = Sequence[Mapping[str, Any]]
JudgeFunction: TypeAlias = Callable[[Messages, str, str], float]
"""``(request_messages, routed_answer, reference_answer) -> score in [0, 1]``."""

_SPACES = re.compile(r"\s+")
_PUNCTUATION = str.maketrans("", "", string.punctuation)


@dataclass(frozen=True, slots=True)
class ExactMatch:
    """1.0 when both answers are the same text once normalised, else 0.0.

    Normalised: Unicode case folded, runs of white space made one space, ends stripped, and
    (``punctuation=False``, the default) ASCII punctuation removed.
    """

    punctuation: bool = False

    def normalise(self, text: str) -> str:
        text = _SPACES.sub(" ", text.casefold()).strip()
        return text if self.punctuation else text.translate(_PUNCTUATION).strip()

    def __call__(self, request_messages: Messages, routed: str, reference: str) -> float:
        return 1.0 if self.normalise(routed) == self.normalise(reference) else 0.0


DEFAULT_JUDGE_PROMPT = """You grade an answer against a reference answer to the same request.

Request:
{request}

Reference answer:
{reference}

Answer to grade:
{answer}

How good is the answer to grade, compared with the reference, from 0 (wrong or useless) to 1
(as good as the reference or better)? Reply with the score alone, e.g. SCORE: 0.8"""
"""The default grading prompt of :class:`JudgeModel` (fields: request, reference, answer)."""

_FIELDS = ("{request}", "{reference}", "{answer}")


@dataclass(frozen=True, slots=True)
class JudgeModel:
    """A deployment of the router that grades the routed answer against the reference.

    ``prompt`` is a ``str.format`` template with the fields ``{request}`` (the request's
    messages as ``role: text`` lines), ``{reference}`` and ``{answer}``; the judge's reply is
    read with :func:`parse_score`. ``max_tokens`` caps its reply (and so its worst case in the
    labelling budget). Its calls are labelling calls: recorded with purpose ``labeling`` and
    paid from the labelling budget.
    """

    deployment: str
    prompt: str = DEFAULT_JUDGE_PROMPT
    max_tokens: int = 256

    def __post_init__(self) -> None:
        if not isinstance(self.deployment, str) or not self.deployment:
            raise ConfigError(
                f"JudgeModel(deployment={self.deployment!r}) names no deployment.",
                field="labeling.judge.deployment",
                fix="name a deployment of the router, e.g. JudgeModel(deployment='gpt-5.4')",
            )
        missing = [f for f in _FIELDS if not isinstance(self.prompt, str) or f not in self.prompt]
        if missing:
            raise ConfigError(
                f"The judge prompt lacks {', '.join(missing)}.",
                field="labeling.judge.prompt",
                fix="write the prompt with the fields {request}, {reference} and {answer}"
                " (double the braces of any other: {{ and }})",
            )
        try:
            self.prompt.format(request="", reference="", answer="")
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError(
                f"The judge prompt is not a format template with only {', '.join(_FIELDS)}:"
                f" {exc!r}.",
                field="labeling.judge.prompt",
                fix="double the braces that are not one of the three fields: {{ and }}",
            ) from None
        tokens = self.max_tokens
        if isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 1:
            raise ConfigError(
                f"JudgeModel(max_tokens={tokens!r}) is not a positive number of tokens.",
                field="labeling.judge.max_tokens",
                fix="pass e.g. max_tokens=256",
            )

    def messages(
        self, request_messages: Messages, routed: str, reference: str
    ) -> list[dict[str, str]]:
        """The one user message that asks the judge deployment for a grade."""
        text = self.prompt.format(
            request=_transcript(request_messages), reference=reference, answer=routed
        )
        return [{"role": "user", "content": text}]


def _transcript(messages: Messages) -> str:
    lines = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):  # parts: keep the text ones
            content = " ".join(
                str(p.get("text", "")) for p in content if isinstance(p, Mapping)
            ).strip()
        lines.append(f"{message.get('role', 'user')}: {content or ''}")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Checker:
    """A judge that grades one answer on its own: ``check(request_messages, answer)`` returns
    a score in [0, 1] (the share of the application's tests the answer passes, 1.0 when it
    matches a known answer...). Stored under ``source`` (not ``"judge"``, which means a
    comparison)."""

    check: Callable[[Sequence[Mapping[str, Any]], str], float]
    source: str = "check"

    def __post_init__(self) -> None:
        if not callable(self.check):
            raise ConfigError(
                f"Checker(check={self.check!r}) is not callable.",
                field="labeling.judge.check",
                fix="pass a function (request_messages, answer) -> score in [0, 1]",
            )
        bad = not isinstance(self.source, str) or not self.source.strip()
        if bad or "@" in self.source or self.source == "judge":
            raise ConfigError(
                f"Checker(source={self.source!r}) cannot name its outcomes.",
                field="labeling.judge.source",
                fix="pass a name without '@', other than 'judge', e.g. source='tests'",
            )


Judge: TypeAlias = ExactMatch | JudgeModel | Checker | JudgeFunction
"""What grades a routed answer (against the reference's, or on its own: Checker)."""


def _fraction(value: object) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not 0.0 <= float(value) <= 1.0:  # type: ignore[arg-type]
        raise ConfigError(
            f"Labeling(fraction={value!r}) is not a fraction in [0, 1].",
            field="labeling.fraction",
            fix="pass the share of calls to label, e.g. fraction=0.05 (one call in twenty)",
        )
    return float(value)  # type: ignore[arg-type]


def _budget(budget: object, max_usd: object, window: object) -> Budget:
    if budget is not None and max_usd is not None:
        raise ConfigError(
            "Labeling takes budget= or max_usd=, not both.",
            field="labeling.budget",
            fix="pass max_usd=5 (per month) or budget=Budget([Limit(...), ...])",
        )
    if budget is None and max_usd is None:
        raise ConfigError(
            "Labeling needs a budget of its own: labelling calls go to the reference deployment"
            " (often the dearest) and are not charged to the router's budget.",
            field="labeling.budget",
            fix="pass max_usd=5 (at most $5 of labelling per month; window='day' per day) or"
            " budget=Budget([Limit(usd=5, window='month')])",
        )
    if budget is not None:
        if not isinstance(budget, Budget) or not budget.limits:
            raise ConfigError(
                f"Labeling(budget={budget!r}) is not a Budget with limits.",
                field="labeling.budget",
                fix="pass budget=Budget([Limit(usd=5, window='month')]), or max_usd=5",
            )
        return budget
    if window not in ("day", "month"):
        raise ConfigError(
            f"Labeling(window={window!r}) is not a window.",
            field="labeling.window",
            fix="use 'month' (the default) or 'day'",
        )
    try:
        limit = Limit(usd=max_usd, window=window)  # type: ignore[arg-type]
    except ConfigError as exc:
        raise ConfigError(
            f"Labeling(max_usd={max_usd!r}): {exc.args[0] if exc.args else exc}",
            field="labeling.max_usd",
            fix="pass a positive amount of US dollars, e.g. max_usd=5",
        ) from None
    return Budget([limit])


@dataclass(frozen=True, slots=True, kw_only=True)
class Labeling:
    """Sampled labelling: ``Router(labeling=Labeling(...))``; see docs/learning.md.

    ``fraction`` of the calls that answered (streams once complete; not cache hits) are asked
    again of ``reference`` (``"baseline"``, the router's baseline deployment, or a deployment
    name) in the background, and ``judge`` scores the routed answer against the reference's.
    The calls the reference itself answered are skipped, unless a ``challenger`` deployment
    is named and the judge is a :class:`Checker`: they are asked of it, both answers graded. The labelling calls have their own budget: ``max_usd`` per
    ``window`` (``"month"`` or ``"day"``), or a whole ``budget``; when it refuses, the sample
    is dropped and counted. At most ``max_pending`` samples wait or run at once; beyond that a
    new sample is dropped and counted (the caller never waits). ``max_output_tokens`` caps the
    reference call's answer when the request set no ``max_tokens`` (its worst case, reserved
    from the labelling budget, is priced from it; None: the model's own cap).
    """

    fraction: float = 0.05
    reference: str = "baseline"
    judge: Judge = field(default_factory=ExactMatch)
    budget: Budget | None = None
    max_usd: Decimal | float | int | str | None = None
    window: Literal["day", "month"] = "month"
    max_pending: int = 16
    max_output_tokens: int | None = 4096
    challenger: str | None = None
    _limits: Budget = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fraction", _fraction(self.fraction))
        if not isinstance(self.reference, str) or not self.reference:
            raise ConfigError(
                f"Labeling(reference={self.reference!r}) names no deployment.",
                field="labeling.reference",
                fix="use 'baseline' (the router's baseline) or the name of a deployment",
            )
        judges = ExactMatch | JudgeModel | Checker
        if not isinstance(self.judge, judges) and not callable(self.judge):
            raise ConfigError(
                f"Labeling(judge={self.judge!r}) is not a judge.",
                field="labeling.judge",
                fix="pass ExactMatch(), JudgeModel(deployment=...), Checker(check), or a function"
                " (request_messages, routed_answer, reference_answer) -> score in [0, 1]",
            )
        if self.challenger is not None and not isinstance(self.challenger, str):
            raise ConfigError(
                f"Labeling(challenger={self.challenger!r}) is not a deployment name.",
                field="labeling.challenger",
                fix="name a deployment (with judge=Checker(...)), or leave challenger out",
            )
        pending = self.max_pending
        if isinstance(pending, bool) or not isinstance(pending, int) or pending < 1:
            raise ConfigError(
                f"Labeling(max_pending={pending!r}) is not a positive count.",
                field="labeling.max_pending",
                fix="pass how many samples may wait at once, e.g. max_pending=16",
            )
        cap = self.max_output_tokens
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
            raise ConfigError(
                f"Labeling(max_output_tokens={cap!r}) is not a positive number of tokens.",
                field="labeling.max_output_tokens",
                fix="pass e.g. max_output_tokens=4096, or None for the reference model's own cap",
            )
        object.__setattr__(self, "_limits", _budget(self.budget, self.max_usd, self.window))

    @property
    def limits(self) -> Budget:
        """The labelling budget: ``budget``, or one limit of ``max_usd`` per ``window``."""
        return self._limits
