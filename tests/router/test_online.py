"""Online mode through the router: each outcome it records (``feedback``, ``afeedback``, a
labelling Checker's grades) updates the posterior of the deployment it grades, in the call's
recorded category and difficulty bucket; the ledger restores the same posteriors at start."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import pytest
import respx

import costroute
from costroute import Checker, Labeling
from costroute.catalog import Deployment, known
from costroute.errors import ConfigError
from costroute.policy import OnlineQuality, QualityTable, thompson

Q = [{"role": "user", "content": "What is 2 + 2? Answer with the number."}]
A, B = (Deployment(name=n, model="deepseek/deepseek-v4-flash") for n in "ab")  # same price
CHEAP, REF = "deepseek-v4-flash", "claude-sonnet-5-5"


def _router(router_factory: Any, tmp_path: Path, policy: Any, **kw: Any) -> costroute.Router:
    kw.setdefault("deployments", [A, B])
    kw.setdefault("rng", random.Random(0).random)
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    router: costroute.Router = router_factory(policy=policy, ledger=url, **kw)
    return router


def test_feedback_updates_the_answering_deployments_cell(
    router_factory: Any, tmp_path: Path, wrong_and_right: dict[str, respx.Route]
) -> None:
    policy = thompson()
    router = _router(router_factory, tmp_path, policy)
    info = router.chat(messages=Q).costroute
    assert any(r.startswith("thompson: ") for r in info.reasons)
    assert policy.stats.calls == 1
    online, rid = policy.online, info.request_id
    own = online.key(info.category, info.difficulty, info.deployment)
    other = "b" if info.deployment == "a" else "a"
    router.feedback(rid, 0.75)
    assert online.observations() == {own: (0.75, 0.25, 1)}
    router.feedback(rid, 0.25)  # the same source again: replaces, as in the ledger
    router.feedback(rid, 1.0, source="judge")  # a comparison with a reference: not counted
    router.feedback(rid, 1.0, source="check", deployment=other)  # another deployment's answer
    assert online.observations() == {
        own: (0.25, 0.75, 1),
        (own[0], own[1], other): (1.0, 0.0, 1),
    }
    assert online.posterior(info.category, info.difficulty, info.deployment) == (1.25, 1.75)
    asyncio.run(router.afeedback(rid, 1.0, source="tests"))
    assert online.observations()[own] == (1.25, 0.75, 2)
    plan = router.explain(Q)  # the greedy pick, nothing sampled nor counted
    assert any(r.endswith("a call samples") for r in plan.reasons)
    assert policy.stats.calls == 1 and policy.stats.outcomes == 3


def test_a_labelling_checker_updates_both_graded_deployments(
    router_factory: Any, tmp_path: Path, wrong_and_right: dict[str, respx.Route]
) -> None:
    policy = thompson()
    labeling = Labeling(
        fraction=1.0, max_usd=5, judge=Checker(lambda _m, a: float(a.strip(" .") == "4")),
        challenger=CHEAP,
    )  # fmt: skip
    router = _router(
        router_factory, tmp_path, policy, deployments=[known(CHEAP), known(REF)],
        baseline=REF, labeling=labeling,
    )  # fmt: skip
    info = router.chat(messages=Q).costroute
    assert router.labeling is not None and router.labeling.wait(30)
    bucket = policy.online.key(info.category, info.difficulty, CHEAP)[:2]
    assert policy.online.observations() == {
        (*bucket, CHEAP): (0.0, 1.0, 1),  # "5": wrong, whichever way it was asked
        (*bucket, REF): (1.0, 0.0, 1),  # "4.": right
    }
    sources = {o.source for o in router.usage.outcomes()}
    assert sources == {"check", f"check@{REF if info.deployment == CHEAP else CHEAP}"}


def _stream(router: costroute.Router, n: int, truth: dict[str, float], seed: int) -> list[str]:
    """``n`` calls, each rated 1 with the answering deployment's true success rate, else 0."""
    world, picks = random.Random(seed), []
    for _ in range(n):
        info = router.chat(messages=Q).costroute
        picks.append(info.deployment)
        router.feedback(info.request_id, float(world.random() < truth[info.deployment]))
    return picks


def test_through_the_router_it_converges_to_the_better_deployment(
    router_factory: Any, tmp_path: Path, wrong_and_right: dict[str, respx.Route]
) -> None:
    policy = thompson()
    router = _router(router_factory, tmp_path, policy)
    picks = _stream(router, 200, {"a": 0.9, "b": 0.6}, seed=1)
    assert picks[-100:].count("a") > 90
    assert policy.stats.outcomes == 200 and policy.stats.calls == 200


def test_the_ledger_restores_the_live_posteriors(
    router_factory: Any, tmp_path: Path, wrong_and_right: dict[str, respx.Route]
) -> None:
    prior = QualityTable.fit([(0.2, "general", {"a": 0.7, "b": 0.5})] * 40, min_items=10)
    policy = thompson(prior)
    router = _router(router_factory, tmp_path, policy)
    world = random.Random(5)
    for i in range(40):
        info = router.chat(messages=Q).costroute
        router.feedback(info.request_id, world.choice([0.0, 0.3, 0.7, 1.0]))
        if i % 3 == 0:  # a corrected rating replaces the first
            router.feedback(info.request_id, world.random())
        if i % 4 == 0:
            router.feedback(info.request_id, world.random(), source="check", deployment="b")
        if i % 5 == 0:
            router.feedback(info.request_id, 1.0, source="judge")
    live = policy.online.observations()
    assert sum(n for _s, _f, n in live.values()) == 40 + 10 == policy.stats.outcomes
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    assert OnlineQuality.from_ledger(url, prior=prior).observations() == live
    restored = OnlineQuality.from_ledger(router.usage, prior=prior)
    assert restored.observations() == live
    again = _router(router_factory, tmp_path, thompson(online=restored))  # a restart
    info = again.chat(messages=Q).costroute
    again.feedback(info.request_id, 1.0)
    assert restored.stats.outcomes == 51


def test_a_bad_argument_or_an_unknown_prior_raises_before_any_call(
    router_factory: Any, wrong_and_right: dict[str, respx.Route]
) -> None:
    with pytest.raises(ConfigError) as err:
        router_factory(policy=thompson(max_explore_usd=-5), deployments=[A, B])
    assert err.value.field == "max_explore_usd"
    prior = QualityTable.fit([(0.2, "general", {"x": 0.7, "y": 0.5})] * 40, min_items=10)
    with pytest.raises(ConfigError) as err:
        router_factory(policy=thompson(prior), deployments=[A, B])
    assert err.value.field == "models"
    assert not any(route.called for route in wrong_and_right.values())


def test_the_router_version_covers_the_settings_not_the_learned_state() -> None:
    from costroute.difficulty import default_estimator
    from costroute.router._version import version_of

    est = default_estimator()
    learned = OnlineQuality()
    learned.record("general", 0.1, "a", 1.0)
    fresh = version_of("v", thompson(max_explore_usd=1), est)
    assert version_of("v", thompson(online=learned, max_explore_usd=1), est) == fresh
    assert version_of("v", thompson(max_explore_usd=2), est) != fresh
    assert version_of("v", thompson(cost_weight=0.2, max_explore_usd=1), est) != fresh
