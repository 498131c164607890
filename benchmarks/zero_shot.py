"""The shipped default estimator against the length of the prompt, on every labelled set.

Usage::

    python benchmarks/make_zeroeval_jsonl.py --out out/zeroeval      # once
    python benchmarks/zero_shot.py [--data out/zeroeval] [--resamples 1000] [--seed 0] [--test]

A zero-shot default (no training on the pair it routes) must at least order requests better
than their length does. Prints a Markdown table, one row per labelled set: APGR of the default
estimator and of the prompt's length (characters of the whole conversation), each with a 95%
percentile bootstrap interval (``--resamples`` resamples of the items, seeded), and which one
is higher.

The sets:

- ``ood dev`` / ``ood blind`` (tests/difficulty/data/): prompts labelled easy / medium / hard by
  hand. APGR needs a pair, so each level stands for one: the strong model answers every prompt,
  the weak one easy prompts (quality 1), half of the medium ones (0.5) and no hard one (0).
- ZeroEval TRAIN split (2,265 items), for four strong/weak pairs of different families.
  ``--test`` adds the same pairs on the TEST split (575 items): final held-out figures only,
  never used to choose anything.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from costroute import difficulty
from costroute.difficulty._text import extract
from costroute.eval import Record, evaluate, load_jsonl

ROOT = Path(__file__).resolve().parents[1]
OOD_FILES = {
    "ood dev": ROOT / "tests" / "difficulty" / "data" / "ood_prompts.jsonl",
    "ood blind": ROOT / "tests" / "difficulty" / "data" / "ood_blind.jsonl",
}
WEAK_QUALITY = {"easy": 1.0, "medium": 0.5, "hard": 0.0}
PAIRS = [
    ("gpt-4o-2024-08-06", "deepseek-v2.5-0908"),
    ("claude-3-5-sonnet-20240620", "gpt-3.5-turbo-0125"),
    ("gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18"),
    ("claude-3-opus-20240229", "claude-3-haiku-20240307"),
]


def ood_records(path: Path) -> list[Record]:
    """A hand-labelled OOD file as records of the stand-in pair ``strong`` > ``weak``."""
    out = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out.append(
                Record(
                    row["id"],
                    ({"role": "user", "content": row["text"]},),
                    {"strong": 1.0, "weak": WEAK_QUALITY[row["level"]]},
                )
            )
    return out


def prompt_length(messages: Sequence[Any]) -> float:
    """The baseline: characters of text in the whole conversation."""
    return float(extract(list(messages)).total_chars)


def default_score(messages: Sequence[Any]) -> float:
    return difficulty.default_estimator().estimate(list(messages)).score


def figures(
    records: Sequence[Record], strong: str, weak: str, resamples: int, seed: int
) -> dict[str, Any]:
    """APGR and interval of the default and of length on ``records``."""
    out: dict[str, Any] = {"n": len(records)}
    scorers: dict[str, Callable[[Sequence[Any]], float]] = {
        "default": default_score,
        "length": prompt_length,
    }
    for name, score in scorers.items():
        r = evaluate(
            records,
            [score(r.messages) for r in records],
            strong,
            weak,
            resamples=resamples,
            seed=seed,
        )
        assert r.apgr_ci is not None
        out[name] = {"apgr": round(r.apgr, 4), "ci": [round(x, 4) for x in r.apgr_ci]}
    out["default_wins"] = out["default"]["apgr"] > out["length"]["apgr"]
    return out


def table(rows: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| set | n | default APGR [95% CI] | length APGR [95% CI] | higher |",
        "|---|---|---|---|---|",
    ]
    for name, f in rows.items():
        d, ln = f["default"], f["length"]
        lines.append(
            f"| {name} | {f['n']} | {d['apgr']:.3f} [{d['ci'][0]:.3f}, {d['ci'][1]:.3f}] | "
            f"{ln['apgr']:.3f} [{ln['ci'][0]:.3f}, {ln['ci'][1]:.3f}] | "
            f"{'default' if f['default_wins'] else '**length**'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point: prints the table (and ``--json`` the figures)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("out/zeroeval"))
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--test", action="store_true", help="add the held-out TEST split rows")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON instead")
    args = ap.parse_args(argv)
    rows: dict[str, dict[str, Any]] = {}
    for name, path in OOD_FILES.items():
        rows[name] = figures(ood_records(path), "strong", "weak", args.resamples, args.seed)
    splits = ["train", "test"] if args.test else ["train"]
    for split in splits:
        path = args.data / f"{split}.jsonl"
        if not path.exists():
            print(f"note: {path} missing (run make_zeroeval_jsonl.py); skipped", file=sys.stderr)
            continue
        records = load_jsonl(path)
        for strong, weak in PAIRS:
            name = f"ZeroEval {split.upper()} {strong} > {weak}"
            rows[name] = figures(records, strong, weak, args.resamples, args.seed)
    print(json.dumps(rows, indent=1) if args.json else table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
