"""``costroute router eval --strong S --weak W``: the two-model RouteLLM metrics of an
estimator; with a target, calibrate its threshold into the weights file (``--estimator``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from costroute.cli._router_io import (
    Progress,
    bad_flag,
    calibrating,
    check_output,
    described,
    emit,
    estimator,
    eval_outputs,
    ready_outputs,
    require_keys,
    write_scores,
    write_text,
)

__all__ = ["pair_eval"]


def pair_eval(args: argparse.Namespace) -> int:
    from costroute.eval import (
        calibrate,
        costs_of,
        evaluate,
        load_jsonl,
        routing_curves,
    )
    from costroute.eval.plot import plot_pair

    for flag in ("models", "prices"):
        if getattr(args, flag):
            raise bad_flag(
                f"--{flag} applies to a --policy evaluation, not to --strong/--weak.",
                f"--{flag}",
                f"drop --{flag}, or evaluate a policy file with --policy",
            )
    if not (args.strong and args.weak):
        raise bad_flag(
            "router eval needs --strong and --weak (two-model metrics) or --policy FILE.",
            "--strong/--weak",
            "add --strong MODEL --weak MODEL (keys of the records' scores), or --policy FILE",
        )
    if args.strong == args.weak:
        raise bad_flag(
            f"--strong and --weak are the same model {args.strong!r}.",
            "--strong/--weak",
            "give two different model keys",
        )
    if args.resamples < 0:
        raise bad_flag(
            f"--resamples {args.resamples} is negative.",
            "--resamples",
            "give 0 (no interval) or a number of bootstrap resamples, e.g. 1000",
        )
    scores_out, plot_to = eval_outputs(args, {"--data": args.data, "--estimator": args.estimator})
    weights = None
    if calibrating(args) and args.estimator:
        from costroute.difficulty import ESTIMATOR_NAMES

        if args.estimator in ESTIMATOR_NAMES:
            raise bad_flag(
                f"--estimator {args.estimator!r} names a built-in estimator; calibration writes "
                "its threshold into a weights file.",
                "--estimator",
                "train a weights file first (costroute router train --data D --strong S --weak W "
                "--out pair.json) and pass --estimator pair.json",
            )
        weights = check_output(args.estimator, "--estimator")
    records = load_jsonl(args.data)
    require_keys(records, args)
    costs = costs_of(records, args.strong, args.weak)
    evaluate(records, [0.0] * len(records), args.strong, args.weak, costs)  # strong > weak?
    est = estimator(args.estimator)
    ready_outputs((scores_out, "--scores-out"), (plot_to, "--plot"), (weights, "--estimator"))
    scores = []
    with Progress("scoring") as progress:
        for i, r in enumerate(records):
            scores.append(est.estimate(r.messages).score)
            progress(i + 1, len(records))
    result = evaluate(
        records, scores, args.strong, args.weak, costs, resamples=args.resamples, seed=args.seed
    )
    out = {**result.to_dict(), "estimator": described(est, args.estimator)}
    if result.apgr_ci is not None:
        out["apgr_ci"] = list(result.apgr_ci)
        out["bootstrap"] = {"resamples": args.resamples, "seed": args.seed, "level": 0.95}
    cal = None
    if calibrating(args):
        cal = calibrate(
            records,
            scores,
            args.strong,
            args.weak,
            target_quality=args.target_quality,
            target_cost_share=args.target_cost_share,
        )
    if scores_out is not None:
        write_scores(scores_out, records, scores)
    if cal is not None:
        out["calibration"] = {
            "threshold": cal.threshold,
            "strong_share": cal.strong_share,
            "quality_fraction": cal.quality_fraction,
            "written_to": _write_threshold(args, cal.threshold),
        }
    if plot_to is not None:
        title = f"{getattr(est, 'name', 'router')} on {Path(args.data).name}"
        curves = routing_curves(records, scores, args.strong, args.weak)
        out["plot"] = str(plot_pair(result, curves, plot_to, title, cal))
    emit(args, out, _pair_text)
    return 0


def _write_threshold(args: argparse.Namespace, threshold: float) -> str | None:
    from costroute.difficulty import LearnedEstimator

    if not args.estimator:
        return None
    path = Path(args.estimator)
    est = LearnedEstimator.load(path).calibrated(
        threshold,
        strong=args.strong,
        weak=args.weak,
        target_quality=args.target_quality,
        target_cost_share=args.target_cost_share,
        data=str(args.data),
    )
    write_text(path, json.dumps(est.to_json(), indent=1) + "\n", "--estimator")
    return str(path)


def _pair_text(out: dict[str, Any]) -> list[str]:
    lines = [
        f"n={out['n']}  strong {out['strong']} quality {out['strong_quality']:.4f}"
        f"  weak {out['weak']} quality {out['weak_quality']:.4f}  (cost: {out['cost_basis']})"
        f"  estimator: {out['estimator']}",
        f"{'':8}{'APGR':>8}{'CPT(50%)':>10}{'CPT(80%)':>10}{'saved@95%':>11}",
    ]
    for name, f in (("router", out), ("random", out["random"]), ("oracle", out["oracle"])):
        lines.append(
            f"{name:8}{f['apgr']:>8.4f}{f['cpt50']:>10.2%}{f['cpt80']:>10.2%}"
            f"{f['cost_saved_at_95']:>11.2%}"
        )
    if out.get("apgr_ci"):
        lo, hi = out["apgr_ci"]
        b = out["bootstrap"]
        lines.append(
            f"router APGR {out['apgr']:.3f} [{lo:.3f}, {hi:.3f}] (95% bootstrap interval,"
            f" {b['resamples']} resamples of the records, seed {b['seed']})"
        )
    if "calibration" in out:
        c = out["calibration"]
        lines.append(
            f"calibrated: strong when score >= {c['threshold']:.4f} ({c['strong_share']:.1%} of"
            f" calls, {c['quality_fraction']:.1%} of strong quality on this data)"
        )
        if c["written_to"]:
            lines.append(f"written to {c['written_to']}")
    if "plot" in out:
        lines.append(f"plot: {out['plot']}")
    return lines
