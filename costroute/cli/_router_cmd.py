"""``costroute router train | eval``: train a difficulty estimator, evaluate and calibrate routers.

The arguments and ``train`` live here; ``eval`` in :mod:`costroute.cli._router_eval`; what both
share (checks, outputs, progress) in :mod:`costroute.cli._router_io`.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any, cast

from costroute.cli._router_eval import pair_eval, policy_eval
from costroute.cli._router_io import (
    bad_flag,
    cannot_write,
    check_distinct,
    check_output,
    ready_outputs,
    require_keys,
)

if TYPE_CHECKING:
    from costroute.difficulty.train import Label

__all__ = ["add_router_command"]


def _train(args: argparse.Namespace) -> int:
    from costroute.difficulty.train import train
    from costroute.eval import load_jsonl

    if args.vocab_size < 0:
        raise bad_flag(
            f"--vocab-size {args.vocab_size} is negative.",
            "--vocab-size",
            "give 0 (no word features) or a positive number of words, e.g. 200",
        )
    label = args.label or ("weak_fails" if args.weak else "hardness")
    if args.strong and not args.weak and args.label is None:
        raise bad_flag(
            "--strong needs --weak (the label is then weak_fails).",
            "--weak",
            "add --weak MODEL, or drop --strong to train on hardness",
        )
    if label == "hardness" and (args.strong or args.weak):
        raise bad_flag(
            "--label hardness uses every model scored on all records, not --strong/--weak.",
            "--strong/--weak",
            "drop --strong/--weak, or use --label weak_fails or pair",
        )
    if label == "weak_fails" and not args.weak:
        raise bad_flag("--label weak_fails needs --weak.", "--weak", "add --weak MODEL")
    if label == "pair" and not (args.strong and args.weak):
        raise bad_flag(
            "--label pair needs --strong and --weak.", "--strong/--weak", "add both model keys"
        )
    if args.strong and args.strong == args.weak:
        raise bad_flag(
            f"--strong and --weak are the same model {args.strong!r}.",
            "--strong/--weak",
            "give two different model keys",
        )
    check_distinct({"--out": args.out}, {"--data": args.data})
    out = check_output(args.out, "--out")
    records = load_jsonl(args.data)
    require_keys(records, args)
    ready_outputs((out, "--out"))
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
        raise cannot_write(out, "--out", exc) from exc
    print(json.dumps({"out": str(out), "n_records": len(records), "label": label}))
    return 0


def _eval(args: argparse.Namespace) -> int:
    from costroute.eval import check_targets

    check_targets(args.target_quality, args.target_cost_share, required=False)
    return policy_eval(args) if args.policy else pair_eval(args)


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
