"""``costroute router eval --policy FILE``: a policy over N models on labelled data, beside
every single model and the oracle; with a target, calibrate the policy file's swept value into
its params file (``<file stem>.params.json`` beside it).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from costroute.cli._router_io import (
    Progress,
    bad_flag,
    calibrating,
    described,
    emit,
    estimator,
    eval_outputs,
    ready_outputs,
    write_scores,
)
from costroute.errors import ConfigError

__all__ = ["policy_eval"]


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
    from costroute.eval.plot import plot
    from costroute.policy import load_policy_file, params_path

    if args.strong or args.weak:
        raise bad_flag(
            "--strong/--weak apply to the two-model evaluation, not to --policy.",
            "--strong/--weak",
            "drop them (a policy routes over --models), or drop --policy",
        )
    inputs = {"--data": args.data, "--estimator": args.estimator, "--prices": args.prices}
    params_file = str(params_path(args.policy)) if calibrating(args) else None
    scores_out, plot_to = eval_outputs(
        args, {**inputs, "--policy": args.policy, "its params file": params_file}
    )
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
