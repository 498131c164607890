"""Leave-one-task-out cross-validation (:func:`leave_one_task_out`); see
:mod:`costroute.eval.cv`, which names it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from costroute.difficulty import Estimator
from costroute.errors import ConfigError
from costroute.eval._evaluate import evaluate
from costroute.train.data import Record

__all__ = ["leave_one_task_out", "pair_key", "scores_for"]


def pair_key(strong: str, weak: str) -> str:
    """``"strong>weak"``: the key of a pair in the results."""
    return f"{strong}>{weak}"


def scores_for(estimator: Estimator, records: Sequence[Record]) -> list[float]:
    """The estimator's score of each record's messages."""
    return [estimator.estimate(r.messages).score for r in records]


def leave_one_task_out(
    records: Sequence[Record],
    fit: Callable[[Sequence[Record]], Estimator],
    pairs: Sequence[tuple[str, str]],
) -> dict[str, Any]:
    """Cross-validate ``fit`` (records -> estimator) across tasks; see the module docstring."""
    tasks = sorted({r.task for r in records if r.task is not None})
    if len(tasks) < 2 or any(r.task is None for r in records):
        raise ConfigError(
            "Leave-one-task-out needs a 'task' on every record and at least two tasks.",
            field="task",
            fix="add a task field to each JSON line (make_zeroeval_jsonl.py writes it)",
        )
    held: list[Record] = []
    held_scores: list[float] = []
    per_task: dict[str, dict[str, float]] = {}
    for task in tasks:
        train = [r for r in records if r.task != task]
        test = [r for r in records if r.task == task]
        scores = scores_for(fit(train), test)
        held += test
        held_scores += scores
        per_task[task] = {
            pair_key(s, w): round(evaluate(test, scores, s, w).apgr, 4) for s, w in pairs
        }
    keys = [pair_key(s, w) for s, w in pairs]
    return {
        "tasks": tasks,
        "per_task": per_task,
        "mean": {k: round(sum(per_task[t][k] for t in tasks) / len(tasks), 4) for k in keys},
        "pooled": {
            pair_key(s, w): round(evaluate(held, held_scores, s, w).apgr, 4) for s, w in pairs
        },
    }
