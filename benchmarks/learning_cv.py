"""Can retraining from the ledger beat the shipped default? Candidates on ZeroEval TRAIN only.

Issue 15.6 asks the ledger-retrained pair router (gpt-4o-2024-08-06 over deepseek-v2.5-0908,
checker mode: both sides graded) to beat the shipped default (``LevelsEstimator``) by 0.05 APGR
after 1,000 labels (about 500 items with both sides). This script compares learners on
replay-like subsets of TRAIN: ``n`` items drawn at random (50 / 150 / 500 / 1,500: the items of
100 / 300 / 1,000 / 3,000 labels), each learner fitted on them (every setting it chooses is
chosen by 5-fold CV on those ``n`` items only), and scored by APGR on the other TRAIN items.
TEST is never read. Per candidate: mean APGR over ``--seeds`` draws, its mean difference from
the default on the same held-out items with a 95% bootstrap interval over the draws (the
draws overlap, so read it as approximate), the share of draws where it is below the default,
and the settings CV picked. The candidates (hand features: the 26 the ledger keeps):

- ``gain``: ``train_from_ledger(..., learner="gain")``, its default until this study
  (``fit_examples``, L2 by ``select_l2(learner="gain")``);
- ``two``: both sides' outcomes, P(strong right) and P(weak right) fitted apart, score their
  difference (the pair's expected gain, which can peak at medium hardness); L2 by CV;
- ``lib two``: the same through the library, what ``train_from_ledger`` fits now
  (``learner="two"``: ``fit_two``, L2 by ``select_l2(learner="two")``; its folds and tie rule
  are the library's, so it differs a little from ``two``);
- ``resid``: the default's score as an unpenalised feature, the 26 features penalised (CV);
- ``offset k``: the gain logit offset by ``k`` x the default's score, corrections penalised (CV);
- ``levels``: per-level intercepts (category, competition maths) over the default's score (CV);
- ``blend``: the default's and ``two``'s standardised scores mixed, the weight by CV;
- ``gate``: ``two`` only when its CV APGR beats the default's on the same items with a paired
  95% bootstrap lower bound above 0, else the default;
- ``words``: the gain fit with 0 / 250 / 1,000 words and hand-feature L2 3 / 1 / 0.1 by CV
  (offline only: the ledger keeps no words).

Measured (20 draws, 277 s; diff from the default, 95% bootstrap interval over the draws):
at 500 items (1,000 labels) the default scores 0.673 on the undrawn TRAIN items and every
learner is below it: gain -0.035 [-0.046, -0.025], two -0.024, resid -0.034, levels -0.013,
offset 1/2/4/8 -0.024/-0.019/-0.003/-0.011, blend -0.012, words -0.045; the gate is the default
in all 20 draws (+0.000). At 1,500 items: gain -0.005 [-0.020, +0.012], two +0.009
[-0.002, +0.021], the rest -0.013 to 0.000. In-sample on all of TRAIN (upper bounds): the
default 0.675; the task's mean gain with the default inside (the ledger has no task) 0.692.
Nothing here beats the default by CV at 1,000 labels.

The library's learner (``--only gain two "lib two"``, same 20 draws, 42 s): ``lib two``
-0.098 / -0.059 / -0.023 [-0.033, -0.013] / +0.006 [-0.005, +0.016] at 50 / 150 / 500 /
1,500 items, against gain's -0.104 / -0.067 / -0.035 / -0.005 (and ``two``'s -0.094 / -0.061 /
-0.024 / +0.009): above the gain learner at every size, so ``train_from_ledger`` fits it by
default (``learner="two"``); neither beats the shipped default at 1,000 labels.

Usage::

    python benchmarks/make_zeroeval_jsonl.py --out out/zeroeval --pool-only
    python benchmarks/learning_cv.py [--data out/zeroeval] [--seeds 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from costroute.difficulty import FEATURE_NAMES, feature_vector, load_estimator, prompt_features
from costroute.eval._ledger_cv import LEDGER_L2S, select_l2
from costroute.eval._pair_labels import PairExample, fit_examples, scores_of
from costroute.eval._two_model import fit_two
from costroute.train.data import load_jsonl
from costroute.train.fit import LinearFit, fit_logistic

S, W = "gpt-4o-2024-08-06", "deepseek-v2.5-0908"
WIDE = (1000.0, 100.0, 10.0, 1.0, 0.3, 0.1, 0.03, 0.01)  # strongest first: it wins a tie
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def apgr(scores: Any, s: Any, w: Any) -> float:
    """APGR of ``scores`` (ties routed together), as costroute.eval.metrics computes it."""
    order = np.argsort(-np.asarray(scores, float), kind="stable")
    ss, g = np.asarray(scores, float)[order], (s - w)[order]
    ends = np.r_[np.nonzero(ss[1:] != ss[:-1])[0], len(ss) - 1]
    share, p = np.r_[0, (ends + 1) / len(ss)], np.r_[0, np.cumsum(g)[ends]] / max(g.sum(), 1e-12)
    return float(np.sum(np.diff(share) * (p[1:] + p[:-1]) / 2))


class Data:
    """TRAIN as arrays: hand features, the default's score and level, both sides' 0/1."""

    def __init__(self, path: Any) -> None:
        recs = load_jsonl(path / "train.jsonl")  # TRAIN only
        default = load_estimator("default")
        est = [default.estimate(r.messages) for r in recs]
        self.x = np.asarray([prompt_features(r.messages).values for r in recs], float)
        self.fv = [feature_vector(r.messages) for r in recs]
        self.words = [set(prompt_features(r.messages).words) for r in recs]
        self.d = np.asarray([e.score for e in est])
        comp = (
            self.x[:, FEATURE_NAMES.index("latex")] + self.x[:, FEATURE_NAMES.index("math_terms")]
        )
        lvl = [e.category + ("+c" if e.category == "math" and c > 0 else "") for e, c in zip(est, comp, strict=True)]  # fmt: skip
        names = sorted(set(lvl))
        self.lvl = np.asarray([[v == k for k in names] for v in lvl], float)
        self.task = np.asarray([r.id.split(":")[0] for r in recs])
        self.s = np.asarray([r.scores[S] for r in recs], float)
        self.w = np.asarray([r.scores[W] for r in recs], float)


def design(x: Any, tr: Any, te: Any, extra: Any = None) -> tuple[Any, Any]:
    """[1, standardised x (+ extra columns unstandardised)] for the training and scored rows."""
    mu, sd = x[tr].mean(0), x[tr].std(0)
    sd[sd < 1e-9] = 1.0

    def one(i: Any) -> Any:
        cols = [np.ones((len(i), 1)), (x[i] - mu) / sd] + ([] if extra is None else [extra[i]])
        return np.hstack(cols)

    return one(tr), one(te)


def logistic(x: Any, y: Any, pen: Any, off: Any = None) -> Any:
    """``fit_logistic`` with an optional fixed offset (Newton's method)."""
    if off is None:
        return fit_logistic(x, y, pen)
    w = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(x @ w + off, -50, 50)))
        step = np.linalg.solve((x.T * (p * (1 - p))) @ x / len(y) + np.diag(pen + 1e-9), x.T @ (p - y) / len(y) + pen * w)  # fmt: skip
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return w


Fit = Callable[[Any, Any, Any], Any]  # (train rows, scored rows, setting) -> scores


def folds_of(n: int, seed: int = 0) -> Any:
    f = np.empty(n, int)
    f[np.random.default_rng(seed).permutation(n)] = np.arange(n) % 5
    return f


def held_out(data: Data, fit: Fit, tr: Any, c: Any) -> Any:
    f, out = folds_of(len(tr)), np.zeros(len(tr))
    for k in range(5):
        out[f == k] = fit(tr[f != k], tr[f == k], c)
    return out


def cv(data: Data, fit: Fit, grid: Any) -> Callable[[Any, Any], tuple[Any, Any]]:
    """``fit`` with its setting chosen by pooled 5-fold CV APGR on the training rows."""

    def run(tr: Any, te: Any) -> tuple[Any, Any]:
        figs = [apgr(held_out(data, fit, tr, c), data.s[tr], data.w[tr]) for c in grid]
        c = grid[int(np.argmax(figs))]
        return fit(tr, te, c), c

    return run


def candidates(data: Data) -> dict[str, Callable[[Any, Any], tuple[Any, Any]]]:
    x, d, s, w = data.x, data.d, data.s, data.w
    gain = (1 + s - w) / 2
    pen = lambda c, free=0: np.r_[np.zeros(1 + free), np.full(len(FEATURE_NAMES), c)]  # noqa: E731
    sig = lambda z: 1 / (1 + np.exp(-np.clip(z, -50, 50)))  # noqa: E731

    ex = lambda i: [PairExample(str(j), T0, "weak", data.fv[j], 0, None, None, s[j], w[j], gain[j], True, True) for j in i]  # noqa: E731  # fmt: skip

    def gain_fit(tr: Any, te: Any) -> tuple[Any, Any]:
        c = select_l2(ex(tr), learner="gain").l2
        return np.asarray(scores_of(fit_examples(ex(tr), l2=c), ex(te))), c

    def library_two(tr: Any, te: Any) -> tuple[Any, Any]:
        c = select_l2(ex(tr), learner="two").l2
        return np.asarray(scores_of(fit_two(ex(tr), l2=c), ex(te))), c

    def two(tr: Any, te: Any, c: Any) -> Any:
        a, b = design(x, tr, te)
        return sig(b @ logistic(a, s[tr], pen(c))) - sig(b @ logistic(a, w[tr], pen(c)))

    def resid(tr: Any, te: Any, c: Any) -> Any:
        a, b = design(x, tr, te, ((d - d[tr].mean()) / d[tr].std())[:, None])
        p = np.r_[0.0, np.full(len(FEATURE_NAMES), c), 0.0]
        return b @ logistic(a, gain[tr], p) + 1e-9 * d[te]

    def offset(k: float) -> Fit:
        def fit(tr: Any, te: Any, c: Any) -> Any:
            a, b = design(x, tr, te)
            return b @ logistic(a, gain[tr], pen(c), off=k * d[tr]) + k * d[te]

        return fit

    def levels(tr: Any, te: Any, c: Any) -> Any:
        m = lambda i: np.hstack([np.ones((len(i), 1)), d[i, None], data.lvl[i]])  # noqa: E731
        return m(te) @ logistic(m(tr), gain[tr], np.r_[0, 0, np.full(data.lvl.shape[1], c)])

    two_cv = cv(data, two, LEDGER_L2S)

    def blend(tr: Any, te: Any, alpha: Any) -> Any:
        both = np.r_[tr, te]
        z, _ = two_cv(tr, both)
        z, dd = (z - z[: len(tr)].mean()) / z[: len(tr)].std(), (d[both] - d[tr].mean()) / d[tr].std()  # fmt: skip
        return (alpha * dd + (1 - alpha) * z)[len(tr) :]

    def gate(tr: Any, te: Any) -> tuple[Any, Any]:
        z, c = two_cv(tr, te)
        h, rng, diffs = held_out(data, two, tr, c), np.random.default_rng(0), []
        for _ in range(300):
            j = tr[rng.integers(0, len(tr), len(tr))]
            k = np.searchsorted(tr, j)
            if (s[j] - w[j]).sum() > 0:
                diffs.append(apgr(h[k], s[j], w[j]) - apgr(d[j], s[j], w[j]))
        ok = bool(diffs) and float(np.quantile(diffs, 0.025)) > 0
        return (z, f"two {c:g}") if ok else (d[te], "default")

    def words(tr: Any, te: Any, c: Any) -> Any:
        ws, (l2, v) = data.words, c
        fit = LinearFit(x[tr], [ws[i] for i in tr], gain[tr], l2=l2, vocab_size=v, vocab_l2=1e-2, min_df=10)  # fmt: skip
        return np.asarray(fit.predict(x[te], [ws[i] for i in te]))

    out = {"default": lambda tr, te: (d[te], "-"), "gain": gain_fit, "two": two_cv}
    out["lib two"] = library_two
    out |= {"resid": cv(data, resid, WIDE), "levels": cv(data, levels, WIDE)}
    out |= {f"offset {k:g}": cv(data, offset(k), WIDE) for k in (1, 2, 4, 8)}
    out |= {"blend": cv(data, blend, (1.0, 0.75, 0.5, 0.25, 0.0)), "gate": gate}
    out["words"] = cv(data, words, [(c, v) for v in (0, 250, 1000) for c in (3.0, 1.0, 0.1)])
    return out


def ceilings(data: Data) -> None:
    """In-sample figures on all of TRAIN (fitted and scored on the same items: upper bounds)."""
    d, s, w, g = data.d, data.s, data.w, data.s - data.w
    every = np.arange(len(s))
    by = lambda keys: np.asarray([g[keys == k].mean() for k in keys])  # noqa: E731
    lvl = data.lvl.argmax(1)
    a, _ = design(data.x, every, every)
    pen = np.r_[0.0, np.full(len(FEATURE_NAMES), 1e-3)]
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    figs = {
        "default": d,
        "task's mean gain (an oracle: the ledger has no task), default inside": 10 * by(data.task)
        + d,
        "level's mean gain, default inside": 10 * by(lvl) + d,
        "gain fit, 26 features, L2 1e-3": a @ fit_logistic(a, (1 + g) / 2, pen),
        "two, L2 1e-3": sig(a @ fit_logistic(a, s, pen)) - sig(a @ fit_logistic(a, w, pen)),
    }
    print("in-sample on all of TRAIN (upper bounds, not estimates):")
    for k, v in figs.items():
        print(f"  {apgr(v, s, w):.4f}  {k}")


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    from pathlib import Path

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("out/zeroeval"))
    ap.add_argument("--seeds", type=int, default=20, help="draws of the n training items")
    ap.add_argument("--items", type=int, nargs="+", default=[50, 150, 500, 1500])
    ap.add_argument("--only", nargs="*", default=None, help="candidates to run (default: all)")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    data = Data(args.data)
    ceilings(data)
    cands = candidates(data)
    names = ["default"] + [k for k in cands if k != "default" and (not args.only or k in args.only)]
    n_all = len(data.s)
    print(f"ZeroEval TRAIN ({n_all} items) only; {S} over {W}; {args.seeds} draws per size;"
          " APGR on the TRAIN items not drawn; diff = candidate - default (95% bootstrap"
          " interval over draws); below = share of draws under the default")  # fmt: skip
    for n in args.items:
        res: dict[str, list[tuple[float, Any]]] = {k: [] for k in names}
        for seed in range(args.seeds):
            perm = np.random.default_rng(1000 + seed).permutation(n_all)
            tr, te = np.sort(perm[:n]), np.sort(perm[n:])
            for k in names:
                sc, pick = cands[k](tr, te)
                res[k].append((apgr(sc, data.s[te], data.w[te]), pick))
        base = np.asarray([a for a, _ in res["default"]])
        rng = np.random.default_rng(0)
        print(f"{n} items ({2 * n} labels):")
        for k in names:
            a = np.asarray([v for v, _ in res[k]])
            diff = a - base
            boot = [diff[rng.integers(0, len(diff), len(diff))].mean() for _ in range(2000)]
            lo, hi = np.quantile(boot, [0.025, 0.975])
            picks = sorted({str(p) for _, p in res[k]}, key=str)
            shown = ",".join(picks[:6]) + ("..." if len(picks) > 6 else "")
            print(f"  {k:10} APGR {a.mean():.4f}  diff {diff.mean():+.4f} [{lo:+.4f}, {hi:+.4f}]"
                  f"  below {np.mean(diff < -1e-12):.2f}  picks {shown}")  # fmt: skip
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
