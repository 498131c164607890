"""Router versions: a name and a digest of what decides (policy and estimator data), stable across
routers and processes, changed by any weight or parameter; explain() names the deciding one."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from typing import Any

import pytest

from costroute.difficulty import LearnedEstimator, load_estimator
from costroute.errors import ConfigError, RolloutError
from costroute.policy import balanced
from costroute.router._version import RouterVersion, version_of

Q = [{"role": "user", "content": "What is the capital of France?"}]


def _learned() -> LearnedEstimator:
    found = load_estimator("learned")
    assert isinstance(found, LearnedEstimator)
    return found


def test_the_digest_is_stable_across_routers_and_processes(router_factory: Any) -> None:
    first, second = router_factory(ledger=False), router_factory(ledger=False)
    assert first.rollout.current == second.rollout.current
    assert first.rollout.current.name == "default" and len(first.rollout.current.digest) == 16
    code = (
        "import costroute; from costroute.router._version import version_of;"
        " from costroute.policy import balanced; from costroute import difficulty;"
        " print(version_of('default', balanced(), difficulty.load_estimator('learned')))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == str(version_of("default", balanced(), _learned()))


def test_the_digest_changes_with_any_weight_or_parameter() -> None:
    learned = _learned()
    base = version_of("v", balanced(), learned)
    nudged = LearnedEstimator(
        (learned.weights[0] + 1e-6, *learned.weights[1:]),
        learned.bias,
        mean=learned.mean,
        std=learned.std,
        vocab=learned.vocab,
        meta=learned.meta,
        name=learned.name,
    )
    assert version_of("v", balanced(), nudged).digest != base.digest
    assert version_of("v", balanced(hard_from=0.61), learned).digest != base.digest
    assert version_of("v", balanced(max_fallbacks=1), learned).digest != base.digest
    assert version_of("v", balanced(), learned) == base  # equal data, equal digest
    assert version_of("other", balanced(), learned).digest == base.digest  # the name is apart
    assert str(base) == f"v@{base.digest}" and repr(base) == f"<RouterVersion v@{base.digest}>"


def test_explain_names_the_deciding_version(router_factory: Any) -> None:
    router = router_factory(ledger=False)
    plan = router.explain(Q)
    assert plan.router_version == str(router.rollout.current)
    # A pinned model and a per-call policy are not decided by the router's version.
    assert router.explain(Q, model="claude-haiku-4-5").router_version is None
    assert router.explain(Q, policy="quality-first").router_version is None


def test_propose_refuses_bad_names_and_identical_candidates(router_factory: Any) -> None:
    router = router_factory(ledger=False)
    for name in ("", "  ", "a@b", 3):
        with pytest.raises(ConfigError) as caught:
            router.rollout.propose(balanced(), name=name)
        assert caught.value.field == "name"
    with pytest.raises(RolloutError, match="decides exactly like") as same:
        router.rollout.propose(balanced(), name="again")
    assert same.value.field == "candidate"
    with pytest.raises(ConfigError):
        router.rollout.propose("no-such-estimator", name="x")
    assert router.rollout.candidate is None


def test_propose_takes_estimators_policies_and_their_names(router_factory: Any) -> None:
    router = router_factory(ledger=False)
    by_policy = router.rollout.propose(balanced(hard_from=0.5), name="policy")
    assert router.rollout.candidate == by_policy
    by_name = router.rollout.propose("learned", name="weights")  # replaces the first
    assert router.rollout.candidate == by_name != by_policy
    assert by_name == version_of("weights", router.policy, _learned())
    preset = router.rollout.propose("quality-first", name="preset")
    assert preset.name == "preset" and router.rollout.candidate == preset
    router.rollout.withdraw()
    assert router.rollout.candidate is None


def test_a_version_is_a_frozen_value() -> None:
    version = RouterVersion("a", "0" * 16)
    with pytest.raises(dataclasses.FrozenInstanceError):
        version.name = "b"  # type: ignore[misc]


def test_a_policy_files_params_json_is_part_of_its_digest(
    router_factory: Any, tmp_path: Any
) -> None:
    from costroute.policy import write_params

    path = tmp_path / "mine.py"
    path.write_text(
        "from costroute.policy import balanced\n"
        "PARAMS = {'hard_from': 0.6}\n"
        "def make_policy(hard_from=0.6):\n"
        "    return balanced(hard_from=hard_from, name='mine')\n"
    )
    router = router_factory(ledger=False)
    before = router.rollout.propose(str(path), name="mine")
    write_params(path, {"hard_from": 0.5})
    after = router.rollout.propose(str(path), name="mine")
    assert before.digest != after.digest
    assert (
        before.digest
        == version_of("mine", balanced(hard_from=0.6, name="mine"), router.estimator).digest
    )


def test_an_estimator_without_a_plain_to_json_is_described_by_its_attributes() -> None:
    class Scaled:
        name = "scaled"

        def __init__(self, factor: float) -> None:
            self.factor = factor
            self._cache: dict[str, float] = {}  # private: not part of the version

        def to_json(self, indent: int) -> str:  # wants an argument: not the weights' form
            return "{}"

        def estimate(self, messages: Any) -> Any:
            raise NotImplementedError

    half, same, double = Scaled(0.5), Scaled(0.5), Scaled(2.0)
    same._cache["seen"] = 1.0
    assert version_of("s", balanced(), half) == version_of("s", balanced(), same)
    assert version_of("s", balanced(), half) != version_of("s", balanced(), double)
