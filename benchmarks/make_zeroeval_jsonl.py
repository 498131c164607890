"""Write ZeroEval per-question results as costroute labelled data (train/test JSON lines).

Usage::

    python benchmarks/make_zeroeval_jsonl.py [--src ../shared/data/zeroeval] [--out out/zeroeval]

Writes ``train.jsonl`` and ``test.jsonl`` (the dataset's fixed split): one line per question,
the question text as the user message, ``scores`` = ``correct`` (0/1) of every model that was
run on it, ``costs`` = ``est_cost_usd`` per model, and ``task`` (gsm | crux | math-l5).
The output is data, not code: keep it out of git (``out/`` is ignored).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

DEFAULT_SRC = Path(__file__).resolve().parents[2] / "shared" / "data" / "zeroeval"


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=DEFAULT_SRC, help="ZeroEval data folder")
    ap.add_argument("--out", type=Path, default=Path("out/zeroeval"), help="output folder")
    ap.add_argument("--pool-only", action="store_true", help="keep only in_pool=1 models")
    args = ap.parse_args(argv)
    src: Path = args.src
    if not (src / "items.csv").exists():
        print(f"error: {src / 'items.csv'} not found; pass --src", file=sys.stderr)
        return 2
    csv.field_size_limit(1 << 24)
    with (src / "models.csv").open(encoding="utf-8") as f:
        pool = {r["model"] for r in csv.DictReader(f) if r["in_pool"] == "1"}
    scores: dict[str, dict[str, float]] = defaultdict(dict)
    costs: dict[str, dict[str, float]] = defaultdict(dict)
    with (src / "results_long.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if args.pool_only and r["model"] not in pool:
                continue
            scores[r["item_id"]][r["model"]] = float(r["correct"])
            costs[r["item_id"]][r["model"]] = float(r["est_cost_usd"])
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = defaultdict(int)
    with (src / "items.csv").open(encoding="utf-8") as f:
        handles = {s: (out / f"{s}.jsonl").open("w", encoding="utf-8") for s in ("train", "test")}
        try:
            for item in csv.DictReader(f):
                iid = item["item_id"]
                record = {
                    "id": iid,
                    "task": item["task"],
                    "messages": [{"role": "user", "content": item["question"]}],
                    "scores": scores[iid],
                    "costs": costs[iid],
                }
                handles[item["split"]].write(json.dumps(record, ensure_ascii=False) + "\n")
                counts[item["split"]] += 1
        finally:
            for h in handles.values():
                h.close()
    print(json.dumps({"out": str(out), **counts, "pool_models": len(pool)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
