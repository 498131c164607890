"""``costroute router train | eval``: train a difficulty estimator, evaluate and calibrate routers.

The arguments live here; ``train`` in :mod:`costroute.cli._router_train`; ``eval`` in
:mod:`costroute.cli._router_eval_pair` (``--strong/--weak``) and
:mod:`costroute.cli._router_eval_policy` (``--policy``); what they share (checks, outputs,
progress) in :mod:`costroute.cli._router_io`.
"""

from __future__ import annotations

import argparse
from typing import Any

from costroute.cli._router_eval_pair import pair_eval
from costroute.cli._router_eval_policy import policy_eval
from costroute.cli._router_train import train

__all__ = ["add_router_command"]


def _eval(args: argparse.Namespace) -> int:
    from costroute.eval import check_targets

    check_targets(args.target_quality, args.target_cost_share, required=False)
    return policy_eval(args) if args.policy else pair_eval(args)


def add_router_command(sub: Any) -> None:
    """Add ``router train`` and ``router eval`` to the ``costroute`` subcommands."""
    router = sub.add_parser("router", help="train, evaluate and calibrate routers on labelled data")
    cmds = router.add_subparsers(dest="router_command", required=True, metavar="ACTION")

    p = cmds.add_parser("train", help="train a difficulty estimator on labelled JSON lines")
    p.add_argument("--data", default=None, help="labelled JSON lines (training split)")
    p.add_argument(
        "--from-ledger",
        default=None,
        metavar="URL",
        help="train a pair router on the outcomes recorded in this ledger instead of --data",
    )
    p.add_argument("--since", default=None, help="--from-ledger: outcomes recorded from (ISO)")
    p.add_argument("--until", default=None, help="--from-ledger: ... and before (ISO)")
    p.add_argument(
        "--holdout",
        type=float,
        default=0.2,
        help="--from-ledger: newest share of calls measuring before/after (default 0.2)",
    )
    p.add_argument(
        "--target-quality",
        type=float,
        default=None,
        help="--from-ledger: calibrate to keep this fraction of the strong model's quality",
    )
    p.add_argument(
        "--target-cost-share",
        type=float,
        default=None,
        help="--from-ledger: calibrate to send at most this fraction of calls to --strong",
    )
    p.add_argument(
        "--learner",
        choices=["two", "gain"],
        default=None,
        help="--from-ledger: two (default: P(strong right) and P(weak right) fitted apart) or "
        "gain (one regression of the gain label)",
    )
    p.add_argument(
        "--embeddings",
        action="store_true",
        help="--from-ledger: train an embedding head (over the --learner estimator) on the calls "
        "that kept their prompt embedding (Router(keep_embeddings=True); needs the embed extra)",
    )
    p.add_argument("--out", required=True, help="where to write the weights (JSON)")
    p.add_argument("--strong", default=None, help="strong model key (a pair's labels)")
    p.add_argument("--weak", default=None, help="weak model key")
    p.add_argument(
        "--label",
        choices=["gain", "weak_fails", "pair", "hardness"],
        default=None,
        help="gain (a pair's default: strong wins 1, tie 0.5, weak wins 0), weak_fails, pair "
        "(strong wins 1, else 0), hardness (without a pair); with --cv: fixes the label",
    )
    p.add_argument(
        "--vocab-size",
        type=int,
        default=None,
        help="word features to add (>= 0); with --cv: fixes it (else 0, 200 and 1000 are tried)",
    )
    p.add_argument(
        "--cv",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="pick label, vocabulary size and regularisation by k-fold CV on --data (on by "
        "default with --strong/--weak; the table goes to stderr)",
    )
    p.add_argument("--folds", type=int, default=5, help="CV folds (default 5)")
    p.add_argument("--seed", type=int, default=0, help="seed of the folds and bootstrap")
    p.add_argument(
        "--resamples",
        type=int,
        default=1000,
        help="bootstrap resamples for the CV APGR's 95%% interval (0: none; default 1000)",
    )
    p.set_defaults(func=train)

    p = cmds.add_parser("eval", help="RouteLLM metrics (--strong/--weak) or an N-model --policy")
    p.add_argument("--data", required=True, help="labelled JSON lines")
    p.add_argument(
        "--estimator",
        default=None,
        help="default, levels, heuristic, learned, embedding or a weights file (default: the "
        "policy's own estimator, else the default one)",
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
    p.add_argument(
        "--resamples",
        type=int,
        default=1000,
        help="bootstrap resamples for the APGR's 95%% interval (0: none; default 1000)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_eval)
