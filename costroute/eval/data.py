"""Labelled data: :mod:`costroute.train.data` (training reads it too), re-exported here."""

from __future__ import annotations

from costroute.train.data import (
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
