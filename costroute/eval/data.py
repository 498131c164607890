"""Labelled data: moved to :mod:`costroute.difficulty.data` (training reads it too, and the
difficulty package must not import the evaluation tooling); re-exported here unchanged."""

from __future__ import annotations

from costroute.difficulty.data import (
    Record,
    costs_of,
    dump_jsonl,
    load_jsonl,
    parse_record,
    require_models,
    scores_of,
)

__all__ = [
    "Record",
    "costs_of",
    "dump_jsonl",
    "load_jsonl",
    "parse_record",
    "require_models",
    "scores_of",
]
