"""A per-model quality predictor: accuracy of each model per (category, difficulty bucket).

Learned from labelled data (:meth:`QualityTable.fit`), saved as JSON, used by the rule
:class:`prefer_predicted_quality` and the :func:`quality_table` policy: pick the deployment with
the best ``predicted quality - cost_weight * cost / (cost of the priciest candidate)``.
"""

from __future__ import annotations

import bisect
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from costroute._json_file import write_json
from costroute.errors import ConfigError
from costroute.policy._context import Context
from costroute.policy._where import caller_location
from costroute.policy.rules import Rule

__all__ = ["FORMAT", "QualityTable", "prefer_predicted_quality"]

FORMAT = "costroute.policy.quality_table/1"
_ANY = "*"


@dataclass(frozen=True, slots=True)
class QualityTable:
    """``quality[category][model][bucket]``; buckets split difficulty at ``edges[category]``.

    Category ``"*"`` holds the figures over every category (used for unseen categories).
    """

    edges: Mapping[str, tuple[float, ...]]
    quality: Mapping[str, Mapping[str, tuple[float, ...]]]
    meta: Mapping[str, Any]

    @property
    def models(self) -> tuple[str, ...]:
        """Models the table knows."""
        return tuple(sorted(self.quality[_ANY]))

    def predict(self, category: str, difficulty: float) -> dict[str, float]:
        """Predicted quality of each model for a request of this category and difficulty."""
        cat = category if category in self.quality else _ANY
        b = bisect.bisect_right(self.edges[cat], difficulty)
        return {m: q[b] for m, q in self.quality[cat].items()}

    @classmethod
    def fit(
        cls,
        items: Iterable[tuple[float, str, Mapping[str, float]]],
        *,
        buckets: int = 4,
        prior: float = 5.0,
        min_items: int = 30,
        meta: Mapping[str, Any] | None = None,
    ) -> QualityTable:
        """Fit on ``(difficulty, category, {model: quality})`` triples.

        Buckets are difficulty quantiles within each category (fewer when a category has fewer
        than ``min_items`` per bucket); each cell is shrunk towards the category's mean by
        ``prior`` pseudo-items. Models missing on an item are skipped for that item.
        """
        rows = list(items)
        if not rows:
            raise ConfigError("No items to fit a quality table.", field="items", fix="give data")
        groups: dict[str, list[tuple[float, Mapping[str, float]]]] = {_ANY: []}
        for d, cat, scores in rows:
            groups.setdefault(cat, []).append((d, scores))
            groups[_ANY].append((d, scores))
        edges: dict[str, tuple[float, ...]] = {}
        quality: dict[str, dict[str, tuple[float, ...]]] = {}
        for cat, g in groups.items():
            if len(g) < min_items and cat != _ANY:
                continue
            k = max(1, min(buckets, len(g) // min_items))
            ds = sorted(d for d, _ in g)
            edges[cat] = tuple(ds[len(ds) * i // k] for i in range(1, k))
            quality[cat] = _cells(g, edges[cat], prior)
        info = {"buckets": buckets, "prior": prior, "n_items": len(rows), **(meta or {})}
        return cls(edges, quality, info)

    def to_json(self) -> dict[str, Any]:
        """The JSON form written by :meth:`save`."""
        return {
            "format": FORMAT,
            "edges": {c: [round(e, 6) for e in v] for c, v in self.edges.items()},
            "quality": {
                c: {m: [round(x, 5) for x in q] for m, q in sorted(per.items())}
                for c, per in self.quality.items()
            },
            "meta": dict(self.meta),
        }

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the table as JSON."""
        return write_json(path, self.to_json())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> QualityTable:
        """Read a table written by :meth:`save`; ConfigError naming the file if it is not one."""
        try:
            return cls.from_json(json.loads(Path(path).read_text("utf-8")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(
                f"Quality table {str(path)!r} cannot be loaded ({exc}).",
                field=str(path),
                fix="pass a file written by QualityTable.save()",
            ) from exc

    @classmethod
    def from_json(cls, obj: Any) -> QualityTable:
        """The table of :meth:`to_json`'s form; ValueError (or KeyError, TypeError) if not one."""
        if obj.get("format") != FORMAT:
            raise ValueError(f"format is not {FORMAT}")
        edges = {str(c): tuple(float(x) for x in v) for c, v in obj["edges"].items()}
        quality = {
            str(c): {str(m): tuple(float(x) for x in q) for m, q in per.items()}
            for c, per in obj["quality"].items()
        }
        if _ANY not in quality or any(
            len(q) != len(edges[c]) + 1 for c, per in quality.items() for q in per.values()
        ):
            raise ValueError("edges and quality disagree")
        return cls(edges, quality, dict(obj.get("meta", {})))


def _cells(
    g: list[tuple[float, Mapping[str, float]]], edges: tuple[float, ...], prior: float
) -> dict[str, tuple[float, ...]]:
    k = len(edges) + 1
    sums: dict[str, list[float]] = {}
    counts: dict[str, list[int]] = {}
    for d, scores in g:
        b = bisect.bisect_right(edges, d)
        for m, q in scores.items():
            sums.setdefault(m, [0.0] * k)[b] += q
            counts.setdefault(m, [0] * k)[b] += 1
    out = {}
    for m, s in sums.items():
        n = counts[m]
        mean = sum(s) / max(1, sum(n))
        out[m] = tuple((s[b] + prior * mean) / (n[b] + prior) for b in range(k))
    return out


def _shared_prefix(pair: tuple[str, str]) -> int:
    """How many leading characters the two names share (to suggest a plausible mapping)."""
    a, b = pair
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def check_table_models(table: QualityTable, models: Mapping[str, str], what: str) -> None:
    """ConfigError (``field="models"``) if ``models`` maps a deployment to a model ``table``
    does not have; ``what`` names the table in the message."""
    strange = sorted(m for m in models.values() if m not in table.models)
    if strange:
        raise ConfigError(
            f"models= maps deployments to {', '.join(map(repr, strange))}, which {what} "
            f"does not have (its models: {', '.join(table.models) or 'none'}).",
            field="models",
            fix=f"map each deployment to one of {what}'s models",
        )


def knows_none(
    table: QualityTable,
    models: Mapping[str, str],
    deployments: Sequence[str],
    *,
    what: str,
    consequence: str,
    call: str,
) -> ConfigError | None:
    """The ConfigError (``field="models"``) for ``table`` (``what``) knowing none of the
    ``deployments`` under the ``models`` mapping, with ``consequence`` and a fix that maps the
    likeliest pair in ``call`` (formatted with it); None when it knows one."""
    if any(models.get(d, d) in table.models for d in deployments):
        return None
    pairs = [(d, m) for d in deployments for m in table.models] or [("my-deployment", "model")]
    dep, model = max(pairs, key=_shared_prefix)  # the first pair on a tie
    return ConfigError(
        f"{what[0].upper()}{what[1:]} knows none of the deployments ({', '.join(deployments)}); "
        f"its models are {', '.join(table.models) or 'none'}. {consequence}",
        field="models",
        fix="name the deployments like the table's models, or map them: "
        + call.format(f"{{{dep!r}: {model!r}}}"),
    )


class prefer_predicted_quality(Rule):
    """Order by ``predicted quality - cost_weight * cost / cost of the priciest candidate``.

    ``models`` maps deployment names to the table's model names (identity by default).
    Deployments the table does not know go last, cheapest first. A router none of whose
    deployments the table knows is a ConfigError (when the policy is bound to the router, and
    when routing over such deployments), not a silent "always the cheapest".
    """

    def __init__(
        self, table: QualityTable, cost_weight: float = 0.1, models: Mapping[str, str] | None = None
    ) -> None:
        if cost_weight < 0:
            raise ConfigError(
                f"prefer_predicted_quality(cost_weight={cost_weight}): must be >= 0.",
                field="cost_weight",
                fix="0 ignores cost; 0.1 pays the priciest model's cost for +0.1 quality",
            )
        self.table, self.cost_weight, self.models = table, cost_weight, dict(models or {})
        check_table_models(table, self.models, "the quality table")
        self.names, self.where = tuple(self.models), caller_location()

    def _knows_none(self, deployments: Sequence[str]) -> ConfigError | None:
        return knows_none(
            self.table,
            self.models,
            deployments,
            what="the quality table",
            consequence="It would predict nothing and every request would go to the cheapest"
            " deployment.",
            call="quality_table(table, models={}), one entry per deployment to score",
        )

    def validate(self, deployments: Sequence[str]) -> None:
        """ConfigError if none of the router's ``deployments`` is a model of the table."""
        error = self._knows_none(deployments)
        if error is not None:
            raise error

    def __call__(self, ctx: Context) -> None:
        if not ctx.candidates:
            return
        predicted = self.table.predict(ctx.signals.category, ctx.signals.difficulty)
        top = max(float(ctx.cost(d)) for d in ctx.candidates) or 1.0
        utility: dict[str, float] = {}
        for d in ctx.candidates:
            q = predicted.get(self.models.get(d.name, d.name))
            if q is not None:
                utility[d.name] = q - self.cost_weight * float(ctx.cost(d)) / top
        ctx.candidates.sort(
            key=lambda d: (d.name not in utility, -utility.get(d.name, 0.0), float(ctx.cost(d)))
        )
        first = ctx.candidates[0]
        if first.name in utility:
            q = predicted[self.models.get(first.name, first.name)]
            ctx.reasons.append(
                f"predicted quality {q:.2f} for {first.name} at cost weight {self.cost_weight:g}"
            )
        else:
            self.validate([d.name for d in ctx.signals.deployments])  # none known: an error
            ctx.reasons.append(
                "quality table: no candidate left is one of its models "
                f"({', '.join(self.table.models)}); ordered by cost"
            )
