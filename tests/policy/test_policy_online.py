"""Online mode (issue 15.5): Beta posteriors per (category, bucket, deployment), Thompson
sampling over them, and the cap on exploration spend; hand-computed figures throughout."""

from __future__ import annotations

import datetime as dt
import random
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from costroute.catalog import Deployment, known
from costroute.errors import ConfigError
from costroute.ledger import RatedCall
from costroute.policy import (
    OnlineQuality,
    OnlineStats,
    QualityTable,
    Rules,
    prefer_sampled_quality,
    sampling,
    thompson,
)
from costroute.types import Plan, Request, Signals

REQ = Request(messages=({"role": "user", "content": "What is 17 * 23?"},), params={})
T0 = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)
A, B = (Deployment(name=n, model="deepseek/deepseek-v4-flash") for n in "ab")  # same price
CHEAP, DEAR = known("deepseek-v4-flash"), known("claude-sonnet-5-5")


def table() -> QualityTable:
    """small: 0.9 on easy (bucket 0), 0.1 on hard (bucket 1); big: 1.0 on both."""
    items = [(0.1, "general", {"small": 1.0, "big": 1.0})] * 20
    items += [(0.9, "general", {"small": 0.0, "big": 1.0})] * 20
    return QualityTable.fit(items, buckets=2, min_items=10)


def call(rid: str, dep: str, score: float, source: str = "user", **kw: Any) -> RatedCall:
    fields: dict[str, Any] = {
        "request_id": rid, "at": T0, "deployment": dep, "model": "m", "provider": "p",
        "policy": "thompson", "category": "general", "difficulty": 0.1,
        "cost_usd": Decimal("0.001"), "features": None, "status": "ok", "source": source,
        "score": score, "note": None, "recorded_at": T0,
    }  # fmt: skip
    return RatedCall(**{**fields, **kw})


def route(policy: Rules, deps: tuple[Any, ...], rng: Any = None, difficulty: float = 0.1) -> Plan:
    signals = Signals(deployments=deps, difficulty=difficulty)
    if rng is None:
        return policy.route(REQ, signals)
    with sampling(rng, lambda: T0):
        return policy.route(REQ, signals)


def test_a_uniform_cell_adds_each_score_as_fractional_successes() -> None:
    online = OnlineQuality()
    assert online.edges("general") == (0.25, 0.5, 0.75)
    assert online.posterior("general", 0.1, "a") == (1.0, 1.0)
    online.record("general", 0.1, "a", 1.0)
    online.record("general", 0.2, "a", 0.25)  # same bucket [0, 0.25)
    online.record("general", 0.3, "a", 0.0)  # the next bucket
    assert online.posterior("general", 0.1, "a") == (1 + 1.25, 1 + 0.75)
    assert online.posterior("general", 0.3, "a") == (1.0, 2.0)
    assert online.posterior("code", 0.1, "a") == (1.0, 1.0)  # categories are apart
    assert online.observations() == {
        ("general", 0, "a"): (1.25, 0.75, 2),
        ("general", 1, "a"): (0.0, 1.0, 1),
    }
    assert online.stats == OnlineStats(outcomes=3)


def test_a_prior_table_seeds_each_cell_with_prior_weight_pseudo_outcomes() -> None:
    online = OnlineQuality(table(), prior_weight=10, models={"a": "small", "b": "big"})
    # small's cells: (20 + 5 * 0.5) / 25 = 0.9 easy, (0 + 2.5) / 25 = 0.1 hard; big 1.0 both
    assert online.posterior("general", 0.1, "a") == pytest.approx((9.0, 1.0))
    assert online.posterior("general", 0.95, "a") == pytest.approx((1.0, 9.0))
    assert online.posterior("general", 0.1, "b") == (10.0, 0.0)
    assert online.posterior("general", 0.1, "c") == (1.0, 1.0)  # not in the table: uniform
    online.record("general", 0.1, "a", 0.5)
    assert online.posterior("general", 0.1, "a") == pytest.approx((9.5, 1.5))


def test_observe_counts_the_graded_deployment_and_a_repeat_replaces() -> None:
    online = OnlineQuality()
    assert online.observe(call("r1", "a", 1.0))
    assert online.observe(call("r1", "a", 0.25, source="check@b"))  # b's answer, same request
    assert not online.observe(call("r1", "a", 1.0, source="judge"))  # against a reference
    assert not online.observe(call("r2", "a", 1.0, status="error"))
    assert not online.observe(call("r3", "a", 1.0, policy="pinned"))  # no difficulty estimated
    assert online.observe(call("r1", "a", 0.5))  # user again: replaces 1.0
    assert online.observations() == {
        ("general", 0, "a"): (0.5, 0.5, 1),
        ("general", 0, "b"): (0.25, 0.75, 1),
    }
    only_checks = OnlineQuality(sources={"check"})
    assert not only_checks.observe(call("r1", "a", 1.0))
    assert only_checks.observe(call("r1", "a", 1.0, source="check@b"))


def test_outcomes_in_any_order_give_the_same_posterior() -> None:
    rows = [call(f"r{i}", "ab"[i % 2], (i * 37 % 100) / 100, difficulty=i / 50) for i in range(50)]
    forward, backward = OnlineQuality(), OnlineQuality()
    assert forward.restore(rows) == backward.restore(reversed(rows)) == 50
    assert forward.observations() == backward.observations()  # exact: fractions, not floats


def test_without_sampling_the_policy_plays_greedy_and_counts_nothing() -> None:
    policy = thompson(cost_weight=0.1)
    policy.online.record("general", 0.1, "b", 1.0)  # b: mean 2/3 against a's 1/2
    plan = route(policy, (A, B))
    assert [c.deployment for c in plan.choices] == ["b", "a"]
    assert any(r.startswith("thompson: greedy b (mean 0.67 of 1 outcomes)") for r in plan.reasons)
    assert policy.stats == OnlineStats(outcomes=1)  # no call was planned by sampling


def test_sampling_is_deterministic_under_a_seeded_rng() -> None:
    picks = []
    for _ in range(2):
        policy = thompson()
        rng = random.Random(7).random
        picks.append([route(policy, (A, B), rng).primary.deployment for _ in range(40)])
    assert picks[0] == picks[1]
    assert set(picks[0]) == {"a", "b"}  # two uniform posteriors: both get sampled


def test_it_converges_to_the_better_of_two_deployments_at_equal_cost() -> None:
    policy = thompson(cost_weight=0.1)
    rng, world = random.Random(0).random, random.Random(1)
    truth = {"a": 0.9, "b": 0.6}
    picks = []
    for _ in range(1000):
        dep = route(policy, (A, B), rng).primary.deployment
        picks.append(dep)
        policy.online.record("general", 0.1, dep, 1.0 if world.random() < truth[dep] else 0.0)
    last = picks[-500:]
    assert last.count("a") / len(last) > 0.95
    stats = policy.stats
    assert stats.calls == 1000 and stats.outcomes == 1000
    assert stats.explore_usd == 0  # equal costs: exploring is free, never capped
    assert 0 < stats.explored < 100 and stats.capped == 0


def test_the_cap_stops_exploration_exactly_when_it_is_spent() -> None:
    probe = route(thompson(), (CHEAP, DEAR))
    extra = probe.choices[1].estimated_cost_usd - probe.choices[0].estimated_cost_usd
    assert probe.primary.deployment == CHEAP.name and extra > 0  # uniform: the cheap one greedy
    policy = thompson(cost_weight=0.1, max_explore_usd=3 * extra)
    rng = random.Random(3).random
    plans = [route(policy, (CHEAP, DEAR), rng) for _ in range(60)]
    explored = [i for i, p in enumerate(plans) if p.primary.deployment == DEAR.name]
    assert len(explored) == 3  # no outcome arrives: every pick of the dear one explores
    stats = policy.stats
    assert (stats.explored, stats.explore_usd, stats.explore_usd_total) == (3, 3 * extra, 3 * extra)
    assert stats.calls == 60 and stats.capped > 0 and stats.window == "2026-11"
    capped = [i for i, p in enumerate(plans) if any("would pass the cap" in r for r in p.reasons)]
    assert len(capped) == stats.capped and min(capped) > explored[-1]
    last = plans[explored[-1]].reasons
    assert any(f"exploration ${3 * extra:.6f} of ${3 * extra} this month" in r for r in last)


def test_a_zero_cap_is_greedy_only_and_the_window_restarts_the_spend() -> None:
    never = thompson(max_explore_usd=0)
    rng = random.Random(3).random
    assert {route(never, (CHEAP, DEAR), rng).primary.deployment for _ in range(30)} == {CHEAP.name}
    assert never.stats.explored == 0 and never.stats.capped > 0
    probe = route(thompson(), (CHEAP, DEAR))
    extra = probe.choices[1].estimated_cost_usd - probe.choices[0].estimated_cost_usd
    policy = thompson(max_explore_usd=extra, window="day")  # one exploration a day
    today = [T0]
    signals = Signals(deployments=(CHEAP, DEAR), difficulty=0.1)
    for day in range(3):
        today[0] = T0 + dt.timedelta(days=day)
        with sampling(random.Random(day).random, lambda: today[0]):
            dear = [policy.route(REQ, signals).primary.deployment for _ in range(20)]
        assert dear.count(DEAR.name) == 1
        stats = policy.stats
        assert stats.window == f"2026-11-{25 + day}" and stats.explore_usd == extra
    assert (stats.explored, stats.explore_usd_total, stats.calls) == (3, 3 * extra, 60)


def test_save_and_load_keep_the_posteriors_the_prior_and_the_counts(tmp_path: Path) -> None:
    policy = thompson(table(), models={"a": "small", "b": "big"}, max_explore_usd=1)
    for i in range(20):
        route(policy, (A, B), random.Random(i).random, difficulty=i / 20)
        policy.online.record("general", i / 20, "ab"[i % 2], (i % 3) / 3)
    path = policy.online.save(tmp_path / "online.json")
    loaded = OnlineQuality.load(path)
    assert loaded.observations() == policy.online.observations()
    assert loaded.stats == policy.stats
    assert loaded.prior == policy.online.prior and loaded.models == policy.online.models
    assert loaded.posterior("general", 0.1, "a") == policy.online.posterior("general", 0.1, "a")
    (tmp_path / "bad.json").write_text('{"format": "something else"}')
    with pytest.raises(ConfigError) as err:
        OnlineQuality.load(tmp_path / "bad.json")
    assert err.value.field == str(tmp_path / "bad.json")


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: thompson(max_explore_usd=-1), "max_explore_usd"),
        (lambda: thompson(max_explore_usd=float("nan")), "max_explore_usd"),
        (lambda: thompson(max_explore_usd=True), "max_explore_usd"),
        (lambda: thompson(window="week"), "window"),  # type: ignore[arg-type]
        (lambda: thompson(cost_weight=-0.1), "cost_weight"),
        (lambda: thompson(prior_weight=0), "prior_weight"),
        (lambda: thompson(table(), models={"a": "medium"}), "models"),
        (lambda: thompson(table(), online=OnlineQuality()), "online"),
        (lambda: OnlineQuality(buckets=0), "buckets"),
        (lambda: OnlineQuality(table(), buckets=3), "buckets"),
        (lambda: OnlineQuality(sources="user"), "sources"),
        (lambda: OnlineQuality(prior=42), "prior"),  # type: ignore[arg-type]
        (lambda: prefer_sampled_quality(table()), "online"),  # type: ignore[arg-type]
    ],
)
def test_bad_arguments_are_config_errors_naming_the_field(build: Any, field: str) -> None:
    with pytest.raises(ConfigError) as err:
        build()
    assert err.value.field == field and err.value.fix


def test_a_prior_that_knows_none_of_the_deployments_is_refused_when_bound() -> None:
    policy = thompson(table())
    with pytest.raises(ConfigError) as err:
        policy.validate(["a", "b"])
    assert err.value.field == "models" and "models={" in (err.value.fix or "")
    thompson(table(), models={"a": "small"}).validate(["a", "b"])  # one known is enough


def test_outcomes_from_many_threads_are_all_counted() -> None:
    rows = [call(f"r{i}", "ab"[i % 2], (i % 7) / 7, difficulty=(i % 10) / 10) for i in range(800)]
    shared, alone = OnlineQuality(), OnlineQuality()
    alone.restore(rows)
    threads = [threading.Thread(target=shared.restore, args=(rows[k::8],)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert shared.observations() == alone.observations()
    assert shared.stats.outcomes == 800
