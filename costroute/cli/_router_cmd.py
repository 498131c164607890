"""``costroute router train | eval``: train a difficulty estimator, evaluate and calibrate routers.

The lead wires it in with one line in ``_commands.add_commands``: ``add_router_command(sub)``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from costroute.difficulty.train import Label

__all__ = ["Progress", "add_router_command"]


class Progress:
    """A progress bar on stderr: rich's when installed and stderr is a terminal, else a plain
    counter printed at every tenth."""

    def __init__(self, label: str, stream: Any = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self._bar: Any = None
        self._task: Any = None
        self._step = -1

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None and self._step < 0 and self.stream.isatty():
            try:
                from rich.progress import Progress as Bar

                self._bar = Bar(console=None, transient=True)
                self._bar.start()
                self._task = self._bar.add_task(self.label, total=total)
            except ImportError:
                self._bar = None
        if self._bar is not None:
            self._bar.update(self._task, completed=done)
            if done >= total:
                self._bar.stop()
            return
        step = 10 * done // max(1, total)
        if step > self._step:
            self._step = step
            print(f"{self.label}: {done}/{total}", file=self.stream, flush=True)


def _estimator(path: str | None) -> Any:
    from costroute import difficulty

    return difficulty.LearnedEstimator.load(path) if path else difficulty.default_estimator()


def _train(args: argparse.Namespace) -> int:
    from costroute.difficulty.train import train
    from costroute.eval import load_jsonl

    records = load_jsonl(args.data)
    label = args.label or ("weak_fails" if args.weak else "hardness")
    est = train(
        records,
        args.strong,
        args.weak,
        label=cast("Label", label),
        vocab_size=args.vocab_size,
        meta={"training_data": str(args.data)},
    )
    est.save(args.out)
    print(json.dumps({"out": str(args.out), "n_records": len(records), "label": label}))
    return 0


def _pair_eval(args: argparse.Namespace) -> int:
    from costroute.eval import calibrate, costs_of, evaluate, load_jsonl

    if not (args.strong and args.weak):
        print("costroute: router eval needs --strong and --weak (or --policy)", file=sys.stderr)
        return 2
    records = load_jsonl(args.data)
    est = _estimator(args.estimator)
    progress = Progress("scoring")
    scores = []
    for i, r in enumerate(records):
        scores.append(est.estimate(r.messages).score)
        progress(i + 1, len(records))
    result = evaluate(
        records, scores, args.strong, args.weak, costs_of(records, args.strong, args.weak)
    )
    out = result.to_dict()
    if args.scores_out:
        with Path(args.scores_out).open("w", encoding="utf-8") as f:
            for r, s in zip(records, scores, strict=True):
                f.write(json.dumps({"id": r.id, "score": s}) + "\n")
    if args.target_quality is not None or args.target_cost_share is not None:
        cal = calibrate(
            records,
            scores,
            args.strong,
            args.weak,
            target_quality=args.target_quality,
            target_cost_share=args.target_cost_share,
        )
        out["calibration"] = {
            "threshold": cal.threshold,
            "strong_share": cal.strong_share,
            "quality_fraction": cal.quality_fraction,
            "written_to": _write_threshold(args, cal.threshold),
        }
    _emit(args, out, _pair_text)
    return 0


def _write_threshold(args: argparse.Namespace, threshold: float) -> str | None:
    if not args.estimator:
        return None
    path = Path(args.estimator)
    obj = json.loads(path.read_text("utf-8"))
    obj.setdefault("meta", {})["calibration"] = {
        "strong": args.strong,
        "weak": args.weak,
        "threshold": threshold,
        "target_quality": args.target_quality,
        "target_cost_share": args.target_cost_share,
        "data": str(args.data),
    }
    path.write_text(json.dumps(obj, indent=1) + "\n", "utf-8")
    return str(path)


def _pair_text(out: dict[str, Any]) -> list[str]:
    lines = [
        f"n={out['n']}  strong {out['strong']} quality {out['strong_quality']:.4f}"
        f"  weak {out['weak']} quality {out['weak_quality']:.4f}  (cost: {out['cost_basis']})",
        f"{'':8}{'APGR':>8}{'CPT(50%)':>10}{'CPT(80%)':>10}{'saved@95%':>11}",
    ]
    for name, f in (("router", out), ("random", out["random"]), ("oracle", out["oracle"])):
        lines.append(
            f"{name:8}{f['apgr']:>8.4f}{f['cpt50']:>10.2%}{f['cpt80']:>10.2%}"
            f"{f['cost_saved_at_95']:>11.2%}"
        )
    if "calibration" in out:
        c = out["calibration"]
        lines.append(
            f"calibrated: strong when score >= {c['threshold']:.4f} ({c['strong_share']:.1%} of"
            f" calls, {c['quality_fraction']:.1%} of strong quality on this data)"
        )
    return lines


def _policy_eval(args: argparse.Namespace) -> int:
    from costroute.difficulty.train import pool_models
    from costroute.eval import load_jsonl
    from costroute.eval import policy_eval as pe
    from costroute.eval.plot import plot
    from costroute.policy import load_policy_file, write_params

    records = load_jsonl(args.data)
    models = args.models.split(",") if args.models else pool_models(records)
    prices = pe.prices_from_csv(args.prices) if args.prices else None
    if prices is not None:
        prices = {m: prices[m] for m in models}
    pf = load_policy_file(args.policy)
    deps = pf.namespace.get("deployments")
    prepared = pe.prepare(
        records, models, _estimator(args.estimator), prices, deps, Progress("scoring")
    )
    ((knob, values),) = pf.sweep.items() if pf.sweep else ((None, []),)
    make: Callable[[Any], Any] | None = (lambda v: pf.build(**{knob: v})) if knob else None
    result = pe.evaluate_policy(
        prepared, pf.build(), make=make, values=values, progress=Progress("sweep")
    )
    out = result.to_dict()
    if args.target_quality is not None or args.target_cost_share is not None:
        if knob is None:
            print(f"costroute: {args.policy} has no SWEEP to calibrate", file=sys.stderr)
            return 2
        pick = pe.calibrate_sweep(
            result.sweep,
            result.singles[result.reference].accuracy,
            target_quality=args.target_quality,
            target_cost_share=args.target_cost_share,
        )
        write_params(args.policy, {**pf.params, knob: pick.value})
        out["calibration"] = {
            knob: pick.value,
            "accuracy": pick.accuracy,
            "cost_share": pick.cost_share,
        }
    if args.plot:
        out["plot"] = str(plot(result, args.plot, f"{pf.build().name} on {Path(args.data).name}"))
    _emit(args, out, _policy_text)
    return 0


def _policy_text(out: dict[str, Any]) -> list[str]:
    lines = [f"n={out['n']}  reference (best single model): {out['reference']}"]
    rows = [out["policy"], out["oracle"], *out["singles"].values()]
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
    if "calibration" in out:
        lines.append(f"calibrated and written: {out['calibration']}")
    if "plot" in out:
        lines.append(f"plot: {out['plot']}")
    return lines


def _emit(
    args: argparse.Namespace, out: dict[str, Any], text: Callable[[dict[str, Any]], list[str]]
) -> None:
    print(json.dumps(out, indent=2) if args.json else "\n".join(text(out)))


def _eval(args: argparse.Namespace) -> int:
    if args.target_quality is not None and args.target_cost_share is not None:
        print("costroute: give --target-quality or --target-cost-share, not both", file=sys.stderr)
        return 2
    return _policy_eval(args) if args.policy else _pair_eval(args)


def add_router_command(sub: Any) -> None:
    """Add ``router train`` and ``router eval`` to the ``costroute`` subcommands."""
    router = sub.add_parser("router", help="train, evaluate and calibrate routers on labelled data")
    cmds = router.add_subparsers(dest="router_command", required=True, metavar="ACTION")

    p = cmds.add_parser("train", help="train a difficulty estimator on labelled JSON lines")
    p.add_argument("--data", required=True, help="labelled JSON lines (training split)")
    p.add_argument("--out", required=True, help="where to write the weights (JSON)")
    p.add_argument("--strong", default=None, help="strong model key (labels weak_fails/pair)")
    p.add_argument("--weak", default=None, help="weak model key")
    p.add_argument("--label", choices=["hardness", "weak_fails", "pair"], default=None)
    p.add_argument("--vocab-size", type=int, default=0)
    p.set_defaults(func=_train)

    p = cmds.add_parser("eval", help="RouteLLM metrics (--strong/--weak) or an N-model --policy")
    p.add_argument("--data", required=True, help="labelled JSON lines")
    p.add_argument("--estimator", default=None, help="weights file (default estimator if absent)")
    p.add_argument("--strong", default=None)
    p.add_argument("--weak", default=None)
    p.add_argument("--policy", default=None, help="policy file to evaluate over N models")
    p.add_argument("--models", default=None, help="comma-separated models (default: all scored)")
    p.add_argument("--prices", default=None, help="CSV of model prices (USD per 1M tokens)")
    p.add_argument("--plot", default=None, help="write a plot (.html, .svg or .png)")
    p.add_argument("--scores-out", default=None, help='write {"id","score"} per record')
    p.add_argument("--target-quality", type=float, default=None)
    p.add_argument("--target-cost-share", type=float, default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_eval)
