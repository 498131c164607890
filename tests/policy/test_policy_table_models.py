"""A quality table that knows none of the router's deployments is a ConfigError, raised before
any call, naming the table's models, the deployments and the ``models=`` fix."""

from __future__ import annotations

from pathlib import Path

import pytest

import costroute
from costroute.catalog import default_deployments, known
from costroute.errors import ConfigError
from costroute.policy import QualityTable, load_policy, quality_table
from costroute.types import Request, Signals

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"DEEPSEEK_API_KEY": "k", "OPENAI_API_KEY": "k", "ANTHROPIC_API_KEY": "k"}
DEPS = tuple(default_deployments(api_key="k"))
NAMES = [d.name for d in DEPS]
REQ = Request(messages=({"role": "user", "content": "x"},), params={})


def table() -> QualityTable:
    items = [(0.1, "general", {"small": 1.0, "big": 1.0})] * 20
    items += [(0.9, "general", {"small": 0.0, "big": 1.0})] * 20
    return QualityTable.fit(items, buckets=2, min_items=10)


def test_a_router_none_of_whose_deployments_the_table_knows_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as err:
        costroute.Router(policy=quality_table(table()), environ=KEYS)
    text = str(err.value)
    assert err.value.field == "models"
    assert "big, small" in text  # the table's models
    assert all(name in text for name in NAMES)  # the router's deployments
    assert "every request would go to the cheapest deployment" in text
    assert err.value.fix and "models={'deepseek-v4-flash': 'big'}" in err.value.fix


def test_a_mapping_makes_it_route_by_predicted_quality() -> None:
    models = {"deepseek-v4-flash": "small", "claude-sonnet-5-5": "big"}
    policy = quality_table(table(), 0.1, models=models)
    router = costroute.Router(policy=policy, environ=KEYS)
    assert router.policy is policy
    hard = policy.route(REQ, Signals(deployments=DEPS, difficulty=0.9))
    thrifty = quality_table(table(), 1.0, models=models)
    easy = thrifty.route(REQ, Signals(deployments=DEPS, difficulty=0.1))
    assert hard.primary.deployment == "claude-sonnet-5-5"
    assert easy.primary.deployment == "deepseek-v4-flash"
    assert any(r.startswith("predicted quality 1.00 for claude-sonnet-5-5") for r in hard.reasons)


def test_a_mapping_to_an_unknown_model_or_deployment_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="'medium'") as err:
        quality_table(table(), models={"deepseek-v4-flash": "medium"})
    assert err.value.field == "models" and "big, small" in str(err.value)
    policy = quality_table(table(), models={"gpt-9": "big", "deepseek-v4-flash": "small"})
    with pytest.raises(ConfigError, match="'gpt-9'") as err:
        costroute.Router(policy=policy, environ=KEYS)
    assert (err.value.field or "").startswith(__file__)


def test_routing_over_unknown_deployments_raises_too() -> None:
    with pytest.raises(ConfigError) as err:
        quality_table(table()).route(REQ, Signals(deployments=DEPS, difficulty=0.5))
    assert err.value.field == "models"


def test_a_known_deployment_dropped_at_routing_leaves_a_true_reason() -> None:
    deps = (known("gpt-4o-mini", api_key="k"), known("deepseek-v4-flash", api_key="k"))
    policy = quality_table(table(), models={"gpt-4o-mini": "big"})
    signals = Signals(deployments=deps, difficulty=0.9, open_breakers=frozenset({"gpt-4o-mini"}))
    plan = policy.route(REQ, signals)
    assert plan.primary.deployment == "deepseek-v4-flash"
    assert (
        "quality table: no candidate left is one of its models (big, small); ordered by cost"
        in (plan.reasons)
    )


def test_the_zeroeval_file_on_a_default_router_is_a_config_error() -> None:
    path = ROOT / "policies" / "zeroeval_table.py"
    with pytest.raises(ConfigError, match="gpt-4o-2024-08-06") as err:
        load_policy(path, NAMES)
    assert (err.value.field or "").startswith(str(path))
    assert err.value.fix and "models=" in err.value.fix
    with pytest.raises(ConfigError, match="knows none of the deployments"):
        costroute.Router(policy=str(path), environ=KEYS)
