"""Answer quality: whether a simulated model's answer to a request is right.

Pure and deterministic. A request has a **hardness** in [0, 1], computed here from its text
alone (never from costroute's difficulty estimator, so that a router learning from the
simulator learns something it was not told)::

    hardness = 0.25 * length + 0.45 * cues + 0.30 * luck
    length   = min(1, words / 60)
    cues     = min(1, distinct cue words and phrases found / 4)   (CUES: proofs, maths,
               code, reasoning; case-insensitive, whole words, with an -s, -es, -d, -ed
               or -ing ending or none)
    luck     = a number in [0, 1) from SHA-256 of the text: what no feature of the text
               predicts (two requests that read alike can differ in hardness)

A model of strength ``skill`` (:attr:`ModelProfile.skill`, in [0, 1]; dearer models are
stronger) answers it rightly with probability::

    p_right = 1 / (1 + exp(-8 * (skill - hardness)))

and whether it does is a seeded draw: ``right = u < p_right``, ``u`` uniform in [0, 1) from
SHA-256 of (seed, model, text), so the same request to the same model is always right or
always wrong, and two models' draws are independent.
"""

from __future__ import annotations

import hashlib
import math
import re

__all__ = ["CUES", "STEEPNESS", "cues", "hardness", "is_right", "p_right"]

CUES: tuple[str, ...] = (
    # proofs and mathematics
    "prove", "proof", "theorem", "lemma", "induction", "integral", "derivative", "equation",
    "probability", "prime", "divisible", "modulo", "converge", "irrational", "polynomial",
    "matrix", "eigenvalue", "real roots",
    # code
    "implement", "algorithm", "complexity", "python", "function", "recursion", "concurrent",
    "asyncio", "sql", "refactor", "data structure", "thread-safe",
    # reasoning
    "step by step", "justify", "justification", "derive", "trade-off", "design", "compare",
    "analyse", "analyze", "optimal", "edge cases",
)  # fmt: skip
"""The words and phrases that make a request harder (each counts once)."""

STEEPNESS = 8.0
"""How sharply ``p_right`` falls as hardness passes a model's skill."""

_ENDINGS = ("s", "es", "d", "ed", "ing")
_WORDS = frozenset(c for c in CUES if c.isalpha())
_PHRASES = re.compile(
    r"\b(" + "|".join(re.escape(c) for c in CUES if not c.isalpha()) + r")(?:s|es|d|ed|ing)?\b"
)
_TOKEN = re.compile(r"\w+")


def _unit(*parts: str) -> float:
    """A number in [0, 1) from SHA-256 of ``parts``."""
    digest = hashlib.sha256("\x00".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def cues(text: str) -> set[str]:
    """The cues (:data:`CUES`) ``text`` contains, as whole words, bare or with an ending."""
    lower = text.lower()
    found = set(_PHRASES.findall(lower))
    for token in _TOKEN.findall(lower):
        if token in _WORDS:
            found.add(token)
            continue
        for ending in _ENDINGS:
            if token.endswith(ending) and token[: -len(ending)] in _WORDS:
                found.add(token[: -len(ending)])
    return found


def hardness(text: str) -> float:
    """How hard the request ``text`` is for every model, in [0, 1] (see the module's text)."""
    length = min(1.0, len(text.split()) / 60)
    cued = min(1.0, len(cues(text)) / 4)
    return 0.25 * length + 0.45 * cued + 0.30 * _unit("hardness", text)


def p_right(hard: float, skill: float) -> float:
    """The probability that a model of ``skill`` answers a request of hardness ``hard``."""
    return 1.0 / (1.0 + math.exp(-STEEPNESS * (skill - hard)))


def is_right(seed: int, text: str, model: str, skill: float) -> bool:
    """Whether ``model`` (of ``skill``) answers the request ``text`` rightly, for ``seed``."""
    return _unit(str(seed), model, text) < p_right(hardness(text), skill)
