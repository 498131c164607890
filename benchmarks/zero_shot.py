"""The shipped default estimator against the length of the prompt, on every labelled set.

Usage::

    python benchmarks/make_zeroeval_jsonl.py --out out/zeroeval      # once
    python benchmarks/zero_shot.py [--data out/zeroeval] [--resamples 1000] [--seed 0] [--test]
    python benchmarks/zero_shot.py --grid     # how the default's constants were chosen
    python benchmarks/zero_shot.py --knots    # its map onto the heuristic's score scale

A zero-shot default (no training on the pair it routes) must at least order requests better
than their length does. Prints a Markdown table, one row per labelled set: APGR of the default
estimator (:class:`~costroute.difficulty.LevelsEstimator`) and of the prompt's length
(characters of the whole conversation), each with a 95% percentile bootstrap interval
(``--resamples`` resamples of the items, seeded), the default's margin over length with a
paired bootstrap interval (both scored on each resample), and the same margin for the
hand-written heuristic (:class:`~costroute.difficulty.HeuristicEstimator`, the default until
issue 15).

The default's constants (competition bump, length coefficient, cap) were chosen on ZeroEval
TRAIN (four pairs) and the dev prompts only (column "choice"); ``--grid`` prints that choice's
landscape, ``--knots`` the score map fitted on the same sets.

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
from costroute.difficulty import HeuristicEstimator
from costroute.difficulty._features import compute
from costroute.difficulty._heuristic import categorize
from costroute.difficulty._levels import CAP, COMPETITION, LENGTH, level_terms
from costroute.difficulty._text import extract
from costroute.eval import Record, evaluate, load_jsonl
from costroute.eval.metrics import apgr, apgr_difference_interval, quality_curve

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
CHOICE_SETS = ("ood dev", "ZeroEval TRAIN")
"""Sets the default's constants were chosen on (name prefixes); the blind prompts and TEST chose
nothing."""


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


def heuristic_score(messages: Sequence[Any]) -> float:
    return HeuristicEstimator().estimate(list(messages)).score


def level_raw(
    messages: Sequence[Any],
    competition: float = COMPETITION,
    length: float = LENGTH,
    cap: float = CAP,
) -> float:
    """The default's raw score (before its map onto the heuristic's scale), with its constants
    as arguments: what ``--grid`` varies."""
    f = compute(extract(list(messages)))
    terms = level_terms(f.values, categorize(f.values, f.words), competition, length, cap)
    return sum(c for _, c in terms)


def figures(
    records: Sequence[Record], strong: str, weak: str, resamples: int, seed: int
) -> dict[str, Any]:
    """APGR and interval of the default, of length and of the heuristic on ``records``, and
    the margins over length with paired intervals."""
    out: dict[str, Any] = {"n": len(records)}
    scorers: dict[str, Callable[[Sequence[Any]], float]] = {
        "default": default_score,
        "length": prompt_length,
        "heuristic": heuristic_score,
    }
    scores = {name: [score(r.messages) for r in records] for name, score in scorers.items()}
    sq = [r.scores[strong] for r in records]
    wq = [r.scores[weak] for r in records]
    value: dict[str, float] = {}
    for name in scorers:
        r = evaluate(records, scores[name], strong, weak, resamples=resamples, seed=seed)
        assert r.apgr_ci is not None
        value[name] = r.apgr
        out[name] = {"apgr": round(r.apgr, 4), "ci": [round(x, 4) for x in r.apgr_ci]}
    for name in ("default", "heuristic"):
        ci = apgr_difference_interval(
            scores[name], scores["length"], sq, wq, resamples=resamples, seed=seed
        )
        out[name]["margin"] = round(value[name] - value["length"], 4)
        out[name]["margin_ci"] = [round(x, 4) for x in ci]
        out[f"{name}_wins"] = value[name] > value["length"]
    return out


def _cell(x: dict[str, Any], key: str, ci: str) -> str:
    value = f"{x[key]:+.3f}" if key == "margin" else f"{x[key]:.3f}"
    lo, hi = x[ci]
    return f"{value} [{lo:+.3f}, {hi:+.3f}]" if key == "margin" else f"{value} [{lo:.3f}, {hi:.3f}]"


def table(rows: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| set | n | choice | default APGR [95% CI] | length APGR [95% CI] "
        "| default - length [95% CI] | heuristic APGR | heuristic - length [95% CI] |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, f in rows.items():
        d, ln, h = f["default"], f["length"], f["heuristic"]
        choice = "yes" if name.startswith(CHOICE_SETS) else "no"
        dm = _cell(d, "margin", "margin_ci")
        hm = _cell(h, "margin", "margin_ci")
        lines.append(
            f"| {name} | {f['n']} | {choice} | {_cell(d, 'apgr', 'ci')} | {_cell(ln, 'apgr', 'ci')}"
            f" | {dm if f['default_wins'] else f'**{dm}**'} | {h['apgr']:.3f}"
            f" | {hm if f['heuristic_wins'] else f'**{hm}**'} |"
        )
    return "\n".join(lines)


Choice = dict[str, tuple[list[Record], str, str]]


def _apgr(records: Sequence[Record], scores: Sequence[float], strong: str, weak: str) -> float:
    sq = [r.scores[strong] for r in records]
    return apgr(quality_curve(scores, sq, [r.scores[weak] for r in records]))


def grid(choice: Choice) -> str:
    """The smallest margin over length across the choice sets, for caps 0-0.3 (rows) and
    length coefficients 0.1-1 (columns), with and without the competition bump: how the
    default's constants were chosen."""
    base = {
        k: _apgr(rs, [prompt_length(r.messages) for r in rs], s, w)
        for k, (rs, s, w) in choice.items()
    }
    betas = (0.1, 0.22, 0.4, 0.6, 0.8, 1.0)
    lines = []
    for comp in (0.0, 0.05, 0.1, 0.15):
        lines += [
            f"competition {comp:.2f}",
            "| cap \\ length | " + " | ".join(map(str, betas)) + " |",
        ]
        lines.append("|---" * (len(betas) + 1) + "|")
        for cap in (0.0, 0.05, 0.1, 0.15, 0.2, 0.3):
            cells = []
            for b in betas:
                worst = min(
                    _apgr(rs, [level_raw(r.messages, comp, b, cap) for r in rs], s, w) - base[k]
                    for k, (rs, s, w) in choice.items()
                )
                cells.append(f"{worst:+.3f}")
            lines.append(f"| {cap:.2f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def knots(choice_records: Sequence[Sequence[Record]], at: Sequence[float]) -> list[list[float]]:
    """``[raw, score]`` for each score in ``at``: the raw value above which the same share of
    requests lies as above ``score`` under the heuristic, on the sets pooled with equal weight
    (trivial requests left out: both give them the base)."""
    pooled: list[tuple[float, float, float]] = []  # (raw, heuristic, weight)
    for records in choice_records:
        rows = [(level_raw(r.messages), heuristic_score(r.messages)) for r in records]
        rows = [(x, h) for x, h in rows if h != 0.03]
        pooled += [(x, h, 1.0 / len(rows)) for x, h in rows]
    total = sum(w for _, _, w in pooled)
    raws = sorted({x for x, _, _ in pooled})
    out = []
    for score in at:
        share = sum(w for _, h, w in pooled if h >= score) / total
        best = min(raws, key=lambda t: abs(sum(w for x, _, w in pooled if x >= t) / total - share))
        out.append([round(best, 3), score])
    return out


def main(argv: list[str] | None = None) -> int:
    """Entry point: prints the table (``--json`` the figures, ``--grid``/``--knots`` the choice)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("out/zeroeval"))
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--test", action="store_true", help="add the held-out TEST split rows")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON instead")
    ap.add_argument("--grid", action="store_true", help="print the constants' choice landscape")
    ap.add_argument("--knots", action="store_true", help="print the map onto the score scale")
    args = ap.parse_args(argv)
    if args.grid or args.knots:
        train = load_jsonl(args.data / "train.jsonl")
        dev = ood_records(OOD_FILES["ood dev"])
        if args.knots:
            print(json.dumps(knots([train, dev], (0.35, 0.6, 0.7, 0.8))))
            return 0
        choice: Choice = {"ood dev": (dev, "strong", "weak")}
        for strong, weak in PAIRS:
            choice[f"TRAIN {strong} > {weak}"] = (train, strong, weak)
        print(grid(choice))
        return 0
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
