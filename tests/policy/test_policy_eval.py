"""N-model policy evaluation, quality tables, frontier and plots on synthetic data."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from costroute.catalog import Prices
from costroute.difficulty import CallableEstimator, HeuristicEstimator
from costroute.errors import ConfigError
from costroute.eval import Record
from costroute.eval import policy_eval as pe
from costroute.eval.plot import plot, to_html
from costroute.policy import QualityTable, Rules, cheapest_capable, quality_first, quality_table

MODELS = ("small", "mid", "big")
PRICES = {
    "small": Prices(input=0.1, output=0.2),
    "mid": Prices(input=1, output=2),
    "big": Prices(input=5, output=15),
}


def records(n: int = 300, seed: int = 0) -> list[Record]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        hard = rng.random() < 0.4
        text = (
            "Prove that the sum of 1/p over primes diverges, step by step." if hard else "hi there"
        )
        scores = {
            "small": float(not hard or rng.random() < 0.2),
            "mid": float(not hard or rng.random() < 0.5),
            "big": float(rng.random() < 0.95),
        }
        out.append(
            Record(
                str(i),
                ({"role": "user", "content": text},),
                scores,
                costs={"small": 0.0001, "mid": 0.001, "big": 0.01},
            )
        )
    return out


@pytest.fixture(scope="module")
def prepared() -> pe.Prepared:
    return pe.prepare(records(), MODELS, HeuristicEstimator(), PRICES)


def test_singles_oracle_and_policy(prepared: pe.Prepared) -> None:
    r = pe.evaluate_policy(prepared, cheapest_capable())
    assert r.reference == "big" and r.singles["big"].cost_share == pytest.approx(1.0)
    assert r.policy.picks == {"small": 300} and r.policy.accuracy == r.singles["small"].accuracy
    assert r.oracle.accuracy >= max(p.accuracy for p in r.singles.values())
    assert r.oracle.cost_usd < r.singles["big"].cost_usd
    assert pe.evaluate_policy(prepared, quality_first()).policy.picks == {"big": 300}
    assert r.to_dict()["n"] == 300


def test_quality_table_sweep_frontier_and_calibration(prepared: pe.Prepared) -> None:
    table = QualityTable.fit(
        (s.difficulty, s.category, r.scores)
        for r, s in zip(prepared.records, prepared.signals, strict=True)
    )
    hard = table.predict("math", 0.9)
    assert set(hard) == set(MODELS) and hard["big"] > hard["small"]

    def make(w: float) -> Rules:
        return quality_table(table, w)

    r = pe.evaluate_policy(
        prepared, quality_table(table, 0.1), make=make, values=[0.0, 0.05, 0.2, 1.0, 5.0]
    )
    assert len(r.sweep) == 5 and r.frontier
    costs = [p.cost_usd for p in r.frontier]
    assert costs == sorted(costs) and [p.accuracy for p in r.frontier] == sorted(
        p.accuracy for p in r.frontier
    )
    # the learned table beats always-small at a fraction of always-big
    best = pe.calibrate_sweep(r.sweep, r.singles["big"].accuracy, target_cost_share=0.6)
    assert best.cost_share <= 0.6 and best.accuracy > r.singles["small"].accuracy
    cheap = pe.calibrate_sweep(r.sweep, r.singles["big"].accuracy, target_quality=0.5)
    assert cheap.cost_usd == min(p.cost_usd for p in r.sweep)
    with pytest.raises(ConfigError):
        pe.calibrate_sweep(r.sweep, 1.0)


def test_table_round_trip(tmp_path: Path, prepared: pe.Prepared) -> None:
    table = QualityTable.fit(
        [(0.1, "chat", {"a": 1.0}), (0.9, "chat", {"a": 0.0})] * 40, buckets=2, min_items=10
    )
    again = QualityTable.load(table.save(tmp_path / "t.json"))
    assert again.predict("chat", 0.95)["a"] == pytest.approx(
        table.predict("chat", 0.95)["a"], abs=1e-4
    )
    assert again.predict("unseen", 0.1) and again.models == ("a",)
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ConfigError, match=r"bad\.json"):
        QualityTable.load(tmp_path / "bad.json")


def test_missing_scores_and_mean_cost_prices() -> None:
    with pytest.raises(ConfigError, match="nope"):
        pe.prepare(records(20), ("small", "nope"), HeuristicEstimator())
    p = pe.prepare(records(20), MODELS, HeuristicEstimator())
    assert p.prices["big"].output > p.prices["small"].output


def test_plots(tmp_path: Path, prepared: pe.Prepared) -> None:
    r = pe.evaluate_policy(
        prepared, cheapest_capable(), make=lambda w: cheapest_capable(), values=[0]
    )
    page = to_html(r)
    assert "<svg" in page and "http" not in page.replace("http://www.w3.org/2000/svg", "")
    assert plot(r, tmp_path / "p.html").read_text().startswith("<!doctype html>")
    assert "<svg" in plot(r, tmp_path / "p.svg").read_text()
    with pytest.raises(ConfigError, match=r"\.html"):
        plot(r, tmp_path / "p.gif")


def test_a_cascade_is_reported_between_no_check_and_a_perfect_check() -> None:
    """Four records, hand-computed: small answers first, big when the check rejects."""
    from costroute.policy import cascade

    rows = [(1.0, 1.0), (0.0, 1.0), (0.0, 0.0), (1.0, 1.0)]  # (small, big) scores
    recs = [
        Record(
            str(i),
            ({"role": "user", "content": "hi"},),
            {"small": s, "mid": 0.0, "big": b},
            costs={"small": 0.001, "mid": 0.002, "big": 0.01},
        )
        for i, (s, b) in enumerate(rows)
    ]
    p = pe.prepare(recs, MODELS, HeuristicEstimator(), PRICES)
    r = pe.evaluate_policy(p, cascade(to=["big"]))
    assert r.policy.picks == {"small": 4} and r.policy.accuracy == 0.5  # the check never fires
    b = r.cascade_bound
    assert b is not None and b.label == "cascade (perfect check)"
    # records 1 and 2 escalate: accuracy (1 + 1 + 0 + 1) / 4, cost 4 x 0.001 + 2 x 0.01
    assert b.accuracy == 0.75 and b.cost_usd == pytest.approx(0.024)
    assert b.cost_share == pytest.approx(0.024 / 0.04)
    assert b.picks == {"small": 2, "small>big": 2}
    assert r.notes and "perfect check" in r.notes[0]
    plain = pe.evaluate_policy(p, cheapest_capable())
    assert plain.cascade_bound is None and plain.notes == ()


def test_a_model_without_any_cost_or_price_is_refused_before_scoring() -> None:
    seen: list[object] = []

    def est(messages: object) -> float:
        seen.append(messages)
        return 0.5

    recs = [
        Record(
            str(i),
            ({"role": "user", "content": "hi"},),
            {"small": 1.0, "big": 1.0},
            costs={"big": 0.01},
        )
        for i in range(3)
    ]
    with pytest.raises(ConfigError) as err:
        pe.prepare(recs, ("small", "big"), CallableEstimator(est))
    assert err.value.field == "prices" and "'small'" in str(err.value) and not seen
    priced = {"small": PRICES["small"], "big": PRICES["big"]}
    p = pe.prepare(recs, ("small", "big"), CallableEstimator(est), priced)
    assert len(seen) == 3 and pe.item_cost(p, 0, "big") == 0.01
