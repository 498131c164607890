"""``costroute router train | eval``: train a difficulty estimator, evaluate and calibrate routers.

The lead wires it in with one line in ``_commands.add_commands``: ``add_router_command(sub)``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from costroute.errors import ConfigError

if TYPE_CHECKING:
    from costroute.difficulty.train import Label

__all__ = ["Progress", "add_router_command"]


class Progress:
    """A progress bar on stderr (never stdout, so ``--json`` output stays clean): rich's when
    installed and stderr is a terminal, else a plain counter printed at every tenth.

    Use it as a context manager (or call :meth:`close`) so a bar stopped early is removed.
    """

    def __init__(self, label: str, stream: Any = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self._bar: Any = None
        self._task: Any = None
        self._step = -1

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the bar if it is still showing."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
            self._step = 10

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None and self._step < 0 and self.stream.isatty():
            try:
                from rich.console import Console
                from rich.progress import Progress as Bar

                self._bar = Bar(
                    console=Console(file=self.stream),
                    transient=True,
                    redirect_stdout=False,
                    redirect_stderr=False,
                )
                self._bar.start()
                self._task = self._bar.add_task(self.label, total=total)
            except ImportError:
                self._bar = None
        if self._bar is not None:
            self._bar.update(self._task, completed=done)
            if done >= total:
                self.close()
            return
        step = 10 * done // max(1, total)
        if step > self._step:
            self._step = step
            print(f"{self.label}: {done}/{total}", file=self.stream, flush=True)


def _bad_flag(message: str, flag: str, fix: str) -> ConfigError:
    return ConfigError(message, field=flag, fix=fix)


def _check_output(path: str, flag: str) -> Path:
    """The path of an output file, checked before any long work without creating anything:
    not a folder, and its folder (created when written) can be made and written to."""
    p = Path(path)
    fix = f"give {flag} a file path in a folder you can write to"
    if p.is_dir():
        raise _bad_flag(f"{flag} {path!r} is a folder, not a file.", flag, fix)
    folder = p.absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise _bad_flag(
            f"Cannot write {flag} {path!r}: {str(folder)!r} is not a folder.", flag, fix
        )
    if not os.access(folder, os.W_OK | os.X_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise _bad_flag(f"Cannot write {flag} {path!r}: permission denied.", flag, fix)
    return p


def _check_distinct(outputs: dict[str, str | None], inputs: dict[str, str | None]) -> None:
    """No output overwrites an input, and no two outputs are the same file."""
    seen: dict[Path, str] = {Path(v).resolve(): k for k, v in inputs.items() if v is not None}
    for flag, path in outputs.items():
        if path is None:
            continue
        other = seen.get(Path(path).resolve())
        if other is not None:
            raise _bad_flag(
                f"{flag} {path!r} is the same file as {other}.",
                flag,
                f"give {flag} another path",
            )
        seen[Path(path).resolve()] = flag


def _cannot_write(path: Path, flag: str, exc: OSError) -> ConfigError:
    return _bad_flag(
        f"Cannot write {flag} {str(path)!r}: {str(exc.strerror or exc).rstrip('.')}.",
        flag,
        f"give {flag} a file path in a folder you can write to",
    )


def _ready_outputs(*outputs: tuple[Path | None, str]) -> None:
    """Create the outputs' folders and try opening each file for writing (a file that did not
    exist is removed again): the last step before the long work, after every other check."""
    for path, flag in outputs:
        if path is None:
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                with path.open("ab"):
                    pass
            else:
                with path.open("xb"):
                    pass
                path.unlink()
        except OSError as exc:
            raise _cannot_write(path, flag, exc) from exc


def _write_text(path: Path, text: str, flag: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    except OSError as exc:
        raise _cannot_write(path, flag, exc) from exc


def _write_scores(path: Path, records: Sequence[Any], scores: Sequence[float]) -> None:
    lines = (
        json.dumps({"id": r.id, "score": s}) + "\n" for r, s in zip(records, scores, strict=True)
    )
    _write_text(path, "".join(lines), "--scores-out")


def _require_keys(records: Sequence[Any], args: argparse.Namespace) -> None:
    from costroute.eval import require_models

    for flag, key in (("--strong", args.strong), ("--weak", args.weak)):
        if key:
            require_models(records, [key], field=flag)


def _estimator(spec: str | None, policy: Any = None) -> Any:
    """``--estimator`` (a name or a weights file), else the policy's own, else the default."""
    from costroute import difficulty

    if spec:
        return difficulty.load_estimator(spec)
    own = getattr(policy, "estimator", None)
    return own if own is not None else difficulty.default_estimator()


def _described(est: Any, spec: str | None, policy: Any = None) -> str:
    """What scored the records, as the output names it: the ``--estimator`` given, else the
    policy's own estimator (its weights file, if any), else the default."""
    if spec:
        return spec
    name: str = est.name
    source: str | None = getattr(est, "source", None)
    if getattr(policy, "estimator", None) is est:
        return f"{source or name} (the policy's own)"
    return f"{name} (default)"


def _train(args: argparse.Namespace) -> int:
    from costroute.difficulty.train import train
    from costroute.eval import load_jsonl

    if args.vocab_size < 0:
        raise _bad_flag(
            f"--vocab-size {args.vocab_size} is negative.",
            "--vocab-size",
            "give 0 (no word features) or a positive number of words, e.g. 200",
        )
    label = args.label or ("weak_fails" if args.weak else "hardness")
    if args.strong and not args.weak and args.label is None:
        raise _bad_flag(
            "--strong needs --weak (the label is then weak_fails).",
            "--weak",
            "add --weak MODEL, or drop --strong to train on hardness",
        )
    if label == "hardness" and (args.strong or args.weak):
        raise _bad_flag(
            "--label hardness uses every model scored on all records, not --strong/--weak.",
            "--strong/--weak",
            "drop --strong/--weak, or use --label weak_fails or pair",
        )
    if label == "weak_fails" and not args.weak:
        raise _bad_flag("--label weak_fails needs --weak.", "--weak", "add --weak MODEL")
    if label == "pair" and not (args.strong and args.weak):
        raise _bad_flag(
            "--label pair needs --strong and --weak.", "--strong/--weak", "add both model keys"
        )
    if args.strong and args.strong == args.weak:
        raise _bad_flag(
            f"--strong and --weak are the same model {args.strong!r}.",
            "--strong/--weak",
            "give two different model keys",
        )
    _check_distinct({"--out": args.out}, {"--data": args.data})
    out = _check_output(args.out, "--out")
    records = load_jsonl(args.data)
    _require_keys(records, args)
    _ready_outputs((out, "--out"))
    est = train(
        records,
        args.strong,
        args.weak,
        label=cast("Label", label),
        vocab_size=args.vocab_size,
        meta={"training_data": str(args.data)},
    )
    try:
        est.save(out)
    except OSError as exc:
        raise _cannot_write(out, "--out", exc) from exc
    print(json.dumps({"out": str(out), "n_records": len(records), "label": label}))
    return 0


def _calibrating(args: argparse.Namespace) -> bool:
    return args.target_quality is not None or args.target_cost_share is not None


def _pair_eval(args: argparse.Namespace) -> int:
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
            raise _bad_flag(
                f"--{flag} applies to a --policy evaluation, not to --strong/--weak.",
                f"--{flag}",
                f"drop --{flag}, or evaluate a policy file with --policy",
            )
    if not (args.strong and args.weak):
        raise _bad_flag(
            "router eval needs --strong and --weak (two-model metrics) or --policy FILE.",
            "--strong/--weak",
            "add --strong MODEL --weak MODEL (keys of the records' scores), or --policy FILE",
        )
    if args.strong == args.weak:
        raise _bad_flag(
            f"--strong and --weak are the same model {args.strong!r}.",
            "--strong/--weak",
            "give two different model keys",
        )
    outputs = {"--scores-out": args.scores_out, "--plot": args.plot}
    _check_distinct(outputs, {"--data": args.data, "--estimator": args.estimator})
    scores_out = _check_output(args.scores_out, "--scores-out") if args.scores_out else None
    plot_to = _check_output(str(check_plot_path(args.plot)), "--plot") if args.plot else None
    weights = None
    if _calibrating(args) and args.estimator:
        from costroute.difficulty import ESTIMATOR_NAMES

        if args.estimator in ESTIMATOR_NAMES:
            raise _bad_flag(
                f"--estimator {args.estimator!r} names a built-in estimator; calibration writes "
                "its threshold into a weights file.",
                "--estimator",
                "train a weights file first (costroute router train --data D --strong S --weak W "
                "--out pair.json) and pass --estimator pair.json",
            )
        weights = _check_output(args.estimator, "--estimator")
    records = load_jsonl(args.data)
    _require_keys(records, args)
    costs = costs_of(records, args.strong, args.weak)
    evaluate(records, [0.0] * len(records), args.strong, args.weak, costs)  # strong > weak?
    est = _estimator(args.estimator)
    _ready_outputs((scores_out, "--scores-out"), (plot_to, "--plot"), (weights, "--estimator"))
    scores = []
    with Progress("scoring") as progress:
        for i, r in enumerate(records):
            scores.append(est.estimate(r.messages).score)
            progress(i + 1, len(records))
    result = evaluate(records, scores, args.strong, args.weak, costs)
    out = {**result.to_dict(), "estimator": _described(est, args.estimator)}
    cal = None
    if _calibrating(args):
        cal = calibrate(
            records,
            scores,
            args.strong,
            args.weak,
            target_quality=args.target_quality,
            target_cost_share=args.target_cost_share,
        )
    if scores_out is not None:
        _write_scores(scores_out, records, scores)
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
    _emit(args, out, _pair_text)
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
    _write_text(path, json.dumps(est.to_json(), indent=1) + "\n", "--estimator")
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
    from costroute.difficulty.train import pool_models
    from costroute.eval import require_models

    if args.models is None:
        models = pool_models(records)
        if not models:
            raise _bad_flag(
                f"No model is scored on every record of {args.data}.",
                "--models",
                "pass --models a,b,c with models every record scores",
            )
        return models
    models = [m.strip() for m in args.models.split(",")]
    if not all(models):
        raise _bad_flag(
            f"--models {args.models!r} has an empty name.",
            "--models",
            "give comma-separated model keys, e.g. --models gpt-4o,deepseek",
        )
    models = list(dict.fromkeys(models))
    require_models(records, models, field="--models")
    return models


def _checked_policies(pf: Any, knob: str | None, values: Sequence[Any], names: list[str]) -> Any:
    """Build the policy and every swept variant, and check each against the deployments
    (``names``), before any scoring: errors name the file (and line where they can)."""
    from costroute.policy import validate_policy

    policy = pf.build()
    for variant in [policy, *(pf.build(**{knob: v}) for v in values if knob is not None)]:
        try:
            validate_policy(variant, names)
        except ConfigError as exc:
            if exc.field and exc.field.startswith(pf.path):
                raise
            raise ConfigError(
                f"Policy file {pf.path}: {exc.reason.rstrip('.')}.", field=pf.path, fix=exc.fix
            ) from exc
    return policy


def _policy_eval(args: argparse.Namespace) -> int:
    from costroute.eval import load_jsonl
    from costroute.eval import policy_eval as pe
    from costroute.eval.plot import check_plot_path, plot
    from costroute.policy import load_policy_file

    if args.strong or args.weak:
        raise _bad_flag(
            "--strong/--weak apply to the two-model evaluation, not to --policy.",
            "--strong/--weak",
            "drop them (a policy routes over --models), or drop --policy",
        )
    outputs = {"--scores-out": args.scores_out, "--plot": args.plot}
    inputs = {"--data": args.data, "--estimator": args.estimator, "--prices": args.prices}
    _check_distinct(outputs, {**inputs, "--policy": args.policy})
    scores_out = _check_output(args.scores_out, "--scores-out") if args.scores_out else None
    plot_to = _check_output(str(check_plot_path(args.plot)), "--plot") if args.plot else None
    records = load_jsonl(args.data)
    models = _models(args, records)
    prices = None
    if args.prices:
        prices = pe.prices_for(models, pe.prices_from_csv(args.prices), f"--prices {args.prices}")
    pf = load_policy_file(args.policy)
    ((knob, values),) = pf.sweep.items() if pf.sweep else ((None, []),)
    if _calibrating(args):
        if knob is None:
            raise _bad_flag(
                f"Policy file {args.policy} has no SWEEP to calibrate.",
                "SWEEP",
                'add e.g. SWEEP = {"cost_weight": [0.0, 0.1, 0.5, 1.0]} and PARAMS to the file',
            )
        pe.check_params(args.policy, knob, values)
    deps = pf.namespace.get("deployments")
    policy = _checked_policies(pf, knob, values, [d.name for d in deps] if deps else models)
    est = _estimator(args.estimator, policy)
    _ready_outputs((scores_out, "--scores-out"), (plot_to, "--plot"))
    with Progress("scoring") as progress:
        prepared = pe.prepare(records, models, est, prices, deps, progress)
    make: Callable[[Any], Any] | None = (lambda v: pf.build(**{knob: v})) if knob else None
    with Progress("sweep") as progress:
        result = pe.evaluate_policy(
            prepared, pf.build(), make=make, values=values, progress=progress
        )
    out = {**result.to_dict(), "estimator": _described(est, args.estimator, policy)}
    pick = None
    if _calibrating(args):
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
                f"{exc.reason} {args.policy} was not modified.", field=exc.field, fix=exc.fix
            ) from exc
    if scores_out is not None:
        _write_scores(scores_out, prepared.records, [s.difficulty for s in prepared.signals])
    if pick is not None:
        assert knob is not None
        pe.write_params(args.policy, {knob: pick.value})
        out["calibration"] = {
            knob: pick.value,
            "accuracy": pick.accuracy,
            "cost_share": pick.cost_share,
            "written_to": str(args.policy),
        }
    if plot_to is not None:
        out["plot"] = str(plot(result, plot_to, f"{pf.build().name} on {Path(args.data).name}"))
    _emit(args, out, _policy_text)
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


def _emit(
    args: argparse.Namespace, out: dict[str, Any], text: Callable[[dict[str, Any]], list[str]]
) -> None:
    print(json.dumps(out, indent=2) if args.json else "\n".join(text(out)))


def _eval(args: argparse.Namespace) -> int:
    from costroute.eval import check_targets

    check_targets(args.target_quality, args.target_cost_share, required=False)
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
    p.add_argument("--vocab-size", type=int, default=0, help="word features to add (>= 0)")
    p.set_defaults(func=_train)

    p = cmds.add_parser("eval", help="RouteLLM metrics (--strong/--weak) or an N-model --policy")
    p.add_argument("--data", required=True, help="labelled JSON lines")
    p.add_argument(
        "--estimator",
        default=None,
        help="default, heuristic, learned, embedding or a weights file (default: the policy's "
        "own estimator, else the default one)",
    )
    p.add_argument("--strong", default=None, help="strong model key (two-model metrics)")
    p.add_argument("--weak", default=None, help="weak model key (two-model metrics)")
    p.add_argument("--policy", default=None, help="policy file to evaluate over N models")
    p.add_argument("--models", default=None, help="comma-separated models (default: all scored)")
    p.add_argument("--prices", default=None, help="CSV of model prices (USD per 1M tokens)")
    p.add_argument("--plot", default=None, help="write a plot (.html, .svg or .png)")
    p.add_argument(
        "--scores-out", default=None, help='write the estimator\'s {"id","score"} per record'
    )
    p.add_argument(
        "--target-quality",
        type=float,
        default=None,
        help="calibrate: keep this fraction (0-1) of the strong/reference model's quality",
    )
    p.add_argument(
        "--target-cost-share",
        type=float,
        default=None,
        help="calibrate: send at most this fraction (0-1) of calls to --strong, or spend at most"
        " this fraction of the reference's cost with --policy",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_eval)
