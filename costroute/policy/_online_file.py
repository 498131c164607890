""":class:`~costroute.policy.OnlineQuality` as JSON: its settings, its prior table, every cell's
outcomes and the exploration counts (what ``save`` writes and ``load`` reads)."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from costroute._json_file import write_json
from costroute.errors import ConfigError
from costroute.policy._table import QualityTable

if TYPE_CHECKING:
    from costroute.policy._online import OnlineQuality

__all__ = ["FORMAT", "load", "save", "to_json"]

FORMAT = "costroute.policy.online_quality/1"
_MONEY = ("explore_usd", "explore_usd_total")


def to_json(online: OnlineQuality) -> dict[str, Any]:
    with online._lock:
        cells = [
            [c, b, d, str(s), str(f), n] for (c, b, d), (s, f, n) in sorted(online._cells.items())
        ]
        counts = {k: str(v) if k in _MONEY else v for k, v in sorted(online._counts.items())}
    return {
        "format": FORMAT,
        "prior": None if online.prior is None else online.prior.to_json(),
        "prior_weight": online.prior_weight,
        "buckets": online.buckets,
        "models": dict(sorted(online.models.items())),
        "sources": None if online.sources is None else sorted(online.sources),
        "cells": cells,
        "stats": counts,
    }


def save(online: OnlineQuality, path: str | os.PathLike[str]) -> Path:
    return write_json(path, to_json(online))


def load(cls: type[OnlineQuality], path: str | os.PathLike[str]) -> OnlineQuality:
    from costroute.policy._online import OnlineStats

    try:
        obj = json.loads(Path(path).read_text("utf-8"))
        if obj.get("format") != FORMAT:
            raise ValueError(f"format is not {FORMAT}")
        prior = None if obj["prior"] is None else QualityTable.from_json(obj["prior"])
        online = cls(
            prior,
            prior_weight=obj["prior_weight"],
            buckets=None if prior is not None else obj["buckets"],
            models=obj["models"],
            sources=obj["sources"],
        )
        for category, bucket, deployment, s, f, n in obj["cells"]:
            key = (str(category), int(bucket), str(deployment))
            online._cells[key] = [Fraction(s), Fraction(f), int(n)]
        counts: dict[str, Any] = {
            str(k): Decimal(v) if k in _MONEY else v for k, v in obj["stats"].items()
        }
        OnlineStats(**counts)  # TypeError on a field it does not have
        online._counts = counts
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ConfigError) as exc:
        raise ConfigError(
            f"Online posteriors {str(path)!r} cannot be loaded ({exc}).",
            field=str(path),
            fix="pass a file written by OnlineQuality.save()",
        ) from exc
    return online
