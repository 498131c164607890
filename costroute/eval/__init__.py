"""Offline evaluation of routers on labelled data (RouteLLM metrics).

>>> from costroute import eval as ceval
>>> records = ceval.load_jsonl("out/zeroeval/test.jsonl")             # doctest: +SKIP
>>> result = ceval.evaluate(records, scores, "gpt-4o", "deepseek")    # doctest: +SKIP
>>> result.apgr, result.random.apgr, result.oracle.apgr               # doctest: +SKIP
"""

from __future__ import annotations

from costroute.eval._evaluate import Calibration, EvalResult, RouterFigures, calibrate, evaluate
from costroute.eval.data import Record, costs_of, load_jsonl, scores_of

__all__ = [
    "Calibration",
    "EvalResult",
    "Record",
    "RouterFigures",
    "calibrate",
    "costs_of",
    "evaluate",
    "load_jsonl",
    "scores_of",
]
