"""``costroute router train``: train a difficulty estimator on labelled JSON lines (with
cross-validated choices for a pair), or a pair router on the outcomes a ledger recorded.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any, cast

from costroute.cli._router_io import (
    bad_flag,
    cannot_write,
    check_distinct,
    check_output,
    ready_outputs,
    require_keys,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from costroute.eval.from_ledger import LedgerTrainReport
    from costroute.train.fit import Label

__all__ = ["train"]


def _since(value: str | None, flag: str) -> Any:
    """An ISO date or datetime (UTC when it names no zone), or None."""
    import datetime as dt

    if value is None:
        return None
    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError:
        raise bad_flag(
            f"{flag} {value!r} is not an ISO date or datetime.",
            flag,
            "e.g. 2026-11-01 or 2026-11-01T09:00+01:00",
        ) from None
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def _train_from_ledger(args: argparse.Namespace) -> int:
    from costroute.eval import check_targets, from_ledger

    for flag, given in (
        ("--data", args.data),
        ("--label", args.label),
        ("--vocab-size", args.vocab_size),
        ("--cv", args.cv),
    ):
        if given:
            raise bad_flag(
                f"{flag} applies to JSON lines, not to --from-ledger (the ledger keeps hand "
                "features only; the label is gain).",
                flag,
                f"drop {flag}, or train on JSON lines with --data",
            )
    if not (args.strong and args.weak) or args.strong == args.weak:
        raise bad_flag(
            "--from-ledger trains a pair router: it needs two different --strong and --weak "
            "(deployment or model names of the ledger's calls).",
            "--strong/--weak",
            "add --strong DEPLOYMENT --weak DEPLOYMENT",
        )
    check_targets(args.target_quality, args.target_cost_share, required=False)
    out = check_output(args.out, "--out")
    since, until = _since(args.since, "--since"), _since(args.until, "--until")
    ready_outputs((out, "--out"))
    fit: Callable[
        ..., tuple[Any, LedgerTrainReport]
    ] = (  # the embedding head, or the hand features alone: the same arguments
        from_ledger.train_embedding_from_ledger
        if args.embeddings
        else from_ledger.train_from_ledger
    )
    est, report = fit(
        args.from_ledger,
        strong=args.strong,
        weak=args.weak,
        since=since,
        until=until,
        holdout=args.holdout,
        target_quality=args.target_quality,
        target_cost_share=args.target_cost_share,
        learner=args.learner or "two",
    )
    try:
        est.save(out)
    except OSError as exc:
        raise cannot_write(out, "--out", exc) from exc
    print("\n".join(report.lines()), file=sys.stderr)
    print(json.dumps({"out": str(out), "label": "gain", **report.to_dict()}))
    return 0


def train(args: argparse.Namespace) -> int:
    from costroute.eval import load_jsonl
    from costroute.eval.cv import train_selected
    from costroute.train.fit import train

    if args.from_ledger:
        return _train_from_ledger(args)
    if not args.data:
        raise bad_flag(
            "router train needs --data FILE (labelled JSON lines) or --from-ledger URL.",
            "--data",
            "add --data train.jsonl, or --from-ledger sqlite:///path/ledger.sqlite",
        )
    if (
        args.since
        or args.until
        or args.target_quality is not None
        or (args.target_cost_share is not None)
        or args.learner
        or args.embeddings
    ):
        raise bad_flag(
            "--since, --until, --target-*, --learner and --embeddings apply to --from-ledger;"
            " calibrate JSON lines training with router eval.",
            "--since/--until/--target-*/--learner/--embeddings",
            "add --from-ledger URL, or drop them (router eval --target-quality calibrates)",
        )
    if args.vocab_size is not None and args.vocab_size < 0:
        raise bad_flag(
            f"--vocab-size {args.vocab_size} is negative.",
            "--vocab-size",
            "give 0 (no word features) or a positive number of words, e.g. 200",
        )
    if args.strong and not args.weak and args.label is None:
        raise bad_flag(
            "--strong needs --weak (the label is then gain).",
            "--weak",
            "add --weak MODEL, or drop --strong to train on hardness",
        )
    label = args.label or ("gain" if args.weak else "hardness")
    if label == "hardness" and (args.strong or args.weak):
        raise bad_flag(
            "--label hardness uses every model scored on all records, not --strong/--weak.",
            "--strong/--weak",
            "drop --strong/--weak, or use --label gain, weak_fails or pair",
        )
    if label == "weak_fails" and not args.weak:
        raise bad_flag("--label weak_fails needs --weak.", "--weak", "add --weak MODEL")
    if label in ("gain", "pair") and not (args.strong and args.weak):
        raise bad_flag(
            f"--label {label} needs --strong and --weak.", "--strong/--weak", "add both model keys"
        )
    if args.strong and args.strong == args.weak:
        raise bad_flag(
            f"--strong and --weak are the same model {args.strong!r}.",
            "--strong/--weak",
            "give two different model keys",
        )
    cv = args.cv if args.cv is not None else bool(args.strong and args.weak)
    if cv and not (args.strong and args.weak):
        raise bad_flag(
            "--cv scores candidates by the APGR of a pair: it needs --strong and --weak.",
            "--cv",
            "add --strong MODEL --weak MODEL, or drop --cv",
        )
    if cv and (args.folds < 2 or args.resamples < 0):
        raise bad_flag(
            f"--folds {args.folds} / --resamples {args.resamples}: need at least 2 folds and "
            "0 or more resamples.",
            "--folds/--resamples",
            "e.g. --folds 5 --resamples 1000",
        )
    check_distinct({"--out": args.out}, {"--data": args.data})
    out = check_output(args.out, "--out")
    records = load_jsonl(args.data)
    require_keys(records, args)
    ready_outputs((out, "--out"))
    meta = {"training_data": str(args.data)}
    report: dict[str, Any] = {}
    if cv:
        grid: dict[str, Any] = {
            "folds": args.folds,
            "seed": args.seed,
            "resamples": args.resamples,
        }
        if args.label is not None:
            grid["labels_to_try"] = (args.label,)
        if args.vocab_size is not None:
            grid["vocab_sizes"] = (args.vocab_size,)
        est, result = train_selected(records, args.strong, args.weak, meta=meta, **grid)
        print("\n".join(result.table()), file=sys.stderr)
        label = result.best.label
        report["cv"] = result.to_dict()
    else:
        est = train(
            records,
            args.strong,
            args.weak,
            label=cast("Label", label),
            vocab_size=args.vocab_size or 0,
            meta=meta,
        )
    try:
        est.save(out)
    except OSError as exc:
        raise cannot_write(out, "--out", exc) from exc
    line = {"out": str(out), "n_records": len(records), "label": label}
    line["vocab_size"] = len(est.vocab)
    print(json.dumps({**line, **report}))
    return 0
