"""Train, evaluate and calibrate a router on labelled data, then ship it (a policy file, a pair).

Run: python examples/train_evaluate_calibrate.py
     python examples/train_evaluate_calibrate.py --data out/zeroeval \
         --strong gpt-4o-2024-08-06 --weak deepseek-v2.5-0908 [--out DIR]

Without --data it makes a small synthetic data set (three models, easy chat and hard maths;
--strong big --weak small). With --data, --strong and --weak are keys of the records' scores.
Thresholds are chosen on the TRAIN split only; the TEST split is read once, at the end. The
files it writes (weights, quality table, policy file, plot) go to --out, else to a temporary
folder removed at the end.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

import costroute
from costroute.errors import CostrouteError
from costroute.eval import Record, calibrate, evaluate, load_jsonl, require_models
from costroute.eval import policy_eval as pe
from costroute.eval.cv import scores_for
from costroute.eval.data import dump_jsonl
from costroute.eval.plot import plot
from costroute.policy import QualityTable, load_policy_file, pair
from costroute.train.fit import pool_models, train

POLICY_FILE = '''"""My tuned policy: a learned per-model quality table."""
from pathlib import Path

from costroute.policy import QualityTable, quality_table

PARAMS = {"cost_weight": 0.1}
SWEEP = {"cost_weight": [0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.0, 2.0, 5.0]}


def make_policy(cost_weight=0.1):
    return quality_table(QualityTable.load(Path(__file__).with_name("table.json")), cost_weight)
'''


def synthetic(folder: Path, seed: int = 0) -> tuple[Path, Path]:
    """Train/test JSON lines: 'small' fails most hard items, 'mid' some, 'big' few."""
    rng = random.Random(seed)
    for split, n in (("train", 600), ("test", 200)):
        rows = []
        for i in range(n):
            hard = rng.random() < 0.4
            text = (
                f"Prove that n^2 + n + {i} is never divisible by 5 for any integer n; show each step."
                if hard
                else rng.choice(["hello!", "What's the capital of Peru?", "Say thanks nicely."])
            )
            ok = (
                {"small": 0.3, "mid": 0.6, "big": 0.95}
                if hard
                else {"small": 0.97, "mid": 0.98, "big": 0.99}
            )
            scores = {m: float(rng.random() < p) for m, p in ok.items()}
            costs = {"small": 0.0001, "mid": 0.0006, "big": 0.004}
            rows.append(
                Record(f"{split}{i}", ({"role": "user", "content": text},), scores, costs=costs)
            )
        dump_jsonl(rows, folder / f"{split}.jsonl")
    return folder / "train.jsonl", folder / "test.jsonl"


def run(args: argparse.Namespace, work: Path) -> None:
    """Train, evaluate, calibrate and ship, writing files to ``work``."""
    train_path, test_path = (
        (args.data / "train.jsonl", args.data / "test.jsonl") if args.data else synthetic(work)
    )
    tr, te = load_jsonl(train_path), load_jsonl(test_path)
    strong, weak = (
        (args.strong, args.weak) if args.data else (args.strong or "big", args.weak or "small")
    )
    if not (strong and weak):
        raise costroute.ConfigError(
            "--data needs --strong and --weak.",
            field="--strong/--weak",
            fix=f"pass two of the models scored on every record: {', '.join(pool_models(tr)[:8])}",
        )
    require_models(tr, [strong], field="--strong")
    require_models(tr, [weak], field="--weak")

    # 1. Train a difficulty estimator (two models: weak_fails label) and evaluate it (RouteLLM).
    #    The threshold chosen on train is written into the weights file (as `costroute router
    #    eval --estimator FILE --target-quality 0.95` does), where pair() finds it (step 5).
    est = train(tr, strong, weak, label="weak_fails")
    cal = calibrate(tr, scores_for(est, tr), strong, weak, target_quality=0.95)
    est = est.calibrated(cal.threshold, strong=strong, weak=weak, target_quality=0.95)
    est.save(work / "weights.json")
    res = evaluate(te, scores_for(est, te), strong, weak)
    print(
        f"estimator: test APGR {res.apgr:.3f} (random {res.random.apgr:.3f}); "
        f"threshold {cal.threshold:.3f} chosen on train for 95% of strong quality"
    )

    # 2. A per-model quality table over every model, learned on train.
    models = pool_models(tr)
    prep_tr = pe.prepare(tr, models, est)
    QualityTable.fit(
        (s.difficulty, s.category, r.scores)
        for r, s in zip(prep_tr.records, prep_tr.signals, strict=True)
    ).save(work / "table.json")
    (work / "policy.py").write_text(POLICY_FILE, encoding="utf-8")

    # 3. Calibrate the policy's cost weight on TRAIN (<= 30% of the best model's cost) and store
    #    it in policy.params.json beside the file, which the loader reads over its PARAMS
    #    (policy.py itself is left as written; ConfigError if no swept value fits).
    pf = load_policy_file(work / "policy.py")
    knob, values = next(iter(pf.sweep.items()))
    swept = pe.evaluate_policy(
        prep_tr, pf.build(), make=lambda v: pf.build(**{knob: v}), values=values
    )
    pick = pe.calibrate_sweep(
        swept.sweep,
        swept.singles[swept.reference].accuracy,
        target_cost_share=0.3,
        knob=knob,
        reference=swept.reference,
    )
    written = pe.write_params(work / "policy.py", {knob: pick.value})
    print(
        f"calibrated on train: {knob}={pick.value} ({pick.accuracy:.3f} at {pick.cost_share:.0%}),"
        f" stored in {written.name}"
    )

    # 4. Evaluate once on TEST, plot, and route a live request with the shipped file.
    pf = load_policy_file(work / "policy.py")
    result = pe.evaluate_policy(
        pe.prepare(te, models, est), pf.build(), make=lambda v: pf.build(**{knob: v}), values=values
    )
    for p in (result.policy, result.oracle, *result.singles.values()):
        print(
            f"  {p.label:24} accuracy {p.accuracy:.3f}  cost {p.cost_share:6.1%} of {result.reference}"
        )
    print(
        "plot:",
        plot(result, work / "frontier.html"),
        "" if args.out else "(temporary: pass --out DIR to keep it)",
    )
    router = costroute.Router(
        pe.deployments_for(models, prep_tr.prices), policy=pf.build(), estimator=est
    )
    hard = [{"role": "user", "content": "Prove that 7 divides 8^n - 1 for all n."}]
    plan = router.explain(hard)
    print("live plan:", plan, plan.reasons[-1])

    # 5. Or ship the two-model router: pair() reads the calibrated threshold from the weights
    #    file, and the router scores requests with that file's estimator.
    pair_router = costroute.Router(
        pe.deployments_for([strong, weak], prep_tr.prices),
        policy=pair(strong, weak, estimator=work / "weights.json"),
    )
    plan = pair_router.explain(hard)
    print(
        "pair plan:",
        plan.primary.deployment,
        "|",
        next(r for r in plan.reasons if "threshold" in r),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description="Train, evaluate and calibrate a router.")
    ap.add_argument("--data", type=Path, default=None, help="folder with train.jsonl, test.jsonl")
    ap.add_argument("--strong", default=None, help="strong model key (synthetic data: big)")
    ap.add_argument("--weak", default=None, help="weak model key (synthetic data: small)")
    ap.add_argument("--out", type=Path, default=None, help="keep the files written here")
    args = ap.parse_args()
    try:
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            run(args, args.out)
        else:
            with tempfile.TemporaryDirectory(prefix="costroute-") as tmp:
                run(args, Path(tmp))
    except (CostrouteError, OSError) as exc:
        sys.exit(f"train_evaluate_calibrate: {exc}")


if __name__ == "__main__":
    main()
