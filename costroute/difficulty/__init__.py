"""How hard is a request? Estimators mapping OpenAI-shaped messages to a score in [0, 1].

>>> from costroute import difficulty
>>> difficulty.score([{"role": "user", "content": "hi"}]) < 0.1
True

- :class:`LevelsEstimator`: the heuristic's levels, ordered by length inside a level (the
  default, by measurement: it orders requests better than their length on every labelled set).
- :class:`HeuristicEstimator`: the hand-written rule, no data (the default before).
- :class:`LearnedEstimator`: logistic regression trained on ZeroEval (weights shipped in
  ``weights/default.json``); pure Python at inference. Train your own with
  :func:`costroute.train.fit.train`.
- :class:`CallableEstimator` / :func:`as_estimator`: any function ``messages -> float``.
- :func:`load_estimator`: one of those by name (``"default"``, ``"levels"``, ``"heuristic"``,
  ``"learned"``, ``"embedding"``) or from a weights file.
- :class:`BlendedEstimator`: mix two estimators, optionally only in some categories.
- :func:`feature_vector`: the named hand features of a request (:data:`FEATURE_NAMES`), what
  the ledger keeps of each call instead of its prompt.
- :class:`EmbeddingEstimator`: the heuristic corrected by a head over all-MiniLM-L6-v2
  sentence embeddings (optional extra ``costroute[embed]``; the encoder loads on first use).

Importing this package loads no weights and no numpy; the levels, learned, embedding and
callable estimators and ``load_estimator`` load on first use of their names (the default
estimator on the first score).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from costroute._lazy import lazy_names
from costroute.difficulty._default import default_estimator, estimate, score
from costroute.difficulty._features import (
    FEATURE_NAMES,
    Features,
    feature_vector,
    prompt_features,
)
from costroute.difficulty._heuristic import HeuristicEstimator
from costroute.difficulty._types import CATEGORIES, Difficulty, Estimator, Messages

if TYPE_CHECKING:
    from costroute.difficulty._callable import BlendedEstimator, CallableEstimator, as_estimator
    from costroute.difficulty._embedding import HEAD_FORMAT as EMBEDDING_HEAD_FORMAT
    from costroute.difficulty._embedding import EmbeddingEstimator
    from costroute.difficulty._learned import LearnedEstimator
    from costroute.difficulty._levels import LevelsEstimator
    from costroute.difficulty._load import ESTIMATOR_NAMES, load_estimator

__all__ = [
    "CATEGORIES",
    "EMBEDDING_HEAD_FORMAT",
    "ESTIMATOR_NAMES",
    "FEATURE_NAMES",
    "BlendedEstimator",
    "CallableEstimator",
    "Difficulty",
    "EmbeddingEstimator",
    "Estimator",
    "Features",
    "HeuristicEstimator",
    "LearnedEstimator",
    "LevelsEstimator",
    "Messages",
    "as_estimator",
    "default_estimator",
    "estimate",
    "feature_vector",
    "load_estimator",
    "prompt_features",
    "score",
]

__getattr__ = lazy_names(
    __name__,
    {
        "BlendedEstimator": "costroute.difficulty._callable",
        "CallableEstimator": "costroute.difficulty._callable",
        "EMBEDDING_HEAD_FORMAT": "costroute.difficulty._embedding:HEAD_FORMAT",
        "ESTIMATOR_NAMES": "costroute.difficulty._load",
        "EmbeddingEstimator": "costroute.difficulty._embedding",
        "LearnedEstimator": "costroute.difficulty._learned",
        "LevelsEstimator": "costroute.difficulty._levels",
        "as_estimator": "costroute.difficulty._callable",
        "load_estimator": "costroute.difficulty._load",
    },
)
