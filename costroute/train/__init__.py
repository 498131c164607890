"""Training, offline: labelled data, the learned estimator's and the embedding head's fits.

Tooling, like :mod:`costroute.eval` and :mod:`costroute.sim`: it imports the runtime
(:mod:`costroute.difficulty` for the features and the estimators it trains), and the runtime
never imports it (tests/test_import_graph.py). Needs numpy (``costroute[train]``), imported
only when a fit runs.

- :mod:`costroute.train.data`: labelled records, JSON lines in and out.
- :mod:`costroute.train.fit`: :func:`train` a :class:`~costroute.difficulty.LearnedEstimator`
  (labels ``gain``, ``weak_fails``, ``pair``, ``hardness``), :func:`fit_logistic`.
- :mod:`costroute.train.embed`: the head of the embedding estimator.

Evaluation, cross-validation and calibration are in :mod:`costroute.eval`.
"""

from __future__ import annotations

from costroute.train.data import Record, dump_jsonl, load_jsonl
from costroute.train.fit import (
    PAIR_LABELS,
    Label,
    LinearFit,
    featurize,
    fit_logistic,
    labels,
    pool_models,
    train,
)

__all__ = [
    "PAIR_LABELS",
    "Label",
    "LinearFit",
    "Record",
    "dump_jsonl",
    "featurize",
    "fit_logistic",
    "labels",
    "load_jsonl",
    "pool_models",
    "train",
]
