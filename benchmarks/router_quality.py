"""Router quality of costroute's difficulty estimators on ZeroEval (RouteLLM metrics), as JSON.

Usage::

    python benchmarks/make_zeroeval_jsonl.py --out out/zeroeval      # once
    python benchmarks/router_quality.py [--data out/zeroeval] [--train-default] [--embed]

Prints, for each strong/weak pair, on the TEST split: APGR, CPT(50%), CPT(80%) and cost
saved at 95% of the strong model's quality (USD from the data's per-item cost estimates) for
the default estimator, the heuristic, the shipped learned estimator, a blend, the expected
random router and the oracle; then leave-one-task-out CV on the TRAIN split; then the
median inference time per estimator. ``--train-default`` first retrains the shipped weights
on the TRAIN split (hardness label over the 26-model pool) and writes them, CV included.
Nothing here reads the test split before the weights are written. ``--embed`` adds the
EmbeddingEstimator (needs ``costroute[embed]``; embeddings cached by estimator_embedding.py).
Also prints the ordering quality on the hand-labelled OOD prompt sets (estimator_ood.py) and
the "perfect hardness" ranking (test items ordered by how many of the other pool models fail
them: the ceiling of any pair-agnostic difficulty score) and two task oracles (each test item
scored by its task's TRAIN mean of the hardness, or of the pair's own strong-minus-weak gap:
the best any score that only recognises the task can do).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import per_prompt_us

from costroute import difficulty
from costroute.difficulty import BlendedEstimator, Estimator, HeuristicEstimator, LearnedEstimator
from costroute.difficulty._learned import default_weights_path
from costroute.eval import Record, costs_of, evaluate, load_jsonl
from costroute.eval.cv import leave_one_task_out, pair_key, scores_for
from costroute.train.fit import train

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "zeroeval"
PAIRS = [
    ("gpt-4o-2024-08-06", "deepseek-v2.5-0908"),
    ("claude-3-5-sonnet-20240620", "gpt-3.5-turbo-0125"),
]
BLEND_WEIGHT = 0.3
BLEND_CATEGORIES = ("math", "code", "reasoning")
TIMING_PROMPTS = [
    "hi",
    "What is the capital of Australia?",
    "Write a short poem about the sea.",
    "A robe takes 2 bolts of blue fiber and half that much white fiber. How many bolts in total"
    " does it take?",
    "Janet's ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes"
    " muffins for her friends every day with four. She sells the remainder at the farmers'"
    " market daily for $2 per fresh duck egg. How much in dollars does she make every day at"
    " the farmers' market?",
]


def pool_of(models_csv: Path) -> list[str]:
    """The in_pool=1 models of ZeroEval's models.csv."""
    with models_csv.open(encoding="utf-8") as f:
        return sorted(r["model"] for r in csv.DictReader(f) if r["in_pool"] == "1")


def fit_learned(pool: Sequence[str]) -> Any:
    """The recipe of the shipped weights, as a records -> estimator function."""

    def fit(records: Sequence[Record]) -> Estimator:
        return train(records, label="hardness", pool=pool)

    return fit


def blend(learned: Estimator) -> Estimator:
    """The heuristic with the learned score mixed in where the learned model saw data."""
    return BlendedEstimator(HeuristicEstimator(), learned, BLEND_WEIGHT, BLEND_CATEGORIES)


def hardness(records: Sequence[Record], pool: Sequence[str], strong: str, weak: str) -> list[float]:
    """True hardness of each record: share of the pool, less the pair, that fails it."""
    others = [m for m in pool if m not in (strong, weak)]
    return [1.0 - sum(r.scores[m] for m in others) / len(others) for r in records]


def task_scores(
    train_records: Sequence[Record], records: Sequence[Record], label: list[float]
) -> list[float]:
    """Each record scored by the TRAIN mean of ``label`` over its task: all a task oracle knows."""
    sums: dict[str | None, list[float]] = {}
    for r, y in zip(train_records, label, strict=True):
        sums.setdefault(r.task, []).append(y)
    return [statistics.fmean(sums[r.task]) for r in records]


def ood_figures(estimators: dict[str, Estimator]) -> dict[str, Any]:
    """Spearman and pairwise ordering accuracy on the hand-labelled OOD sets."""
    from estimator_ood import OOD_FILES, load_ood, ordering_quality

    out: dict[str, Any] = {}
    for set_name, path in OOD_FILES.items():
        rows = load_ood(path)
        out[set_name] = {}
        for name, est in estimators.items():
            if name == "embedding":
                continue  # its encoder here only knows ZeroEval prompts: see estimator_ood.py
            q = ordering_quality(
                rows, [est.estimate([{"role": "user", "content": r["text"]}]).score for r in rows]
            )
            out[set_name][name] = {k: q[k] for k in ("spearman", "pairwise_accuracy")}
    return out


def train_default(train_records: Sequence[Record], pool: Sequence[str]) -> dict[str, Any]:
    """Retrain the shipped weights on the train split and write them; returns their CV."""
    cv = leave_one_task_out(train_records, fit_learned(pool), PAIRS)
    meta = {
        "training_data": "ZeroEval snapshot 570c6269 (gsm, crux, math-l5), TRAIN split only"
        " (fold != 0, 2,265 items); question text as the user message",
        "label_detail": "hardness = share of the 26 in_pool models that answer wrong",
        "loto_cv_apgr": cv,
    }
    est = train(train_records, label="hardness", pool=pool, meta=meta, name="learned")
    # Scores of fixed prompts, so a test can check the file reproduces the trained model.
    est.meta["fixtures"] = [
        [text, round(est.estimate([{"role": "user", "content": text}]).score, 6)]
        for text in TIMING_PROMPTS
    ]
    est.save(default_weights_path())
    return cv


def main(argv: list[str] | None = None) -> int:
    """Entry point; prints one JSON document."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("out/zeroeval"))
    ap.add_argument("--models-csv", type=Path, default=SHARED / "models.csv")
    ap.add_argument("--train-default", action="store_true")
    ap.add_argument("--embed", action="store_true", help="include EmbeddingEstimator")
    args = ap.parse_args(argv)
    if not (args.data / "train.jsonl").exists():
        print(
            f"error: {args.data}/train.jsonl missing: run make_zeroeval_jsonl.py", file=sys.stderr
        )
        return 2
    pool = pool_of(args.models_csv)
    tr = load_jsonl(args.data / "train.jsonl")
    report: dict[str, Any] = {"n_train": len(tr), "pool_size": len(pool)}
    if args.train_default:
        report["retrained_default_weights"] = str(default_weights_path())
        train_default(tr, pool)
    te = load_jsonl(args.data / "test.jsonl")
    learned = LearnedEstimator.load()
    estimators: dict[str, Estimator] = {
        "default": difficulty.default_estimator(),
        "heuristic": HeuristicEstimator(),
        "learned": learned,
        "blend": blend(learned),
    }
    if args.embed:
        from estimator_embedding import embeddings, lookup

        from costroute.difficulty import EmbeddingEstimator

        x_te = embeddings(te, args.data / "embeddings.npz")
        estimators["embedding"] = EmbeddingEstimator(encoder=lookup(te, x_te))
    report["default_is"] = difficulty.default_estimator().name
    report["n_test"] = len(te)
    test: dict[str, Any] = {}
    for strong, weak in PAIRS:
        costs = costs_of(te, strong, weak)
        row: dict[str, Any] = {}
        for name, est in estimators.items():
            r = evaluate(te, scores_for(est, te), strong, weak, costs)
            row[name] = {
                "apgr": round(r.apgr, 4),
                "cpt50": round(r.cpt50, 4),
                "cpt80": round(r.cpt80, 4),
                "cost_saved_at_95": round(r.cost_saved_at_95, 4),
            }
        row["random"] = {
            "apgr": round(r.random.apgr, 4),
            "cpt50": round(r.random.cpt50, 4),
            "cpt80": round(r.random.cpt80, 4),
            "cost_saved_at_95": round(r.random.cost_saved_at_95, 4),
        }
        row["oracle"] = {"apgr": round(r.oracle.apgr, 4), "cpt50": round(r.oracle.cpt50, 4)}
        row["perfect_hardness"] = round(
            evaluate(te, hardness(te, pool, strong, weak), strong, weak).apgr, 4
        )
        gap = [r_.scores[strong] - r_.scores[weak] for r_ in tr]
        row["task_oracle"] = {
            "hardness": round(
                evaluate(
                    te, task_scores(tr, te, hardness(tr, pool, strong, weak)), strong, weak
                ).apgr,
                4,
            ),
            "pair_gap": round(evaluate(te, task_scores(tr, te, gap), strong, weak).apgr, 4),
        }
        row["strong_quality"] = round(r.strong_quality, 4)
        row["weak_quality"] = round(r.weak_quality, 4)
        row["cost_basis"] = r.cost_basis
        test[pair_key(strong, weak)] = row
    report["test"] = test
    fit = fit_learned(pool)
    report["loto_cv_train"] = {
        "default": leave_one_task_out(tr, lambda _r: difficulty.default_estimator(), PAIRS),
        "heuristic": leave_one_task_out(tr, lambda _r: HeuristicEstimator(), PAIRS),
        "learned": leave_one_task_out(tr, fit, PAIRS),
        "blend": leave_one_task_out(tr, lambda r: blend(fit(r)), PAIRS),
    }
    report["ood_ordering"] = ood_figures(estimators)
    report["inference_us_median"] = {
        n: per_prompt_us(e.estimate, TIMING_PROMPTS, 2000, digits=2)
        for n, e in estimators.items()
        if n != "embedding"
    }
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
