"""Sampled labelling's grades: what one labelled call stores, by judge.

A comparing judge (ExactMatch, JudgeModel or a function of both answers) gives one score, the
routed answer against the other's, stored as source ``judge``. A Checker grades each answer on
its own, so a labelled call stores both models' grades of the same request: the routed
answer's (source ``check``) and the other deployment's (``check@deployment``). Retraining then
sees both sides of the call, the pair label a router learns from (docs/learning.md, "Judges").
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from costroute._request import build_request
from costroute.router._labeling import Checker, JudgeModel
from costroute.router._labeling_calls import answer_text, labeling_call

if TYPE_CHECKING:
    from costroute.budget import BudgetManager
    from costroute.router._router import Router
    from costroute.types import Request

__all__ = ["grades", "parse_score"]

_SCORE = re.compile(r"score\s*[:=]?\s*(-?\d+(?:\.\d+)?)(\s*/\s*(\d+(?:\.\d+)?)|\s*%)?", re.I)
_NUMBER = re.compile(r"(?<![\w.])(-?\d+(?:\.\d+)?)(\s*/\s*(\d+(?:\.\d+)?)|\s*%)?(?!\w|\.\d)")


def parse_score(text: str) -> float | None:
    """The score a grading answer gives, in [0, 1]; None when it gives none.

    The number after the last ``SCORE`` (``SCORE: 0.8``, ``score = 4/5``, ``Score: 80%``) if
    any, else the last number of the text (``0.8``, ``4/5``, ``80%``). A fraction ``a/b`` is
    ``a / b``; a percentage is divided by 100; a number in (1, 10] without either is read as
    out of 10. A value still outside [0, 1] gives None (the judge did not answer the question).
    """
    found = list(_SCORE.finditer(text)) or list(_NUMBER.finditer(text))
    if not found:
        return None
    match = found[-1]
    value = float(match.group(1))
    tail = match.group(2) or ""
    if match.group(3):
        denominator = float(match.group(3))
        if denominator <= 0:
            return None
        value /= denominator
    elif tail.strip() == "%":
        value /= 100
    elif 1 < value <= 10:
        value /= 10
    return value if 0.0 <= value <= 1.0 and math.isfinite(value) else None


def _score(value: object, who: str) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not 0.0 <= float(value) <= 1.0:  # type: ignore[arg-type]
        raise ValueError(f"{who} returned {value!r}, not a score in [0, 1]")
    return float(value)  # type: ignore[arg-type]


def grades(
    router: Router, judge: Any, request: Request, answer: str, other: str, reference: str,
    budget: BudgetManager,
) -> list[tuple[str, str | None, float]]:  # fmt: skip
    """The outcomes of one labelled call: ``(source, graded deployment or None for the call's
    own answer, score)``. ``answer`` is the routed answer, ``reference`` the text ``other``
    (a deployment) gave to the same request. Raises when a judge fails or gives no score."""
    if isinstance(judge, Checker):
        mine = _score(judge.check(request.messages, answer), "the checker")
        theirs = _score(judge.check(request.messages, reference), "the checker")
        return [(judge.source, None, mine), (judge.source, other, theirs)]
    if isinstance(judge, JudgeModel):
        asked = build_request(
            judge.messages(request.messages, answer, reference),
            {
                "model": judge.deployment,
                "max_tokens": judge.max_tokens,
                "user": request.user,
                "tenant": request.tenant,
                "tags": dict(request.tags),
            },
        )
        score = parse_score(answer_text(labeling_call(router, asked, budget)) or "")
        if score is None:
            raise ValueError(f"the judge {judge.deployment} gave no score in [0, 1]")
        return [("judge", None, score)]
    return [("judge", None, _score(judge(request.messages, answer, reference), "the judge"))]
