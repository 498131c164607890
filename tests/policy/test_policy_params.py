"""Calibrated parameters live in ``<policy>.params.json`` beside the policy file: written
(merged, atomically) by calibration, read by the loader over the file's ``PARAMS``; the
policy's source is never touched."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from costroute.errors import ConfigError
from costroute.eval import policy_eval as pe
from costroute.policy import (
    check_params,
    load_params,
    load_policy,
    load_policy_file,
    params_path,
    write_params,
)
from costroute.types import Request, Signals

STYLED = (
    '"""A policy."""\n'
    "from costroute.policy import balanced\n"
    "# before PARAMS\n"
    "PARAMS = {\n"
    '    "hard_from": 0.6,  # tuned on train\n'
    "    # a comment inside\n"
    '    "name": "tbl",\n'
    "}\n"
    "SWEEP = {'hard_from': [0.5, 0.9]}  # after\n\n"
    "def make_policy(hard_from=0.6, name='x', extra=None):\n"
    "    return balanced(hard_from=hard_from, name=name)\n"
)


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "mine.py"
    path.write_bytes(STYLED.encode())
    return path


def test_the_params_file_sits_beside_the_policy_file(policy: Path) -> None:
    assert params_path(policy) == policy.with_name("mine.params.json")
    assert params_path("policies/zeroeval_table.py") == Path("policies/zeroeval_table.params.json")
    assert load_params(policy) == {}  # none yet: the file's PARAMS alone
    assert load_policy_file(policy).params == {"hard_from": 0.6, "name": "tbl"}


def test_write_params_stores_json_merges_and_never_touches_the_source(policy: Path) -> None:
    written = pe.write_params(policy, {"hard_from": 0.9})  # what router eval --target-... does
    assert written == params_path(policy)
    assert json.loads(written.read_text()) == {"hard_from": 0.9}
    write_params(policy, {"name": "it's", "extra": [1, "a"]})
    assert load_params(policy) == {"hard_from": 0.9, "name": "it's", "extra": [1, "a"]}
    assert policy.read_bytes() == STYLED.encode()
    assert [p.name for p in policy.parent.iterdir()] == sorted(["mine.py", "mine.params.json"])
    pf = load_policy_file(policy)
    assert pf.params == {"hard_from": 0.9, "name": "it's", "extra": [1, "a"]}
    plan = load_policy(policy).route(
        Request(messages=({"role": "user", "content": "x"},), params={}),
        Signals(deployments=_deps(), difficulty=0.7),
    )
    assert plan.policy == "it's" and "difficulty 0.70 in [0.35, 0.9) -> strong tier" in plan.reasons


def _deps() -> tuple[Any, ...]:
    from costroute.catalog import default_deployments

    return tuple(default_deployments(api_key="k"))


@pytest.mark.parametrize("value", [Decimal("0.1"), math.nan, math.inf, (1, 2), {1, 2}, object()])
def test_a_value_json_cannot_hold_is_refused_and_nothing_written(policy: Path, value: Any) -> None:
    with pytest.raises(ConfigError, match="as JSON") as err:
        write_params(policy, {"hard_from": value})
    assert err.value.field == "hard_from" and err.value.fix
    with pytest.raises(ConfigError, match="as JSON"):
        check_params(policy, "hard_from", [0.5, value])
    assert not params_path(policy).exists() and policy.read_bytes() == STYLED.encode()


@pytest.mark.parametrize(
    ("content", "match"), [("[1, 2]", "not a JSON object"), ("{oops", "is not JSON")]
)
def test_a_broken_params_file_is_an_error_naming_it(policy: Path, content: str, match: str) -> None:
    params_path(policy).write_text(content)
    for call in (
        lambda: load_policy_file(policy),
        lambda: check_params(policy, "hard_from", [0.5]),
        lambda: write_params(policy, {"hard_from": 0.5}),
    ):
        with pytest.raises(ConfigError, match=match) as err:
            call()
        assert err.value.field == str(params_path(policy))
    assert params_path(policy).read_text() == content


def test_a_stored_name_make_policy_lacks_names_the_policy_file(policy: Path) -> None:
    params_path(policy).write_text('{"nosuch": 1}')
    with pytest.raises(ConfigError, match="unexpected keyword argument 'nosuch'") as err:
        load_policy(policy)
    assert str(policy) in err.value.field


def test_check_params_refuses_a_params_file_it_cannot_write(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be written") as err:
        check_params(tmp_path / "no-such-folder" / "p.py", "hard_from", [0.5])
    assert err.value.field.endswith("p.params.json")


def test_check_params_accepts_plain_values(policy: Path) -> None:
    check_params(policy, "hard_from", [0.0, 0.5, "x", None, [1, 2], {"a": 1}, True])
    assert not params_path(policy).exists()
