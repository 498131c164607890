"""Labelled routing data: JSON lines of ``{"id", "messages", "scores", ...}``.

One request per line; ``scores`` maps a model (or role) name to a quality in [0, 1]
(1 = correct / best). Optional keys: ``task`` (used for leave-one-task-out cross-validation)
and ``costs`` (model -> USD for this request, used for cost-based metrics).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from costroute.errors import ConfigError

__all__ = ["Record", "costs_of", "dump_jsonl", "load_jsonl", "require_models", "scores_of"]


@dataclass(frozen=True, slots=True)
class Record:
    """One labelled request."""

    id: str
    messages: tuple[Mapping[str, Any], ...]
    scores: Mapping[str, float]
    task: str | None = None
    costs: Mapping[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The JSON-lines form of this record."""
        out: dict[str, Any] = {
            "id": self.id,
            "messages": list(self.messages),
            "scores": dict(self.scores),
        }
        if self.task is not None:
            out["task"] = self.task
        if self.costs:
            out["costs"] = dict(self.costs)
        return out


def _bad(path: str, line: int, detail: str) -> ConfigError:
    return ConfigError(
        f"{path}:{line}: {detail.rstrip('.')}.",
        field="data",
        fix='each line must be {"id": str, "messages": [{"role", "content"}], '
        '"scores": {"<model>": quality from 0 to 1}}',
    )


def _numbers(path: str, line: int, key: str, value: Any) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise _bad(path, line, f"{key!r} must be an object of model -> number")
    out: dict[str, float] = {}
    for model, v in value.items():
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise _bad(path, line, f"{key}[{model!r}] must be a number, got {v!r}")
        out[str(model)] = float(v)
    return out


def parse_record(obj: Any, *, path: str = "<record>", line: int = 0) -> Record:
    """Validate one decoded JSON object and return it as a :class:`Record`."""
    if not isinstance(obj, Mapping):
        raise _bad(path, line, "a line must be a JSON object")
    messages = obj.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _bad(path, line, "'messages' must be a non-empty list")
    if not all(isinstance(m, Mapping) and "content" in m for m in messages):
        raise _bad(path, line, "every message must be an object with 'content'")
    scores = _numbers(path, line, "scores", obj.get("scores"))
    if not scores:
        raise _bad(path, line, "'scores' is empty")
    for model, s in scores.items():
        if not 0.0 <= s <= 1.0:
            raise _bad(path, line, f"scores[{model!r}] = {s} is outside [0, 1]")
    costs = _numbers(path, line, "costs", obj["costs"]) if "costs" in obj else {}
    task = obj.get("task")
    return Record(
        id=str(obj.get("id", f"{path}:{line}")),
        messages=tuple(messages),
        scores=scores,
        task=str(task) if task is not None else None,
        costs=costs,
    )


def load_jsonl(path: str | Path) -> list[Record]:
    """Read labelled records from a JSON-lines file (blank lines are skipped).

    Raises :class:`costroute.errors.ConfigError` naming the file and line of the first bad
    record, or when the file is missing or holds no record.
    """
    p = Path(path)
    try:
        handle = p.open(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"Cannot read labelled data {str(p)!r}: {str(exc.strerror or exc).rstrip('.')}.",
            field="data",
            fix="pass the path of a JSON-lines file (see docs/difficulty.md)",
        ) from exc
    records: list[Record] = []
    with handle:
        for i, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise _bad(str(p), i, f"invalid JSON ({exc.msg})") from exc
            records.append(parse_record(obj, path=str(p), line=i))
    if not records:
        raise ConfigError(
            f"Labelled data {str(p)!r} holds no record.",
            field="data",
            fix="check the path; the file must have one JSON object per line",
        )
    return records


def dump_jsonl(records: Iterable[Record], path: str | Path) -> int:
    """Write ``records`` as JSON lines; returns how many were written."""
    n = 0
    with Path(path).open("w", encoding="utf-8") as out:
        for r in records:
            out.write(json.dumps(r.to_json(), ensure_ascii=False) + "\n")
            n += 1
    return n


def require_models(
    records: Sequence[Record], models: Iterable[str], *, field: str = "strong/weak"
) -> None:
    """ConfigError naming every model of ``models`` that some record has no score for, with
    models that every record scores (the valid choices). ``field`` names the argument."""
    n = len(records)
    lacking = {m: sum(m not in r.scores for r in records) for m in dict.fromkeys(models)}
    bad = [(m, k) for m, k in lacking.items() if k]
    if not bad:
        return
    from costroute.train.fit import pool_models

    common = pool_models(records)
    shown = ", ".join(common[:8]) + (f" (+{len(common) - 8} more)" if len(common) > 8 else "")
    detail = "; ".join(
        f"{m!r} ({'none of the ' + str(n) + ' records has it' if k == n else f'{k} of {n} lack it'})"
        for m, k in bad
    )
    raise ConfigError(
        f"Some records have no score for model {detail}.",
        field=field,
        fix=f"pick models every record scores: {shown}"
        if common
        else "no model is scored on every record: filter the records",
    )


def scores_of(records: Sequence[Record], model: str) -> list[float]:
    """The quality of ``model`` on each record (ConfigError if a record lacks it)."""
    require_models(records, [model])
    return [r.scores[model] for r in records]


def costs_of(records: Sequence[Record], strong: str, weak: str) -> list[tuple[float, float]] | None:
    """Per-record ``(strong cost, weak cost)``, or ``None`` if any record lacks either."""
    out: list[tuple[float, float]] = []
    for r in records:
        if strong not in r.costs or weak not in r.costs:
            return None
        out.append((r.costs[strong], r.costs[weak]))
    return out
