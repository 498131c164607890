"""Out-of-domain sanity check of the difficulty estimators, and their score distribution, as JSON.

Usage::

    python benchmarks/estimator_ood.py [--data out/zeroeval] [--embed]

The OOD sets (tests/difficulty/data/) are prompts written and labelled easy / medium / hard by
hand BEFORE any estimator scored them: ``ood_prompts.jsonl`` (56 prompts: greetings, general
knowledge, open-ended chat, grade-school math, proofs, competition math, hard code; used while
revising the heuristic, so not blind) and ``ood_blind.jsonl`` (31 prompts of the same kinds,
written before the revision and looked at only once, at the end). Prints, per estimator and
set: Spearman correlation of score with level (0/1/2), pairwise ordering accuracy (share of
pairs from different levels ordered right, ties count half), per-level quantiles; the quantiles
of the scores on the ZeroEval train split (if ``--data`` exists); and threshold suggestions.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from costroute.difficulty import Estimator, HeuristicEstimator, LearnedEstimator, default_estimator

ROOT = Path(__file__).resolve().parents[1]
OOD_FILES = {
    "dev": ROOT / "tests" / "difficulty" / "data" / "ood_prompts.jsonl",
    "blind": ROOT / "tests" / "difficulty" / "data" / "ood_blind.jsonl",
}
LEVELS = {"easy": 0, "medium": 1, "hard": 2}
QS = (0.05, 0.25, 0.5, 0.75, 0.95)


def load_ood(path: Path) -> list[dict[str, Any]]:
    """Rows ``{"id", "level", "kind", "text"}`` of an OOD file."""
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _ranks(xs: Sequence[float]) -> list[float]:
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    ranks = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2
        i = j + 1
    return ranks


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Spearman's rank correlation (average ranks for ties)."""
    rx, ry = _ranks(xs), _ranks(ys)
    mx, my = statistics.fmean(rx), statistics.fmean(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    return cov / (vx * vy) ** 0.5 if vx and vy else 0.0


def quantiles(xs: Sequence[float], qs: Sequence[float] = QS) -> list[float]:
    """Linear-interpolated quantiles, rounded."""
    s = sorted(xs)
    out = []
    for q in qs:
        pos = q * (len(s) - 1)
        lo = int(pos)
        hi = min(lo + 1, len(s) - 1)
        out.append(round(s[lo] + (pos - lo) * (s[hi] - s[lo]), 3))
    return out


def ordering_quality(rows: Sequence[dict[str, Any]], scores: Sequence[float]) -> dict[str, Any]:
    """Spearman, pairwise accuracy overall and per level pair, per-level score quantiles."""
    lv = [LEVELS[r["level"]] for r in rows]

    def acc(a: int, b: int) -> float:
        lo = [s for s, v in zip(scores, lv, strict=True) if v == a]
        hi = [s for s, v in zip(scores, lv, strict=True) if v == b]
        wins = sum(1.0 if y > x else 0.5 if y == x else 0.0 for x in lo for y in hi)
        return wins / (len(lo) * len(hi))

    pairs = {"easy<medium": acc(0, 1), "medium<hard": acc(1, 2), "easy<hard": acc(0, 2)}
    n = {k: sum(1 for v in lv if v == LEVELS[k]) for k in LEVELS}
    weights = {"easy<medium": n["easy"] * n["medium"], "medium<hard": n["medium"] * n["hard"]}
    weights["easy<hard"] = n["easy"] * n["hard"]
    total = sum(pairs[k] * weights[k] for k in pairs) / sum(weights.values())
    return {
        "n": len(rows),
        "spearman": round(spearman(scores, [float(v) for v in lv]), 4),
        "pairwise_accuracy": round(total, 4),
        **{k: round(v, 4) for k, v in pairs.items()},
        "quantiles_by_level": {
            k: quantiles([s for s, v in zip(scores, lv, strict=True) if v == LEVELS[k]])
            for k in LEVELS
        },
    }


def estimators(embed: bool) -> dict[str, Estimator]:
    """The estimators compared (the embedding one only with ``embed``)."""
    out: dict[str, Estimator] = {
        "default": default_estimator(),
        "heuristic": HeuristicEstimator(),
        "learned": LearnedEstimator.load(),
    }
    if embed:
        from costroute.difficulty import EmbeddingEstimator

        out["embedding"] = EmbeddingEstimator()
    return out


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("out/zeroeval"))
    ap.add_argument("--embed", action="store_true", help="include EmbeddingEstimator")
    args = ap.parse_args(argv)
    ests = estimators(args.embed)
    report: dict[str, Any] = {"default_is": default_estimator().name, "ood": {}}
    for set_name, path in OOD_FILES.items():
        rows = load_ood(path)
        block: dict[str, Any] = {}
        for name, est in ests.items():
            scores = [est.estimate([{"role": "user", "content": r["text"]}]).score for r in rows]
            block[name] = ordering_quality(rows, scores)
        block["random"] = {"spearman": 0.0, "pairwise_accuracy": 0.5}
        report["ood"][set_name] = block
    train = args.data / "train.jsonl"
    if train.exists():
        from costroute.eval import load_jsonl

        records = load_jsonl(train)
        dist: dict[str, Any] = {}
        for name, est in ests.items():
            if name == "embedding":
                continue
            by_task: dict[str, list[float]] = {}
            for r in records:
                by_task.setdefault(str(r.task), []).append(est.estimate(r.messages).score)
            dist[name] = {t: quantiles(v) for t, v in sorted(by_task.items())}
            dist[name]["all"] = quantiles([s for v in by_task.values() for s in v])
        report["zeroeval_train_quantiles"] = dist
    else:
        print(f"note: {train} missing, ZeroEval quantiles skipped", file=sys.stderr)
    report["quantile_levels"] = list(QS)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
