"""Policy files: every file in policies/ loads and routes; load errors name file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import costroute
from costroute.catalog import default_deployments
from costroute.errors import ConfigError
from costroute.policy import (
    Policy,
    Rules,
    cascade,
    load_policy,
    load_policy_file,
    write_params,
)
from costroute.policy.rules import Chain, tier_by_difficulty
from costroute.types import Request, Signals

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(p for p in (ROOT / "policies").glob("*.py") if p.name != "zeroeval_table.py")
KEYS = {"DEEPSEEK_API_KEY": "k", "OPENAI_API_KEY": "k", "ANTHROPIC_API_KEY": "k"}
DEPS = tuple(default_deployments(api_key="k"))
NAMES = [d.name for d in DEPS]


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_policy_file_loads_and_routes(path: Path) -> None:
    policy = load_policy(path, NAMES)
    assert isinstance(policy, Policy)
    router = costroute.Router(policy=policy, environ=KEYS)
    for text in ("hi", "Prove that there are infinitely many primes, step by step, rigorously."):
        plan = router.explain([{"role": "user", "content": text}])
        assert plan.choices and plan.reasons


def test_zeroeval_table_file_routes_over_its_pool() -> None:
    from costroute.catalog import Prices
    from costroute.eval.policy_eval import deployments_for

    pf = load_policy_file(ROOT / "policies" / "zeroeval_table.py")
    policy = pf.build()
    models = ["gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06"]
    deps = deployments_for(
        models, {m: Prices(input=1 + i, output=2 + 8 * i) for i, m in enumerate(models)}
    )
    plan = policy.route(
        Request(messages=({"role": "user", "content": "x"},), params={}),
        Signals(deployments=tuple(deps), difficulty=0.5, category="math"),
    )
    assert plan.primary.deployment in models
    assert pf.sweep["cost_weight"] and pf.params["cost_weight"] >= 0


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "pol.py"
    p.write_text(text, encoding="utf-8")
    return p


def test_syntax_error_names_line(tmp_path: Path) -> None:
    p = write(tmp_path, "from costroute.policy import balanced\n\npolicy = balanced(\n")
    with pytest.raises(ConfigError) as info:
        load_policy(p)
    assert (info.value.field or "").startswith(f"{p}:")


def test_exception_names_line(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "from costroute.policy import balanced\nx = 1\npolicy = balanced(easy_below=0.9, hard_from=0.1)\n",
    )
    with pytest.raises(ConfigError) as info:
        load_policy(p)
    assert info.value.field == f"{p}:3" and "easy_below" in str(info.value)
    p = write(tmp_path, "x = 1\nraise RuntimeError('boom')\n")
    with pytest.raises(ConfigError, match="RuntimeError: boom") as info:
        load_policy(p)
    assert info.value.field == f"{p}:2"


def test_file_without_policy(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="neither `policy` nor `make_policy"):
        load_policy(write(tmp_path, "x = 1\n"))
    with pytest.raises(ConfigError, match="not a Policy"):
        load_policy(write(tmp_path, "policy = 3\n"))
    with pytest.raises(ConfigError, match="cannot be read"):
        load_policy(tmp_path / "missing.py")


def test_make_policy_and_unknown_deployment_line(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "from costroute.policy import Rules\nfrom costroute.policy.rules import prefer, prefer_cheap\n\n"
        "def make_policy():\n    return Rules(prefer_cheap() | prefer('gpt-9'))\n",
    )
    assert load_policy(p).name == "rules"
    with pytest.raises(ConfigError, match="gpt-9") as info:
        load_policy(p, NAMES)
    assert info.value.field == f"{p}:5"


def hard_from(policy: object) -> float:
    """The ``hard_from`` of a balanced() policy's tier rule."""
    assert isinstance(policy, Rules) and isinstance(policy.rule, Chain)
    (rule,) = (r for r in policy.rule.rules if isinstance(r, tier_by_difficulty))
    return rule.hard_from


def test_write_params_then_build_uses_the_calibrated_value(tmp_path: Path) -> None:
    source = (
        "from costroute.policy import balanced\nPARAMS = {\n    'hard_from': 0.6,\n}\n"
        "SWEEP = {'hard_from': [0.5, 0.7]}\n\ndef make_policy(hard_from):\n    return balanced(hard_from=hard_from)\n"
    )
    p = write(tmp_path, source)
    write_params(p, {"hard_from": 0.7})
    pf = load_policy_file(p)
    assert pf.params == {"hard_from": 0.7} and hard_from(pf.build()) == 0.7
    assert hard_from(pf.build(hard_from=0.5)) == 0.5
    assert p.read_text() == source  # the value is in p's params file, not in p


def test_cascade_plan_carries_the_intent() -> None:
    request = Request(messages=({"role": "user", "content": "x"},), params={})
    plan = cascade().route(request, Signals(deployments=DEPS, difficulty=0.2))
    assert plan.cascade is not None
    assert plan.primary.deployment == "deepseek-v4-flash"
    first = {c.deployment for c in plan.choices}
    tiers = {d.name: d.tier for d in DEPS}
    assert all(tiers[c.deployment] == 3 for c in plan.cascade.escalate_to)
    assert not first & {c.deployment for c in plan.cascade.escalate_to}
    assert plan.cascade.check(request, {"content": ""}) == "empty answer"
    assert "escalate_to" in repr(plan.cascade)


def test_cascade_is_off_for_streams_and_without_a_target() -> None:
    request = Request(messages=({"role": "user", "content": "x"},), params={}, stream=True)
    plan = cascade().route(request, Signals(deployments=DEPS, difficulty=0.2))
    assert plan.cascade is None
    cheap_only = tuple(d for d in DEPS if d.tier == 1)
    plan = cascade().route(
        request.__class__(messages=request.messages, params={}),
        Signals(deployments=cheap_only, difficulty=0.2),
    )
    assert plan.cascade is None and any("cascade off" in r for r in plan.reasons)


def test_router_loads_a_policy_path_and_checks_names(tmp_path: Path) -> None:
    router = costroute.Router(policy=str(ROOT / "policies" / "balanced.py"), environ=KEYS)
    assert router.policy.name == "balanced"
    p = write(
        tmp_path,
        "from costroute.policy import Rules\nfrom costroute.policy.rules import only\n"
        "policy = Rules(only('gpt-9'))\n",
    )
    with pytest.raises(ConfigError, match="gpt-9") as info:
        costroute.Router(policy=str(p), environ=KEYS)  # type: ignore[arg-type]
    assert info.value.field == f"{p}:3"


def test_missing_key_reason_keeps_the_cascade() -> None:
    keys = {"DEEPSEEK_API_KEY": "k", "ANTHROPIC_API_KEY": "k"}
    router = costroute.Router(default_deployments(), policy=cascade(), environ=keys)
    plan = router.explain([{"role": "user", "content": "hi"}])
    assert any("no API key" in r for r in plan.reasons)
    assert plan.cascade is not None


SHARED = ROOT.parent / "shared" / "data" / "zeroeval"


def _load_benchmark(name: str) -> Any:
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "items.csv").exists(), reason="needs ../shared/data/zeroeval")
def test_zeroeval_table_file_is_the_train_calibration(tmp_path: Path) -> None:
    """The shipped table and cost weight are what policy_quality.py picks on TRAIN alone."""
    import json

    from costroute.difficulty import LearnedEstimator
    from costroute.eval import load_jsonl
    from costroute.eval import policy_eval as pe

    make_jsonl = _load_benchmark("make_zeroeval_jsonl")
    assert make_jsonl.main(["--src", str(SHARED), "--out", str(tmp_path)]) == 0
    bench = _load_benchmark("policy_quality")
    prices = pe.prices_from_csv(SHARED / "models.csv")
    pool = bench.POOL
    records = load_jsonl(tmp_path / "train.jsonl")
    _, table, _, _, chosen = bench.calibrate_on_train(
        records, LearnedEstimator.load(), {m: prices[m] for m in pool}, 0.2
    )
    shipped = json.loads((ROOT / "policies" / "zeroeval_table.json").read_text("utf-8"))
    fresh = table.to_json()
    assert fresh["edges"] == shipped["edges"] and fresh["quality"] == shipped["quality"]
    pf = load_policy_file(ROOT / "policies" / "zeroeval_table.py")
    assert chosen.cost_share <= 0.2
    assert pf.params["cost_weight"] == pytest.approx(chosen.value)
    assert chosen.value in pf.sweep["cost_weight"]


def test_task_mix_bound_matches_a_hand_computed_mix() -> None:
    """The benchmark's per-task ceiling: a fractional mix on the hull, figures worked by hand."""
    from costroute.eval import Record

    bench = _load_benchmark("policy_quality")
    mini, big = "gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06"

    def rec(i: int, task: str, mini_ok: float) -> Record:
        scores = {m: 0.0 for m in bench.POOL} | {mini: mini_ok, big: 1.0}
        costs = {m: 10.0 for m in bench.POOL} | {mini: 0.1, big: 1.0}
        return Record(
            f"{task}{i}", ({"role": "user", "content": f"{task}{i}"},), scores, task, costs
        )

    records = [rec(0, "a", 1.0), rec(1, "a", 1.0), rec(0, "b", 0.0), rec(1, "b", 0.0)]
    # gpt-4o everywhere costs 4. All mini: accuracy 0.5 at 0.4/4 = 0.1 of it; task b on gpt-4o:
    # accuracy 1.0 at 2.2/4 = 0.55. At a share of 0.2 the mix is 0.1/0.45 of the way: 0.6111.
    got = bench.task_mix_bound(records, 0.2)
    assert got == {"accuracy": pytest.approx(0.5 + 0.5 * 0.1 / 0.45, abs=1e-4), "cost_share": 0.2}
    assert bench.task_mix_bound(records, 0.6) == {"accuracy": 1.0, "cost_share": 0.55}


def test_rules_balanced_makes_the_first_choice_balanced_makes() -> None:
    tiered, ruled = (
        load_policy(ROOT / "policies" / "balanced.py"),
        load_policy(ROOT / "policies" / "rules_balanced.py"),
    )
    request = Request(messages=({"role": "user", "content": "x"},), params={})
    for d in (0.0, 0.2, 0.35, 0.45, 0.59, 0.6, 0.9):
        signals = Signals(deployments=DEPS, difficulty=d)
        first = tiered.route(request, signals).primary.deployment
        assert ruled.route(request, signals).primary.deployment == first, d
