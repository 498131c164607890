"""An N-model quality table from the ledger's outcomes (issue 15.4), and the ledger window both
retrainings read (:mod:`costroute.eval.from_ledger` is the face)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from costroute.errors import ConfigError
from costroute.eval._pair_labels import JUDGE, mean_or
from costroute.ledger import Ledger, RatedCall, open_ledger
from costroute.policy import QualityTable

__all__ = ["quality_table_from_ledger", "window_of"]


def window_of(ledger: Ledger | str, since: dt.datetime | None, until: dt.datetime | None) -> Any:
    """The outcomes of ``[since, until)``, joined to their calls (a URL is opened and closed)."""
    own = isinstance(ledger, str)
    led = open_ledger(ledger) if isinstance(ledger, str) else ledger
    try:
        return led.outcomes(since=since, until=until)
    finally:
        if own:
            led.close()


def quality_table_from_ledger(
    ledger: Ledger | str,
    *,
    models: Mapping[str, str] | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    buckets: int = 4,
    prior: float = 5.0,
    min_items: int = 30,
) -> QualityTable:
    """A :class:`~costroute.policy.QualityTable` from per-deployment outcomes.

    Each answered call with ratings is one item ``(recorded difficulty, category, {deployment:
    rating})``: the mean of its non-judge outcomes of each deployment's answer (its own, and
    another's graded on the same request: ``source@deployment``); judge scores are left out
    (they grade against a reference, not absolutely). ``models`` maps deployment names to the
    table's model names (default: the deployment names). The recorded difficulty is the
    routing estimator's score, so route with the same estimator.
    """
    by_call: dict[str, list[RatedCall]] = {}
    for r in window_of(ledger, since, until):
        if r.source.partition("@")[0] != JUDGE and r.status == "ok":
            by_call.setdefault(r.request_id, []).append(r)
    items = []
    for calls in by_call.values():
        graded: dict[str, list[float]] = {}
        for c in calls:
            graded.setdefault((models or {}).get(c.graded, c.graded), []).append(c.score)
        first = calls[0]
        items.append((first.difficulty, first.category, {m: mean_or(v) for m, v in graded.items()}))
    if not items:
        raise ConfigError(
            "No rated calls in the ledger window.",
            field="ledger",
            fix="record outcomes with Router.feedback, or widen since/until",
        )
    return QualityTable.fit(
        items,
        buckets=buckets,
        prior=prior,
        min_items=min_items,
        meta={"training_data": "ledger", "n_calls": len(items)},
    )
