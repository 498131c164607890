"""A fast hand-written estimator: no data, no weights, the same features as the learned one.

It encodes priors that hold across benchmarks: greetings are trivial; open-ended chat and
writing are easy for any modern model; factual questions a little harder; multi-step
reasoning, code and mathematics (competition notation above all) are where weak models fail.
Within a category, longer prompts with more numbers and constraints score higher.
"""

from __future__ import annotations

from collections.abc import Iterable

from costroute.difficulty._features import FEATURE_NAMES, compute
from costroute.difficulty._text import extract
from costroute.difficulty._types import Difficulty, Messages

__all__ = ["HeuristicEstimator", "categorize"]

_I = {name: i for i, name in enumerate(FEATURE_NAMES)}
_LENGTH, _NUMBERS, _LATEX = _I["length"], _I["numbers"], _I["latex"]
_OPS, _CODE, _SHORT = _I["math_ops"], _I["code_markers"], _I["short"]
_MATH_T, _CODE_T, _REASON = _I["math_terms"], _I["code_terms"], _I["reasoning"]
_MULTI, _CONSTR, _CREATIVE = _I["multistep"], _I["constraints"], _I["creative"]
_KNOW, _TRIVIAL, _HOWMANY = _I["knowledge"], _I["trivial"], _I["how_many"]
_CHOICES, _STEP, _CONTEXT = _I["choices"], _I["step_by_step"], _I["context"]
_PROOF, _ALGO = _I["proof"], _I["algorithmic"]

_BASE = {
    "trivial": 0.03,
    "chat": 0.18,
    "knowledge": 0.28,
    "reasoning": 0.40,
    "code": 0.45,
    "math": 0.30,
}


_CODE_WORDS = (
    "python javascript typescript java rust golang kotlin swift ruby php scala haskell sql "
    "regex html css bash function functions compile compiler debug debugging implement "
    "algorithm algorithms api recursion recursive program programs script scripts unittest "
    "pytest docker kubernetes json endpoint lambda pointer pointers refactor dict array arrays "
    "variable variables exception exceptions runtime code snippet git npm backend frontend"
)
CODE_WORDS = frozenset(_CODE_WORDS.split())
"""Words that mark a programming request even with no code in it. The code-terms feature also
counts common English words (true, memory, range, print...), so two of these distinct words
are needed besides it: "Implement quicksort in Rust" is code, "Is it true that stress affects
memory?" is not."""


def categorize(v: list[float], words: Iterable[str] = ()) -> str:
    """The coarse category of a feature vector (see :data:`costroute.difficulty.CATEGORIES`);
    ``words`` (the prompt's words, as :func:`compute` lists them) can add code evidence."""
    plain_short = v[_SHORT] and not (v[_NUMBERS] or v[_CODE] or v[_LATEX])
    if plain_short and (v[_TRIVIAL] or not (v[_MATH_T] or v[_CODE_T] or v[_REASON] or v[_KNOW])):
        return "trivial"
    code = v[_CODE] + 0.6 * v[_CODE_T]
    math = (
        v[_LATEX]
        + 0.8 * v[_MATH_T]
        + 0.8 * v[_NUMBERS]
        + 0.4 * v[_OPS]
        + 0.3 * v[_HOWMANY]
        + 0.3 * v[_MULTI]
    )
    if (code >= 0.6 or len(CODE_WORDS.intersection(words)) >= 2) and code >= 0.7 * math:
        return "code"
    if math >= 0.55:
        return "math"
    if v[_REASON] >= 0.3 or v[_PROOF] or v[_ALGO]:
        return "reasoning"
    if v[_CREATIVE] > 0:
        return "chat"
    if v[_KNOW] > 0 or v[_CHOICES]:
        return "knowledge"
    return "chat"


def heuristic_terms(v: list[float], category: str) -> list[tuple[str, float]]:
    """Signed contributions of the hand-written rule, base first."""
    terms = [(f"category:{category}", _BASE[category])]
    if category == "trivial":
        return terms
    terms.append(("length", 0.22 * (v[_LENGTH] - 0.55)))
    terms.append(("context", 0.05 * v[_CONTEXT]))
    terms.append(("reasoning", 0.15 * v[_REASON]))
    terms.append(("constraints", 0.12 * v[_CONSTR]))
    terms.append(("proof", 0.45 * v[_PROOF]))
    terms.append(("algorithmic", 0.35 * v[_ALGO]))
    terms.append(("step_by_step", 0.05 * v[_STEP]))
    terms.append(("choices", 0.04 * v[_CHOICES]))
    terms.append(("creative", -0.06 * v[_CREATIVE]))
    if category == "math":
        terms.append(("latex", 0.35 * v[_LATEX]))
        terms.append(("math_terms", 0.10 * v[_MATH_T]))
        terms.append(("numbers", 0.04 * v[_NUMBERS]))
        terms.append(("multistep", 0.05 * v[_MULTI]))
    elif category == "code":
        terms.append(("code_markers", 0.10 * v[_CODE]))
        terms.append(("code_terms", 0.08 * v[_CODE_T]))
    return terms


def top_features(terms: list[tuple[str, float]], k: int = 3) -> tuple[tuple[str, float], ...]:
    """The ``k`` largest contributions by absolute value, rounded for display."""
    ranked = sorted((t for t in terms if abs(t[1]) >= 1e-4), key=lambda t: -abs(t[1]))
    return tuple((name, round(c, 4)) for name, c in ranked[:k])


class HeuristicEstimator:
    """Hand-written rule over the shared features. ``name = "heuristic"``."""

    name = "heuristic"

    def estimate(self, messages: Messages) -> Difficulty:
        """Score ``messages`` with the hand-written rule."""
        f = compute(extract(messages))
        v = f.values
        category = categorize(v, f.words)
        terms = heuristic_terms(v, category)
        score = min(0.99, max(0.01, sum(c for _, c in terms)))
        return Difficulty(score, category, top_features(terms))

    def __repr__(self) -> str:
        return "HeuristicEstimator()"
