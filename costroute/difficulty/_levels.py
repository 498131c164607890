"""The default estimator: the heuristic's levels, ordered by length inside a level.

A request's kind and its strongest cues set its level; inside a level, the longer request
scores higher. On every labelled set the project has, the prompt's length alone orders
requests inside a task better than the heuristic's many small terms do, while the heuristic
gets the order *between* kinds right (docs/difficulty.md, "The default against the length of
the prompt"). The raw score is::

    base of the category (the heuristic's: trivial 0.03 ... code 0.45)
    + 0.10 if a math request is written in competition notation (LaTeX) or vocabulary
    + the heuristic's proof term (0.45 per unit of its "proof" feature)
    + 0.40 per unit of the log-length feature, centred at 0.55
    + every other term of the heuristic added up to at most 0.10

then mapped onto the heuristic's score scale by a piecewise-linear increasing map
(:data:`KNOTS`), so that the default policy thresholds (0.35, 0.6, 0.7) route about the same
shares of requests as they did under the heuristic. The map keeps the order, so it changes no
APGR. The constants were chosen on ZeroEval's train split and the dev prompts only
(``python benchmarks/zero_shot.py --grid`` and ``--knots``).
"""

from __future__ import annotations

from costroute.difficulty._features import FEATURE_NAMES, compute
from costroute.difficulty._heuristic import categorize, heuristic_terms, top_features
from costroute.difficulty._text import extract
from costroute.difficulty._types import Difficulty, Messages

__all__ = ["KNOTS", "LevelsEstimator", "level_terms", "to_scale"]

_LATEX = FEATURE_NAMES.index("latex")
_MATH_TERMS = FEATURE_NAMES.index("math_terms")
_LENGTH = FEATURE_NAMES.index("length")

COMPETITION = 0.10
"""Added to a math request with LaTeX or math vocabulary (competition mathematics rather than a
word problem)."""
LENGTH = 0.40
"""Per unit of the log-length feature (``log1p(characters) / 8``)."""
CAP = 0.10
"""The heuristic's terms other than the base, proof and length add up to at most this."""

KNOTS: tuple[tuple[float, float], ...] = (
    (0.0, 0.0),
    (0.362, 0.35),
    (0.523, 0.6),
    (0.56, 0.7),
    (0.646, 0.8),
)
"""``(raw, score)`` points of the map onto the heuristic's scale. Each raw value is the one
above which the same share of requests lies as above the score under the heuristic, on ZeroEval
train and the dev prompts weighted equally, rounded to 0.001 (``benchmarks/zero_shot.py
--knots``). Above the last knot the map keeps the slope of the segment before it, up to 0.99."""


def level_terms(
    values: list[float],
    category: str,
    competition: float = COMPETITION,
    length: float = LENGTH,
    cap: float = CAP,
) -> list[tuple[str, float]]:
    """Signed contributions to the raw score, base first (a trivial request has the base only).
    The constants are arguments for ``benchmarks/zero_shot.py --grid``, which varies them."""
    heuristic = heuristic_terms(values, category)
    terms = [heuristic[0]]
    if category == "trivial":
        return terms
    named = dict(heuristic[1:])
    if category == "math" and (values[_LATEX] > 0 or values[_MATH_TERMS] > 0):
        terms.append(("competition", competition))
    terms.append(("proof", named["proof"]))
    terms.append(("length", length * (values[_LENGTH] - 0.55)))
    rest = sum(c for name, c in heuristic[1:] if name not in ("length", "proof"))
    terms.append(("cues", min(rest, cap)))
    return terms


def to_scale(raw: float) -> float:
    """``raw`` mapped through :data:`KNOTS`, clamped to [0.01, 0.99]."""
    i = 1
    while i < len(KNOTS) - 1 and raw > KNOTS[i][0]:
        i += 1
    (x0, y0), (x1, y1) = KNOTS[i - 1], KNOTS[i]
    return min(0.99, max(0.01, y0 + (raw - x0) * (y1 - y0) / (x1 - x0)))


class LevelsEstimator:
    """The heuristic's levels, length inside a level (the default). ``name = "levels"``.

    ``features`` are contributions to the raw score, before the map onto the score scale.
    """

    name = "levels"

    def estimate(self, messages: Messages) -> Difficulty:
        """Score ``messages``."""
        f = compute(extract(messages))
        category = categorize(f.values, f.words)
        terms = level_terms(f.values, category)
        score = to_scale(sum(c for _, c in terms))
        return Difficulty(score, category, top_features(terms))

    def __repr__(self) -> str:
        return "LevelsEstimator()"
