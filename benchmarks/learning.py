"""The learning curve of retraining from the ledger (issue 15.6), on ZeroEval.

Replays ZeroEval's TRAIN split as live traffic through the public API (a ``Router`` over the
local simulator, a SQLite ledger in a temporary folder): each call is routed by a ``pair()``
policy and labelled with the data set's 0/1 scores as a perfect judge, in one of two modes.
``--judge checker`` (default): ``--label-rate`` of the calls get both answers graded, as
``Labeling(judge=Checker(...), challenger=...)`` stores them (``Router.feedback`` source
``check`` for the routed answer, ``check`` with ``deployment=`` the other for the other
model's; the other model's cost is the labelling cost); the rest get the application's rating
(``--feedback-rate``, source ``user``). ``--judge compare``: every call is rated, and
``--label-rate`` of the calls routed to the weak model are judged against the strong reference
(source ``judge``: 1 when the weak answer is as good as the reference's). Every
``--retrain-every`` labels the router is retrained from its ledger
(``costroute.eval.from_ledger.train_from_ledger``, ``l2="auto"``, calibrated to send
``--cost-share`` of calls to the strong model) and replaced. After 100, 300, 1,000 and 3,000
labels (outcome rows) it prints the held-out APGR (TEST split, never used for anything else),
the cost of the calibrated router and its paired bootstrap interval against the shipped
default, against two offline trainings of the same learner (the two-model one, both models'
scores, L2 by ``select_l2``): on every item the loop met ("items") and on as many labels as
the loop's, two scores per item ("labels": the first ``n // 2`` items met), plus "+words"
(``train(..., label="gain")`` on the items with 1,000 words). The replay starts from the default's threshold for
``--cost-share`` on a seeded sample of 300 TRAIN items; after one pass over TRAIN it starts a
second, reshuffled pass.

Mean of 3 replays (shared 2-core machine): checker mode (93 s), ledger APGR 0.619 / 0.592 /
0.650 / 0.642 after 100 / 300 / 1,000 / 3,000 labels with the two-model learner (the gain
learner before it: 0.567 / 0.586 / 0.640 / 0.630), equal to offline on the same labels at
every checkpoint; shipped default (levels) 0.644. ``--judge compare --label-rate 0.5``, measured
with the gain learner against the heuristic default of then (0.575): 0.544 / 0.521 / 0.604 /
0.575.
docs/learning.md has the tables.

Usage::

    python benchmarks/learning.py [--quick] [--src ../shared/data/zeroeval]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import _offline  # noqa: F401  (litellm offline: before anything imports it)

from costroute.cli._demo import sim_deployments
from costroute.difficulty import feature_vector, load_estimator
from costroute.eval import evaluate
from costroute.eval._two_model import fit_two
from costroute.eval.cv import cross_validate
from costroute.eval.from_ledger import (
    DEFAULT_L2,
    LEDGER_L2S,
    PairExample,
    select_l2,
    train_from_ledger,
)
from costroute.eval.metrics import apgr_difference_interval
from costroute.policy import pair
from costroute.router import Router
from costroute.sim import Simulator
from costroute.train.data import Record, load_jsonl
from costroute.train.fit import train

sys.path.insert(0, str(Path(__file__).parent))
from policy_quality import POOL

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "zeroeval"
STRONG, WEAK = "gpt-4o-2024-08-06", "deepseek-v2.5-0908"
S_DEP, W_DEP = "gpt-5.4", "deepseek-v4-flash"  # the simulator's deployments playing them
PLAYS = {S_DEP: STRONG, W_DEP: WEAK}
DEPS = {model: dep for dep, model in PLAYS.items()}


def load(src: Path, tmp: Path) -> tuple[list[Record], list[Record]]:
    """TRAIN and TEST records of the data set (written by make_zeroeval_jsonl.py)."""
    from make_zeroeval_jsonl import main as make

    if make(["--src", str(src), "--out", str(tmp), "--pool-only"]) != 0:
        raise SystemExit(2)
    return load_jsonl(tmp / "train.jsonl"), load_jsonl(tmp / "test.jsonl")


def figures(est: Any, test: Sequence[Record], threshold: float | None) -> tuple[float, float]:
    """(APGR, cost as a share of always-strong) on ``test``."""
    scores = [est.estimate(r.messages).score for r in test]
    apgr = evaluate(test, scores, STRONG, WEAK).apgr
    if threshold is None:  # the cost-share target's quantile on the test scores
        return apgr, float("nan")
    cost = sum(
        r.costs[STRONG] if s >= threshold else r.costs[WEAK]
        for r, s in zip(test, scores, strict=True)
    )
    return apgr, cost / sum(r.costs[STRONG] for r in test)


def _threshold(est: Any, items: Sequence[Record], share: float) -> float:
    scores = sorted((est.estimate(r.messages).score for r in items), reverse=True)
    return scores[max(0, min(len(scores) - 1, int(share * len(scores)) - 1))]


def offline(items: Sequence[Record], words: int = 0) -> Any:
    """What ``train_from_ledger`` fits (the two-model learner, its L2 chosen by ``select_l2``)
    on ``items`` with both models' scores and the hand features computed from the texts. With
    ``words`` > 0, ``train(items, label="gain")`` with that many words instead (``vocab_l2``
    1e-2; the ledger keeps no words), its L2 penalty chosen by 5-fold CV APGR over
    ``LEDGER_L2S`` (ties to the stronger; ``DEFAULT_L2`` when none is measurable)."""
    if not words:
        t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        ex = [
            PairExample(
                r.id,
                t0,
                "weak",
                feature_vector(r.messages),
                0.5,
                None,
                None,
                s,
                w,
                (1 + s - w) / 2,
                True,
                True,
            )
            for r in items
            for s, w in [(r.scores[STRONG], r.scores[WEAK])]
        ]
        return fit_two(ex, l2=select_l2(ex, learner="two").l2)

    def cv(**kw: Any) -> Any:
        try:
            return cross_validate(items, STRONG, WEAK, labels_to_try=("gain",), resamples=0, **kw)
        except ValueError:  # the strong model is not better on these items: nothing to measure
            return None

    picks = {c: cv(vocab_sizes=(0,), l2=c) for c in sorted(LEDGER_L2S, reverse=True)}
    measured = {c: r.best.apgr for c, r in picks.items() if r is not None}
    l2 = max(measured, key=measured.__getitem__) if measured else DEFAULT_L2
    return train(items, STRONG, WEAK, label="gain", vocab_size=words, l2=l2, vocab_l2=1e-2)


def replay(
    args: argparse.Namespace, seed: int, train_set: list[Record], test: list[Record]
) -> list[Any]:
    """One replay (``seed`` orders the stream and draws the sampled feedback)."""
    rng = random.Random(seed)
    checkpoints = sorted(args.labels)
    default = load_estimator("default")
    est: Any = default
    # the operator's starting threshold: the default's 20% on a sample of the traffic
    threshold = _threshold(default, rng.sample(train_set, 300), args.cost_share)
    rows = []
    labels = judged = calls = 0
    label_cost = 0.0
    seen: dict[str, None] = {}  # the items met, in order
    last_retrain = 0
    with tempfile.TemporaryDirectory() as tmp, Simulator(latency_scale=0, seed=7) as sim:
        url = f"sqlite:///{Path(tmp) / 'ledger.sqlite'}"
        deps = [d for d in sim_deployments(sim) if d.name in PLAYS]

        def router_for(e: Any, t: float) -> Router:
            return Router(deps, policy=pair(S_DEP, W_DEP, estimator=e, threshold=t), ledger=url)

        router = router_for(est, threshold)
        stream: list[Record] = []
        while checkpoints:
            if not stream:
                stream = list(train_set)
                rng.shuffle(stream)
            item = stream.pop()
            info = router.chat(messages=list(item.messages), max_tokens=16).costroute
            calls += 1
            model = PLAYS[info.deployment]
            other = WEAK if model == STRONG else STRONG
            if args.judge == "checker" and rng.random() < args.label_rate:
                # Labeling(judge=Checker(...), challenger=W_DEP): both answers graded
                router.feedback(info.request_id, item.scores[model], source="check")
                router.feedback(
                    info.request_id, item.scores[other], source="check", deployment=DEPS[other]
                )
                label_cost += item.costs[other]
                labels += 2
                judged += 1
                seen[item.id] = None
            elif rng.random() < args.feedback_rate:
                router.feedback(info.request_id, item.scores[model], source="user")
                labels += 1
                seen[item.id] = None
            if args.judge == "compare" and model == WEAK and rng.random() < args.label_rate:
                j = 1.0 if item.scores[WEAK] >= item.scores[STRONG] else 0.0
                router.feedback(info.request_id, j, source="judge")
                label_cost += item.costs[STRONG]
                labels += 1
                judged += 1
                seen[item.id] = None
            at_checkpoint = labels >= checkpoints[0]
            if labels - last_retrain >= args.retrain_every or at_checkpoint:
                last_retrain = labels
                router.ledger.close()
                est, report = train_from_ledger(
                    url, strong=S_DEP, weak=W_DEP, holdout=0, target_cost_share=args.cost_share
                )
                threshold = float(est.threshold)
                router = router_for(est, threshold)
            if at_checkpoint:
                n = checkpoints.pop(0)
                by_id = {r.id: r for r in train_set}
                items = [by_id[i] for i in seen]
                # as many labels as the loop's, two (both models' scores) per item
                halves = items[: n // 2]
                same_items, same_labels = offline(items), offline(halves)
                words = offline(items, words=1000)
                live = figures(est, test, threshold)
                margin = apgr_difference_interval(
                    [est.estimate(r.messages).score for r in test],
                    [default.estimate(r.messages).score for r in test],
                    [r.scores[STRONG] for r in test],
                    [r.scores[WEAK] for r in test],
                )
                rows.append(
                    {
                        "labels": n,
                        "calls": calls,
                        "items": len(items),
                        "judged": judged,
                        "label_cost": label_cost,
                        "live": live,
                        "margin": margin,
                        "l2": report.l2,
                        "offline": figures(
                            same_items, test, _threshold(same_items, items, args.cost_share)
                        ),
                        "labels_eq": figures(
                            same_labels, test, _threshold(same_labels, halves, args.cost_share)
                        ),
                        "words": figures(words, test, _threshold(words, items, args.cost_share)),
                        "by_source": dict(report.labels),
                    }
                )
        router.ledger.close()
    return rows


COST_WEIGHT = 0.825  # policies/zeroeval_table.py's PARAMS


def replay_pool(
    args: argparse.Namespace, train_set: list[Record], test: list[Record]
) -> list[dict[str, Any]]:
    """The 7-model loop: a quality_table policy, each rated call feeding its deployment's cells
    (``quality_table_from_ledger``), ``--explore`` of the calls pinned by the application to
    a deployment drawn at random (without it a deployment never picked would never be rated).
    The table starts flat (every model 0.5: the cheapest wins)."""
    from costroute.eval._prices import deployments_for, prices_from_csv
    from costroute.eval.from_ledger import quality_table_from_ledger
    from costroute.eval.policy_eval import evaluate_choices, prepare, route_all
    from costroute.policy import QualityTable, load_policy, quality_table

    rng = random.Random(args.seed)
    prices = {m: p for m, p in prices_from_csv(args.src / "models.csv").items() if m in POOL}
    est = load_estimator("learned")
    prepared = prepare(test, POOL, est, prices)
    ref_cost = sum(r.costs[STRONG] for r in test)

    def on_test(policy: Any) -> tuple[float, float]:
        plans = route_all(prepared, policy)
        point = evaluate_choices(prepared, [p.primary.deployment for p in plans], "x", ref_cost)
        return point.accuracy, point.cost_share

    flat = QualityTable({"*": ()}, {"*": {m: (0.5,) for m in POOL}}, {})
    shipped = load_policy(Path(__file__).resolve().parents[1] / "policies" / "zeroeval_table.py")
    rows: list[dict[str, Any]] = [{"labels": "shipped", "test": on_test(shipped)}]
    checkpoints = sorted(args.labels)
    labels, seen = 0, set()
    with tempfile.TemporaryDirectory() as tmp, Simulator(latency_scale=0, seed=7) as sim:
        url = f"sqlite:///{Path(tmp) / 'ledger.sqlite'}"
        template = next(d for d in sim_deployments(sim) if d.name == "gpt-5.4-mini")
        deps = [
            template.model_copy(update={"name": d.name, "prices": d.prices, "tier": d.tier})
            for d in deployments_for(POOL, prices)
        ]

        def router_for(table: QualityTable) -> Router:
            policy = quality_table(table, COST_WEIGHT, estimator=est, name="learning")
            return Router(deps, policy=policy, ledger=url)

        router = router_for(flat)
        stream: list[Record] = []
        last = 0
        while checkpoints:
            if not stream:
                stream = list(train_set)
                rng.shuffle(stream)
            item = stream.pop()
            pin = {"model": rng.choice(POOL)} if rng.random() < args.explore else {}
            info = router.chat(messages=list(item.messages), max_tokens=16, **pin).costroute
            router.feedback(info.request_id, item.scores[info.deployment], source="user")
            labels += 1
            seen.add(item.id)
            if labels - last >= args.retrain_every or labels >= checkpoints[0]:
                last = labels
                router.ledger.close()
                table = quality_table_from_ledger(url)
                router = router_for(table)
            if labels >= checkpoints[0]:
                n = checkpoints.pop(0)
                items = [r for r in train_set if r.id in seen]
                off = [
                    (e.score, e.category, r.scores)
                    for r in items
                    for e in [est.estimate(r.messages)]
                ]
                offline = quality_table(QualityTable.fit(off), COST_WEIGHT, estimator=est)
                learned = quality_table(table, COST_WEIGHT, estimator=est)
                rows.append({"labels": n, "test": on_test(learned), "offline": on_test(offline)})
        router.ledger.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=SHARED, help="ZeroEval data folder")
    ap.add_argument("--quick", action="store_true", help="100 and 300 labels only (for tests)")
    ap.add_argument("--labels", type=int, nargs="+", default=[100, 300, 1000, 3000])
    ap.add_argument(
        "--judge",
        choices=("checker", "compare"),
        default="checker",
        help="checker: sampled calls get both models' grades; compare: weak calls get a"
        " judge's comparison with the strong answer",
    )
    ap.add_argument("--feedback-rate", type=float, default=1.0, help="share of calls rated")
    ap.add_argument(
        "--label-rate",
        type=float,
        default=1.0,
        help="share of calls labelled (compare: of the weak calls)",
    )
    ap.add_argument("--retrain-every", type=int, default=250, help="labels between retrains")
    ap.add_argument("--cost-share", type=float, default=0.2, help="strong-call share target")
    ap.add_argument("--seeds", type=int, default=3, help="replays (seeds 0..N-1), averaged")
    ap.add_argument("--pool", action="store_true", help="the 7-model loop instead of the pair")
    ap.add_argument("--explore", type=float, default=0.2, help="--pool: share of pinned calls")
    ap.add_argument("--seed", type=int, default=0, help="--pool: the replay's seed")
    args = ap.parse_args(argv)
    if args.quick:
        args.labels, args.seeds = [100, 300], 1
    if not (args.src / "items.csv").exists():
        print(f"error: {args.src / 'items.csv'} not found; pass --src", file=sys.stderr)
        return 2
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        train_set, test = load(args.src, Path(tmp))
    if args.pool:
        print(
            f"7-model pool, ZeroEval TEST ({len(test)} items): accuracy and cost (share of"
            f" {STRONG}'s) of the quality_table policy (cost_weight {COST_WEIGHT})"
        )
        print(f"{'labels':>8} {'ledger acc':>10} {'cost':>6}  {'offline acc':>11} {'cost':>6}")
        for r in replay_pool(args, train_set, test):
            q, c = r["test"]
            off = f"{r['offline'][0]:>11.4f} {r['offline'][1]:>6.1%}" if "offline" in r else ""
            print(f"{r['labels']:>8} {q:>10.4f} {c:>6.1%}  {off}")
        print(f"({time.perf_counter() - started:.0f} s)")
        return 0
    runs = [replay(args, seed, train_set, test) for seed in range(args.seeds)]
    default = figures(load_estimator("default"), test, None)[0]
    print(
        f"ZeroEval TEST ({len(test)} items), {STRONG} over {WEAK}; shipped default estimator"
        f" APGR {default:.4f}; cost = share of always-{STRONG} cost at the router's threshold"
        f" (calibrated to {args.cost_share:.0%} strong calls on the labels); mean of"
        f" {args.seeds} replays (ledger APGR: lowest-highest)"
    )
    head = (
        f"{'labels':>6} {'calls':>6} {'items':>6} {'judged':>6} {'label $':>8}  "
        f"{'ledger APGR':>11} {'(range)':>15} {'cost':>6} {'L2':>9}  {'items':>7} {'cost':>6}"
        f"  {'labels':>7} {'cost':>6}  {'+words':>7}  {'vs default':>10} {'vs items':>8}"
        f" {'vs labels':>9}"
    )
    print(head)

    def mean(key: str, i: int | None = None) -> float:
        return sum(r[key] if i is None else r[key][i] for r in rows) / len(rows)

    for k in range(len(runs[0])):
        rows = [run[k] for run in runs]
        live = [r["live"][0] for r in rows]
        l2s = "/".join(f"{r['l2']:g}" for r in rows)
        print(
            f"{rows[0]['labels']:>6} {mean('calls'):>6.0f} {mean('items'):>6.0f}"
            f" {mean('judged'):>6.0f} {mean('label_cost'):>8.4f}  {mean('live', 0):>11.4f}"
            f" {f'{min(live):.3f}-{max(live):.3f}':>15} {mean('live', 1):>6.1%} {l2s:>9}"
            f"  {mean('offline', 0):>7.4f} {mean('offline', 1):>6.1%}"
            f"  {mean('labels_eq', 0):>7.4f} {mean('labels_eq', 1):>6.1%}"
            f"  {mean('words', 0):>7.4f}  {mean('live', 0) - default:>+10.4f}"
            f" {mean('live', 0) - mean('offline', 0):>+8.4f}"
            f" {mean('live', 0) - mean('labels_eq', 0):>+9.4f}"
        )
    print(
        "ledger APGR - shipped default on TEST, each replay with its paired 95% bootstrap interval:"
    )
    for k in range(len(runs[0])):
        rows = [run[k] for run in runs]
        shown = ", ".join(
            f"{r['live'][0] - default:+.3f} [{r['margin'][0]:+.3f}, {r['margin'][1]:+.3f}]"
            for r in rows
        )
        print(f"  at {rows[0]['labels']:>5} labels: {shown}")
    last = runs[0][-1]
    print(f"labels by source at {last['labels']} (seed 0): {last['by_source']}")
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
