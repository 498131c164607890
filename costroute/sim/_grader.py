"""The simulator's memory of its answers, and the grades it gives from it.

Every text answer the simulator produces is remembered (up to ``size`` answers, the oldest
forgotten first) with the request it answered and whether it is right
(:mod:`costroute.sim._quality`; an answer cut short by ``max_tokens`` is wrong). With it the
simulator can

* **judge**: a request in the shape of costroute's ``DEFAULT_JUDGE_PROMPT`` (a
  ``Reference answer:`` section, then an ``Answer to grade:`` section ending at a blank
  line) gets the reply ``SCORE: 1`` when the answer to grade is right or the reference is
  wrong (the answer is as good as the reference), else ``SCORE: 0``;
* **check**: ``Simulator.check(messages, answer)`` is 1.0 for a right answer to that request,
  else 0.0 (what ``costroute.Checker(sim.check)`` needs).

Unknown answers (not produced by this simulator, or forgotten): an answer to grade or check
counts as wrong, a reference as right (the answer must earn its score), and an answer that
is the same text as the reference scores 1.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from ._conversation import last_user
from ._profiles import ModelProfile
from ._quality import is_right

__all__ = ["DEFAULT_MEMORY", "Grader", "judge_sections"]

DEFAULT_MEMORY = 100_000
"""How many answers a simulator remembers by default."""

_REFERENCE = "Reference answer:"
_ANSWER = "Answer to grade:"


def _norm(text: str) -> str:
    return " ".join(text.split())


def _key(text: str) -> bytes:
    return hashlib.sha256(_norm(text).encode()).digest()[:16]


def judge_sections(text: str) -> tuple[str, str] | None:
    """``(reference, answer)`` of a grading request in the default judge prompt's shape."""
    _, found, rest = text.partition(_REFERENCE)
    reference, found2, tail = rest.partition(_ANSWER)
    if not found or not found2:
        return None
    answer = tail.strip().split("\n\n", 1)[0]
    return reference.strip(), answer.strip()


class Grader:
    """The answers a simulator produced, with their rightness (thread-safe, bounded)."""

    def __init__(
        self, seed: int, profiles: Mapping[str, ModelProfile], size: int = DEFAULT_MEMORY
    ) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"Simulator answer memory must be a positive count, got {size!r}")
        self._seed = seed
        self._profiles = profiles
        self._size = size
        self._lock = threading.Lock()
        self._answers: OrderedDict[bytes, tuple[bytes, bool]] = OrderedDict()

    def clear(self) -> None:
        """Forget every answer."""
        with self._lock:
            self._answers.clear()

    def right(self, request_text: str, model: str) -> bool:
        """Whether ``model``'s whole answer to ``request_text`` is right (no call made)."""
        profile = self._profiles.get(model)
        if profile is None:
            raise ValueError(f"The simulator serves no model {model!r}")
        return is_right(self._seed, _norm(request_text), model, profile.skill)

    def remember(self, request_text: str, model: str, answer: str, cut: bool) -> None:
        """Keep a produced answer (a cut one, or one of an unknown model, is wrong)."""
        if not answer.strip():
            return
        ok = not cut and model in self._profiles and self.right(request_text, model)
        key = _key(answer)
        with self._lock:
            self._answers[key] = (_key(request_text), ok)
            self._answers.move_to_end(key)
            while len(self._answers) > self._size:
                self._answers.popitem(last=False)

    def _known(self, answer: str) -> tuple[bytes, bool] | None:
        with self._lock:
            return self._answers.get(_key(answer))

    def check(self, messages: Sequence[Mapping[str, Any]], answer: str) -> float:
        """1.0 when ``answer`` is a right answer the simulator gave to ``messages``'s last
        user message; 0.0 when it is wrong, unknown, or an answer to another request."""
        found = self._known(answer)
        text, _ = last_user(list(messages))
        return 1.0 if found is not None and found == (_key(text), True) else 0.0

    def judge(self, request_text: str) -> str | None:
        """The reply to a grading request (``SCORE: 1`` or ``SCORE: 0``); None when the text is
        not one (then it is an ordinary request)."""
        sections = judge_sections(request_text)
        if sections is None:
            return None
        reference, answer = sections
        if _norm(reference) == _norm(answer):
            return "SCORE: 1"
        known_answer, known_reference = self._known(answer), self._known(reference)
        answer_right = known_answer is not None and known_answer[1]
        reference_right = known_reference is None or known_reference[1]
        return "SCORE: 1" if answer_right or not reference_right else "SCORE: 0"
