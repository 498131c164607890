"""How benchmarks/learning.py's settings were chosen, on ZeroEval TRAIN only (never TEST).

The ledger loop is simulated without HTTP (the same label rules: RatedCall rows through
``costroute.eval.from_ledger.pair_examples`` and ``fit_examples``) on three quarters of TRAIN,
and each setting is validated on the other quarter, 6 seeds: how the unobserved side is filled
(``model``: predicted by a fit on the calls that observed it; ``const``: its mean; ``full``:
judged calls only), the L2 penalty, and the share of strong calls while learning.

Usage::

    python benchmarks/make_zeroeval_jsonl.py --out out/zeroeval --pool-only
    python benchmarks/learning_select.py [--data out/zeroeval]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
from decimal import Decimal
from pathlib import Path
from typing import Any

from costroute.difficulty import FEATURE_NAMES, LearnedEstimator, feature_vector, load_estimator
from costroute.eval import _pair_labels as pl
from costroute.eval import evaluate
from costroute.eval import from_ledger as fl
from costroute.ledger import RatedCall
from costroute.train.data import Record, load_jsonl
from costroute.train.fit import fit_logistic, train

S, W = "gpt-4o-2024-08-06", "deepseek-v2.5-0908"
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def const_fit(ex: list[fl.PairExample], l2: float) -> LearnedEstimator:
    """The gain fit with the unobserved side left at its mean."""
    import numpy as np

    x = pl.design_of(ex)
    mean, std = x.mean(0), x.std(0)
    std[std < 1e-9] = 1
    design = np.hstack([np.ones((len(ex), 1)), (x - mean) / std])
    penalty = np.concatenate([[0.0], np.full(len(FEATURE_NAMES), l2)])
    w = fit_logistic(design, np.asarray([e.gain for e in ex]), penalty)
    return LearnedEstimator(w[1:].tolist(), float(w[0]), mean.tolist(), std.tolist())


def run(recs: list[Record], feats: dict[str, Any], dscore: dict[str, float], seed: int,
        share: float, mode: str, l2: float) -> tuple[dict[int, tuple[float, float]], float]:  # fmt: skip
    """One simulated replay: {labels: (ledger APGR, offline APGR)} on the validation quarter."""
    rng = random.Random(seed)
    items = list(recs)
    rng.shuffle(items)
    val, pool = items[: len(items) // 4], items[len(items) // 4 :]

    def scores(est: Any, its: list[Record]) -> list[float]:
        ex = [fl.PairExample(r.id, T0, "weak", feats[r.id], 0, None, None, 0, 0, 0, False)
              for r in its]  # fmt: skip
        return fl.scores_of(est, ex)

    thr = sorted((dscore[r.id] for r in pool[:300]), reverse=True)[int(share * 300) - 1]
    cur: Any = None
    rows: list[RatedCall] = []
    out: dict[int, tuple[float, float]] = {}
    labels = last = k = 0
    seen: set[str] = set()
    stream: list[Record] = []
    cps = [300, 1000]
    while cps:
        if not stream:
            stream = list(pool)
            rng.shuffle(stream)
        it = stream.pop()
        k += 1
        score = scores(cur, [it])[0] if cur else dscore[it.id]
        dep = S if score >= thr else W
        base = dict(at=T0 + dt.timedelta(seconds=k), deployment=dep, model=dep, provider="x",
                    policy="p", category="general", difficulty=score, cost_usd=Decimal(0),
                    features=feats[it.id], status="ok", note=None, recorded_at=T0)  # fmt: skip
        rid = f"r{k}"
        rows.append(RatedCall(request_id=rid, source="user", score=it.scores[dep], **base))
        labels += 1
        seen.add(it.id)
        if dep == W and rng.random() < 0.5:
            j = 1.0 if it.scores[W] >= it.scores[S] else 0.0
            rows.append(RatedCall(request_id=rid, source="judge", score=j, **base))
            labels += 1
        if labels - last >= 250 or labels >= cps[0]:
            last = labels
            ex = list(fl.pair_examples(rows, S, W).examples)
            if mode == "full":
                ex = [e for e in ex if not e.imputed]
            cur = const_fit(ex, l2) if mode == "const" else pl.fit_examples(ex, l2=l2)
            sv = scores(cur, pool)
            thr = sorted(sv, reverse=True)[max(0, int(share * len(sv)) - 1)]
        if labels >= cps[0]:
            n = cps.pop(0)
            off = train([r for r in pool if r.id in seen], S, W, label="gain", vocab_size=0)
            a = evaluate(val, scores(cur, val), S, W).apgr
            out[n] = (a, evaluate(val, scores(off, val), S, W).apgr)
    return out, evaluate(val, [dscore[r.id] for r in val], S, W).apgr


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("out/zeroeval"))
    args = ap.parse_args(argv)
    recs = load_jsonl(args.data / "train.jsonl")  # TRAIN only
    feats = {r.id: feature_vector(r.messages) for r in recs}
    default = load_estimator("default")
    dscore = {r.id: default.estimate(r.messages).score for r in recs}
    configs = [(sh, m, 1e-3) for sh in (0.5, 0.2) for m in ("model", "const")]
    configs += [(0.2, "model", 1e-2), (0.2, "model", 3e-2), (0.2, "full", 1e-3)]
    for share, mode, l2 in configs:
        res = [run(recs, feats, dscore, seed, share, mode, l2) for seed in range(6)]
        for n in (300, 1000):
            live = statistics.mean(r[0][n][0] for r in res)
            off = statistics.mean(r[0][n][1] for r in res)
            d = statistics.mean(r[1] for r in res)
            print(f"share {share} {mode:5} l2 {l2:g} labels {n:>4}: ledger {live:.4f}"
                  f" offline {off:.4f} default {d:.4f} gap {live - off:+.4f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
