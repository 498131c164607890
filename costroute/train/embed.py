"""Fit the head of :class:`costroute.difficulty.EmbeddingEstimator` (needs numpy).

``fit_head(embeddings, base_scores, targets)`` returns the JSON-ready head: a logistic
regression of the targets (soft labels in [0, 1], e.g. pool hardness) on the base estimator's
logit and the embedding, a quantile map of its output onto the base scores' scale, and
k-means centroids of the training embeddings for the similarity gate.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any

from costroute.difficulty import EMBEDDING_HEAD_FORMAT as HEAD_FORMAT
from costroute.errors import ConfigError
from costroute.train.fit import fit_logistic

__all__ = ["fit_head", "kmeans"]


def kmeans(x: Any, k: int, iterations: int = 25, seed: int = 0) -> Any:
    """Spherical k-means of unit-norm rows ``x``; returns ``(k, d)`` unit-norm centroids."""
    import numpy as np

    rng = np.random.default_rng(seed)
    c = x[rng.choice(len(x), size=min(k, len(x)), replace=False)].copy()
    for _ in range(iterations):
        assign = np.argmax(x @ c.T, axis=1)
        for j in range(len(c)):
            members = x[assign == j]
            if len(members):
                m = members.mean(axis=0)
                c[j] = m / max(float(np.linalg.norm(m)), 1e-12)
    return c


def fit_head(
    embeddings: Any,
    base_scores: Sequence[float],
    targets: Sequence[float],
    *,
    l2: float = 1e-3,
    centroids: int = 32,
    gate: tuple[float, float] = (0.55, 0.75),
    knots: int = 41,
    seed: int = 0,
    meta: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The head as a JSON-ready dict (see the module docstring)."""
    import numpy as np

    x = np.asarray(embeddings, dtype=float)
    h = np.clip(np.asarray(base_scores, dtype=float), 1e-3, 1 - 1e-3)
    y = np.asarray(targets, dtype=float)
    if not (len(x) == len(h) == len(y)) or len(x) < centroids:
        raise ConfigError(
            f"fit_head got {len(x)} embeddings, {len(h)} base scores and {len(y)} targets "
            f"(they must align, with at least {centroids} rows).",
            field="embeddings/base_scores/targets",
            fix="pass one embedding, base score and target per training record",
        )
    features = np.hstack([np.ones((len(x), 1)), np.log(h / (1 - h))[:, None], x])
    penalty = np.concatenate([[0.0, 0.0], np.full(x.shape[1], l2)])
    w = fit_logistic(features, y, penalty)
    p = 1.0 / (1.0 + np.exp(-(features @ w)))
    qs = np.linspace(0.0, 1.0, knots)
    info: dict[str, Any] = {
        "target": "soft label in [0, 1]",
        "n_records": len(x),
        "l2": l2,
        "trained_at": _dt.date.today().isoformat(),
    }
    info.update(meta or {})
    return {
        "format": HEAD_FORMAT,
        "bias": round(float(w[0]), 6),
        "base_weight": round(float(w[1]), 6),
        "weights": [round(float(v), 6) for v in w[2:]],
        "knots_p": [round(float(v), 6) for v in np.maximum.accumulate(np.quantile(p, qs))],
        "knots_score": [round(float(v), 6) for v in np.maximum.accumulate(np.quantile(h, qs))],
        "centroids": [[round(float(v), 4) for v in c] for c in kmeans(x, centroids, seed=seed)],
        "gate": [gate[0], gate[1]],
        "meta": info,
    }
