"""What ordering by true hardness is worth, and what the real ceiling is, with intervals.

Usage::

    python benchmarks/make_zeroeval_jsonl.py --out out/zeroeval      # once
    python benchmarks/headroom.py [--data out/zeroeval] [--resamples 1000] [--seed 0] [--test]

For each strong/weak pair, on the ZeroEval TRAIN split, APGR (95% bootstrap interval) of:

- ``hardness``: items ordered by their true hardness (the share of the other 24 pool models
  that fail them): what docs used to call a ceiling;
- ``hardness -> gain``: the same hardness levels re-mapped to the pair's mean signed gain at
  that level on TRAIN (the gain peaks at medium hardness: the hardest items are failed by the
  strong model too);
- ``task x hardness -> gain``: the same, per task and hardness level;
- ``oracle``: the pair's own gain on each item, the only true ceiling.

Every signal here reads the answer key (none is shippable): they bound what an estimator of
each kind could reach. ``--test`` adds the TEST split, with the re-mapping still fitted on TRAIN.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from costroute.eval import Record, evaluate, load_jsonl

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "zeroeval"
PAIRS = [
    ("gpt-4o-2024-08-06", "deepseek-v2.5-0908"),
    ("claude-3-5-sonnet-20240620", "gpt-3.5-turbo-0125"),
]


def pool_of(models_csv: Path) -> list[str]:
    with models_csv.open(encoding="utf-8") as f:
        return sorted(r["model"] for r in csv.DictReader(f) if r["in_pool"] == "1")


def hardness(r: Record, others: Sequence[str]) -> float:
    """Share of ``others`` that fail ``r`` (rounded: a level)."""
    return round(1.0 - sum(r.scores[m] for m in others) / len(others), 6)


def remap(
    train: Sequence[Record], key: Callable[[Record], Any], strong: str, weak: str
) -> Callable[[Record], float]:
    """Score = the pair's mean signed gain on TRAIN among items with the same ``key``."""
    by: dict[Any, list[float]] = {}
    for r in train:
        by.setdefault(key(r), []).append(r.scores[strong] - r.scores[weak])
    means = {k: statistics.fmean(v) for k, v in by.items()}
    overall = statistics.fmean(r.scores[strong] - r.scores[weak] for r in train)
    return lambda r: means.get(key(r), overall)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("out/zeroeval"))
    ap.add_argument("--models-csv", type=Path, default=SHARED / "models.csv")
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--test", action="store_true", help="add the TEST split (held-out figures)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args(argv)
    pool = pool_of(args.models_csv)
    train = load_jsonl(args.data / "train.jsonl")
    splits = {"train": train}
    if args.test:
        splits["test"] = load_jsonl(args.data / "test.jsonl")
    out: dict[str, Any] = {}
    for strong, weak in PAIRS:
        others = [m for m in pool if m not in (strong, weak)]

        def hard(r: Record, others: Sequence[str] = others) -> float:
            return hardness(r, others)

        signals: dict[str, Callable[[Record], float]] = {
            "hardness": hard,
            "hardness -> gain": remap(train, hard, strong, weak),
            "task x hardness -> gain": remap(train, lambda r: (r.task, hard(r)), strong, weak),
            "oracle": lambda r, s=strong, w=weak: r.scores[s] - r.scores[w],
        }
        for split, records in splits.items():
            row = {}
            for name, signal in signals.items():
                res = evaluate(
                    records,
                    [signal(r) for r in records],
                    strong,
                    weak,
                    resamples=args.resamples,
                    seed=args.seed,
                )
                assert res.apgr_ci is not None
                row[name] = [round(res.apgr, 3), [round(x, 3) for x in res.apgr_ci]]
            out[f"{split} {strong} > {weak}"] = row
    if args.json:
        print(json.dumps(out, indent=1))
        return 0
    names = list(next(iter(out.values())))
    print("| split, pair | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for key, row in out.items():
        cells = [f"{a:.3f} [{lo:.3f}, {hi:.3f}]" for a, (lo, hi) in row.values()]
        print(f"| {key} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
