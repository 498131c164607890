"""``costroute router eval``: two-model RouteLLM metrics, or a policy over N models; both can
calibrate (a threshold into a weights file, a swept value into the policy file's params file,
``<file stem>.params.json`` beside it).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from costroute.cli._router_io import (
    Progress,
    bad_flag,
    calibrating,
    check_distinct,
    check_output,
    described,
    emit,
    estimator,
    ready_outputs,
    require_keys,
    write_scores,
    write_text,
)
from costroute.errors import ConfigError

__all__ = ["pair_eval", "policy_eval"]


def pair_eval(args: argparse.Namespace) -> int:
    from costroute.eval import (
        calibrate,
        costs_of,
        evaluate,
        load_jsonl,
        routing_curves,
    )
    from costroute.eval.plot import check_plot_path, plot_pair

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
    outputs = {"--scores-out": args.scores_out, "--plot": args.plot}
    check_distinct(outputs, {"--data": args.data, "--estimator": args.estimator})
    scores_out = check_output(args.scores_out, "--scores-out") if args.scores_out else None
    plot_to = check_output(str(check_plot_path(args.plot)), "--plot") if args.plot else None
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


def _models(args: argparse.Namespace, records: Sequence[Any]) -> list[str]:
    from costroute.eval import require_models
    from costroute.train.fit import pool_models

    if args.models is None:
        models = pool_models(records)
        if not models:
            raise bad_flag(
                f"No model is scored on every record of {args.data}.",
                "--models",
                "pass --models a,b,c with models every record scores",
            )
        return models
    models = [m.strip() for m in args.models.split(",")]
    if not all(models):
        raise bad_flag(
            f"--models {args.models!r} has an empty name.",
            "--models",
            "give comma-separated model keys, e.g. --models gpt-4o,deepseek",
        )
    models = list(dict.fromkeys(models))
    require_models(records, models, field="--models")
    return models


def policy_eval(args: argparse.Namespace) -> int:
    from costroute.eval import load_jsonl
    from costroute.eval import policy_eval as pe
    from costroute.eval.plot import check_plot_path, plot
    from costroute.policy import load_policy_file, params_path

    if args.strong or args.weak:
        raise bad_flag(
            "--strong/--weak apply to the two-model evaluation, not to --policy.",
            "--strong/--weak",
            "drop them (a policy routes over --models), or drop --policy",
        )
    outputs = {"--scores-out": args.scores_out, "--plot": args.plot}
    inputs = {"--data": args.data, "--estimator": args.estimator, "--prices": args.prices}
    params_file = str(params_path(args.policy)) if calibrating(args) else None
    check_distinct(outputs, {**inputs, "--policy": args.policy, "its params file": params_file})
    scores_out = check_output(args.scores_out, "--scores-out") if args.scores_out else None
    plot_to = check_output(str(check_plot_path(args.plot)), "--plot") if args.plot else None
    records = load_jsonl(args.data)
    models = _models(args, records)
    prices = None
    if args.prices:
        prices = pe.prices_for(models, pe.prices_from_csv(args.prices), f"--prices {args.prices}")
    pf = load_policy_file(args.policy)
    ((knob, values),) = pf.sweep.items() if pf.sweep else ((None, []),)
    if calibrating(args):
        if knob is None:
            raise bad_flag(
                f"Policy file {args.policy} has no SWEEP to calibrate.",
                "SWEEP",
                'add e.g. SWEEP = {"cost_weight": [0.0, 0.1, 0.5, 1.0]} and make_policy(**params)',
            )
        pe.check_params(args.policy, knob, values)
    deps = pf.namespace.get("deployments")
    # Every policy the evaluation runs, built and checked once, before any scoring.
    names = [d.name for d in deps] if deps else models
    policy = pf.checked(names)
    variants = {id(v): pf.checked(names, **{knob: v}) for v in values} if knob else {}
    est = estimator(args.estimator, policy)
    ready_outputs((scores_out, "--scores-out"), (plot_to, "--plot"))
    with Progress("scoring") as progress:
        prepared = pe.prepare(records, models, est, prices, deps, progress)
    make: Callable[[Any], Any] | None = (lambda v: variants[id(v)]) if knob else None
    with Progress("sweep") as progress:
        result = pe.evaluate_policy(prepared, policy, make=make, values=values, progress=progress)
    out = {**result.to_dict(), "estimator": described(est, args.estimator, policy)}
    pick = None
    if calibrating(args):
        assert knob is not None
        try:
            pick = pe.calibrate_sweep(
                result.sweep,
                result.singles[result.reference].accuracy,
                target_quality=args.target_quality,
                target_cost_share=args.target_cost_share,
                knob=knob,
                reference=result.reference,
            )
        except ConfigError as exc:
            raise ConfigError(
                f"{exc.reason} Nothing was written.", field=exc.field, fix=exc.fix
            ) from exc
    if scores_out is not None:
        write_scores(scores_out, prepared.records, [s.difficulty for s in prepared.signals])
    if pick is not None:
        assert knob is not None
        params_file = str(pe.write_params(args.policy, {knob: pick.value}))
        out["calibration"] = {
            knob: pick.value,
            "accuracy": pick.accuracy,
            "cost_share": pick.cost_share,
            "written_to": params_file,
        }
    if plot_to is not None:
        out["plot"] = str(plot(result, plot_to, f"{policy.name} on {Path(args.data).name}"))
    emit(args, out, _policy_text)
    return 0


def _policy_text(out: dict[str, Any]) -> list[str]:
    lines = [
        f"n={out['n']}  reference (best single model): {out['reference']}  "
        f"estimator: {out['estimator']}"
    ]
    bound = [out["cascade_bound"]] if out.get("cascade_bound") else []
    rows = [out["policy"], *bound, out["oracle"], *out["singles"].values()]
    lines.append(f"{'router':34}{'accuracy':>10}{'cost $':>10}{'cost share':>12}")
    for p in rows:
        lines.append(
            f"{p['label'][:33]:34}{p['accuracy']:>10.4f}{p['cost_usd']:>10.4f}{p['cost_share']:>12.1%}"
        )
    if out["frontier"]:
        front = ", ".join(
            f"{p['value']}: {p['accuracy']:.3f}@{p['cost_share']:.0%}" for p in out["frontier"]
        )
        lines.append(f"frontier: {front}")
    lines.extend(f"note: {n}" for n in out.get("notes", ()))
    if "calibration" in out:
        lines.append(f"calibrated and written: {out['calibration']}")
    if "plot" in out:
        lines.append(f"plot: {out['plot']}")
    return lines
