"""Offline evaluation of routers on labelled data (RouteLLM metrics).

>>> from costroute import eval as ceval
>>> records = ceval.load_jsonl("out/zeroeval/test.jsonl")             # doctest: +SKIP
>>> result = ceval.evaluate(records, scores, "gpt-4o", "deepseek")    # doctest: +SKIP
>>> result.apgr, result.random.apgr, result.oracle.apgr               # doctest: +SKIP
"""

from __future__ import annotations

from costroute.eval._evaluate import (
    Calibration,
    EvalResult,
    RouterFigures,
    calibrate,
    check_targets,
    evaluate,
    routing_curves,
)
from costroute.train.data import Record, costs_of, load_jsonl, require_models, scores_of

__all__ = [
    "Calibration",
    "EvalResult",
    "Record",
    "RouterFigures",
    "calibrate",
    "check_targets",
    "costs_of",
    "evaluate",
    "load_jsonl",
    "require_models",
    "routing_curves",
    "scores_of",
]
