"""pair(): the two-deployment router whose threshold comes from a calibrated weights file."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import costroute
from costroute.catalog import default_deployments
from costroute.difficulty import CallableEstimator, LearnedEstimator, load_estimator
from costroute.errors import ConfigError
from costroute.policy import PairPolicy, pair
from costroute.types import Request, Signals

DEPS = tuple(default_deployments(api_key="k"))
STRONG, WEAK = "gpt-5.4", "deepseek-v4-pro"  # the weak one cannot read images
MSG = [{"role": "user", "content": "What is 2 + 2?"}]


def req(**kw: Any) -> Request:
    return Request(messages=({"role": "user", "content": "x"},), params={}, **kw)


def order(policy: PairPolicy, d: float, request: Request | None = None) -> list[str]:
    plan = policy.route(request or req(), Signals(deployments=DEPS, difficulty=d))
    return [c.deployment for c in plan.choices]


def calibrated(tmp_path: Path, threshold: float) -> Path:
    """The shipped weights, written again with a calibration block as the CLI writes it."""
    obj = LearnedEstimator.load().to_json()
    obj["meta"]["calibration"] = {"strong": STRONG, "weak": WEAK, "threshold": threshold}
    path = tmp_path / "pair.json"
    path.write_text(json.dumps(obj), "utf-8")
    return path


def test_strong_at_or_above_the_threshold_weak_below_the_other_as_fallback() -> None:
    p = pair(STRONG, WEAK, threshold=0.5)
    assert order(p, 0.5) == [STRONG, WEAK]
    assert order(p, 0.7) == [STRONG, WEAK]
    assert order(p, 0.4999) == [WEAK, STRONG]
    plan = p.route(req(), Signals(deployments=DEPS, difficulty=0.25))
    assert "difficulty 0.250 < threshold 0.5 -> deepseek-v4-pro" in plan.reasons
    assert plan.baseline == STRONG and plan.policy == "pair"


def test_a_weak_deployment_that_cannot_serve_is_skipped_with_its_reason() -> None:
    plan = pair(STRONG, WEAK, threshold=0.9).route(
        req(needs_vision=True), Signals(deployments=DEPS, difficulty=0.1)
    )
    assert [c.deployment for c in plan.choices] == [STRONG]
    assert any(r.startswith(f"skipped {WEAK}:") and "image" in r for r in plan.reasons)


def test_threshold_comes_from_the_calibrated_weights_file(tmp_path: Path) -> None:
    path = calibrated(tmp_path, 0.4321)
    assert LearnedEstimator.load(path).threshold == pytest.approx(0.4321)
    assert LearnedEstimator.load().threshold is None  # the shipped file is not calibrated
    p = pair(STRONG, WEAK, estimator=path)
    assert p.threshold == pytest.approx(0.4321)
    assert isinstance(p.estimator, LearnedEstimator)
    assert pair(STRONG, WEAK, estimator=path, threshold=0.9).threshold == 0.9


def test_router_scores_with_the_pairs_estimator_unless_given_its_own(tmp_path: Path) -> None:
    p = pair(STRONG, WEAK, estimator=lambda _m: 0.8, threshold=0.5)
    router = costroute.Router(DEPS, policy=p)
    assert router.estimator is p.estimator
    plan = router.explain(MSG)
    assert plan.difficulty == 0.8 and plan.choices[0].deployment == STRONG
    mine = costroute.Router(DEPS, policy=p, estimator=lambda _m: 0.1)
    plan = mine.explain(MSG)
    assert plan.difficulty == 0.1 and plan.choices[0].deployment == WEAK


def test_a_per_call_policy_file_is_scored_with_its_own_estimator(tmp_path: Path) -> None:
    weights = calibrated(tmp_path, 0.0)  # every request goes to the strong deployment
    f = tmp_path / "pair_policy.py"
    f.write_text(
        "from costroute.policy import pair\n"
        f"policy = pair({STRONG!r}, {WEAK!r}, estimator={str(weights)!r})\n",
        "utf-8",
    )
    router = costroute.Router(DEPS, estimator=lambda _m: 0.05)  # balanced, own estimator
    assert router.explain(MSG, policy=str(f)).difficulty == 0.05  # explicit estimator wins
    default = costroute.Router(DEPS)
    plan = default.explain(MSG, policy=str(f))
    assert plan.policy == "pair" and plan.choices[0].deployment == STRONG
    assert plan.difficulty == LearnedEstimator.load(weights).estimate(MSG).score
    assert default.explain(MSG).difficulty == costroute.difficulty.score(MSG)


def test_router_takes_a_policy_file_declaring_a_pair(tmp_path: Path) -> None:
    weights = calibrated(tmp_path, 1.5)  # above every score: always the weak deployment
    f = tmp_path / "pair_policy.py"
    f.write_text(
        f"from costroute.policy import pair\npolicy = pair({STRONG!r}, {WEAK!r}, "
        f"estimator={str(weights)!r})\n",
        "utf-8",
    )
    router = costroute.Router(DEPS, policy=f)
    assert isinstance(router.estimator, LearnedEstimator)
    assert (
        router.explain([{"role": "user", "content": "Prove Fermat's last theorem."}])
        .choices[0]
        .deployment
        == WEAK
    )


@pytest.mark.parametrize(
    ("kw", "field", "words"),
    [
        ({"threshold": -0.1}, "threshold", "outside"),
        ({"threshold": math.nan}, "threshold", "outside"),
        ({"threshold": True}, "threshold", "not a number"),
        ({"threshold": "0.5"}, "threshold", "not a number"),
        ({"estimator": "learned"}, "threshold", "no calibrated one"),
        ({"estimator": "nope"}, "estimator", "Unknown estimator"),
    ],
)
def test_bad_pair_arguments_are_config_errors(kw: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ConfigError) as err:
        pair(STRONG, WEAK, **kw)
    assert err.value.field == field and words in str(err.value)


def test_the_same_deployment_twice_and_unknown_deployments_name_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="twice"):
        pair(STRONG, STRONG, threshold=0.5)
    f = tmp_path / "p.py"
    f.write_text("from costroute.policy import pair\n\npolicy = pair('gpt-9', 'x', threshold=1)\n")
    with pytest.raises(ConfigError) as err:
        costroute.Router(DEPS, policy=f)
    assert err.value.field == f"{f}:3" and "'x'" in str(err.value)


def test_router_takes_a_preset_name() -> None:
    assert costroute.Router(DEPS, policy="quality-first").policy.name == "quality-first"
    with pytest.raises(ConfigError) as err:
        costroute.Router(DEPS, policy="quality_first")
    assert "did you mean 'quality-first'?" in str(err.value) and err.value.field == "policy"
    with pytest.raises(ConfigError, match="balanced, cascade"):
        costroute.Router(DEPS, policy="no-such-preset")
    with pytest.raises(ConfigError, match="cannot be read"):
        costroute.Router(DEPS, policy="no/such/file.py")


def test_load_estimator_names_paths_objects_and_functions(tmp_path: Path) -> None:
    assert load_estimator("heuristic").name == "heuristic"
    assert isinstance(load_estimator("learned"), LearnedEstimator)
    assert load_estimator("default") is costroute.difficulty.default_estimator()
    assert isinstance(load_estimator(calibrated(tmp_path, 0.5)), LearnedEstimator)
    assert isinstance(load_estimator(lambda _m: 0.3), CallableEstimator)
    with pytest.raises(ConfigError, match="cannot be read"):
        load_estimator(tmp_path / "missing.json")


def test_a_policy_whose_estimator_is_not_an_estimator_is_refused() -> None:
    class Odd:
        name = "odd"
        estimator = "learned"

        def route(self, request: Request, signals: Signals) -> Any:
            raise AssertionError("not reached")

    with pytest.raises(ConfigError) as err:
        costroute.Router(DEPS, policy=Odd())  # type: ignore[arg-type]
    assert err.value.field == "policy.estimator"


def test_a_quality_table_policy_carries_the_estimator_it_was_fitted_with() -> None:
    from costroute.catalog import Prices
    from costroute.eval.policy_eval import deployments_for
    from costroute.policy import load_policy_file

    root = Path(__file__).resolve().parents[2]
    policy = load_policy_file(root / "policies" / "zeroeval_table.py").build()
    assert isinstance(policy.estimator, LearnedEstimator)  # type: ignore[attr-defined]
    models = ["gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06"]
    deps = deployments_for(models, {m: Prices(input=1, output=2) for m in models})
    router = costroute.Router(deps, policy=policy)
    assert router.estimator is policy.estimator  # type: ignore[attr-defined]
    assert router.explain(MSG).difficulty == LearnedEstimator.load().estimate(MSG).score


def test_policy_file_errors_end_with_one_full_stop(tmp_path: Path) -> None:
    f = tmp_path / "p.py"
    f.write_text("from costroute.policy import rules\nx = rules.escalate_when(None, to_tier=7)\n")
    with pytest.raises(ConfigError) as err:
        costroute.load_policy(f)
    assert ".." not in str(err.value) and err.value.field == f"{f}:2"


def test_router_takes_an_estimator_by_name_or_weights_path(tmp_path: Path) -> None:
    assert isinstance(costroute.Router(DEPS, estimator="learned").estimator, LearnedEstimator)
    router = costroute.Router(DEPS, estimator=calibrated(tmp_path, 0.5))
    assert router.estimator.threshold == 0.5  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match="Unknown estimator"):
        costroute.Router(DEPS, estimator="nope")


def test_a_policy_that_is_not_a_policy_names_the_line_defining_it(tmp_path: Path) -> None:
    f = tmp_path / "p.py"
    f.write_text("x = 1\n\npolicy = 3\n")
    with pytest.raises(ConfigError) as err:
        costroute.load_policy(f)
    assert err.value.field == f"{f}:3" and "not a Policy" in str(err.value)
    f.write_text("import os\n\n\ndef make_policy():\n    return 'no'\n")
    with pytest.raises(ConfigError) as err:
        costroute.load_policy(f)
    assert err.value.field == f"{f}:4"


def test_a_threshold_calibrated_for_another_pair_is_refused(tmp_path: Path) -> None:
    path = calibrated(tmp_path, 0.3)  # calibrated for strong=STRONG, weak=WEAK
    with pytest.raises(ConfigError) as err:
        pair(WEAK, STRONG, estimator=path)  # swapped: hard requests would go to the weak one
    assert err.value.field == "strong/weak" and "calibrated for strong='gpt-5.4'" in str(err.value)
    with pytest.raises(ConfigError):
        pair("gpt-5.4", "claude-haiku-4-5", estimator=path)
    assert pair(WEAK, STRONG, estimator=path, threshold=0.3).estimator is not None  # explicit


@pytest.mark.parametrize("bad", [math.nan, -0.5, math.inf, True, "0.5"])
def test_calibrated_refuses_a_threshold_that_is_not_a_score(bad: Any) -> None:
    with pytest.raises(ConfigError) as err:
        LearnedEstimator.load().calibrated(bad, strong=STRONG, weak=WEAK)
    assert err.value.field == "threshold"
    assert LearnedEstimator.load().calibrated(1.2).threshold == 1.2  # above 1: never strong


def test_load_policy_builds_with_the_files_calibrated_params(tmp_path: Path) -> None:
    from costroute.policy import load_policy_file, write_params

    f = tmp_path / "tuned.py"
    f.write_text(
        "from costroute.policy import balanced\nPARAMS = {'hard_from': 0.6}\n"
        "SWEEP = {'hard_from': [0.5, 0.9]}\n\n"
        "def make_policy(hard_from=0.6):\n    return balanced(hard_from=hard_from)\n"
    )
    write_params(f, {"hard_from": 0.9})  # what router eval --target-... does
    for policy in (
        costroute.load_policy(f),
        costroute.Router(DEPS, policy=f).policy,
        load_policy_file(f).build(),
    ):
        plan = policy.route(req(), Signals(deployments=DEPS, difficulty=0.7))
        assert "difficulty 0.70 in [0.35, 0.9) -> strong tier" in plan.reasons


def test_a_cost_cap_keeps_reasoning_in_presets_as_in_rules() -> None:
    from costroute.policy import Rules, quality_first
    from costroute.policy.rules import prefer_quality, set_reasoning

    request = req(max_cost_usd=Decimal("0.05"))
    signals = Signals(deployments=DEPS, difficulty=0.9)
    tiered = quality_first(reasoning=True, max_fallbacks=5).route(request, signals)
    ruled = Rules(prefer_quality() | set_reasoning(0.35, 0.6), max_fallbacks=5).route(
        request, signals
    )
    for plan in (tiered, ruled):
        params = {c.deployment: dict(c.params) for c in plan.choices}
        assert params["gpt-5.4"] == {"reasoning_effort": "high", "max_tokens": 3333}
        assert params["claude-haiku-4-5"]["thinking"]["budget_tokens"] == 8000
        # the cap leaves the primary 5000 tokens, under its 8000 thinking budget: dropped, said
        assert params["claude-sonnet-5-5"] == {"max_tokens": 5000}
        assert any("thinking dropped (max_cost_usd leaves 5000" in r for r in plan.reasons)
    same = {c.deployment: dict(c.params) for c in tiered.choices}
    assert same == {c.deployment: dict(c.params) for c in ruled.choices}
