"""The catalog: defaults, pinned facts, overrides, keys and deprecations."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import re
import warnings
from decimal import Decimal as D
from pathlib import Path

import pytest

import costroute
from costroute.catalog import DEFAULT_NAMES, Deployment, Prices, default_deployments, known
from costroute.errors import ConfigError, MissingAPIKeyError


def test_default_catalog_covers_the_three_families() -> None:
    deps = {d.name: d for d in default_deployments()}
    assert tuple(deps) == DEFAULT_NAMES
    assert {d.provider for d in deps.values()} == {"deepseek", "anthropic", "openai"}
    assert deps["deepseek-v4-pro"].capabilities.reasoning
    assert deps["deepseek-v4-flash"].prices == Prices(
        input=D("0.3"),
        output=D("1.2"),
        cache_read=D("0.006"),
        cache_write=D("0"),
        off_peak=deps["deepseek-v4-flash"].prices.off_peak,
    )
    assert deps["claude-sonnet-5-5"].tier == 3 and deps["claude-haiku-4-5"].tier == 1
    assert deps["gpt-5.4"].tier == 3 and deps["gpt-5.4-mini"].tier == 1
    assert all(d.deprecation_date is None for d in deps.values())


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def test_pinned_facts_match_litellms_bundled_map() -> None:
    """pinned.json holds the map of the litellm release it names: a litellm that new or newer
    must agree on every fact (re-pin when its map changes one). An older release may bundle an
    older map (1.100.0: no Claude Sonnet 5.5, DeepSeek V4 Flash at 0.44 / 1.32); on every
    release costroute's deployments and parameter rules keep the pinned facts."""
    from costroute.catalog._pinned import PINNED
    from costroute.providers import litellm
    from costroute.providers._params import _map_entry

    pinned_from = json.loads(
        Path(costroute.catalog.__file__).with_name("pinned.json").read_text(encoding="utf-8")
    )["litellm"]
    lite = litellm()
    cost_map = lite.model_cost
    current = _release(importlib.metadata.version("litellm")) >= _release(pinned_from)
    for model, row in PINNED.items():
        dep = Deployment(name="d", model=model)
        assert (dep.prices.input, dep.prices.output) == (D(row["input"]), D(row["output"])), model
        provider, _, name = model.partition("/")
        assert _map_entry(lite, model, name, provider) == row["param_facts"], model
        if not current:
            continue
        info = cost_map[row["map_key"]]
        assert D(row["input"]) == D(repr(info["input_cost_per_token"])) * 1_000_000, model
        assert D(row["output"]) == D(repr(info["output_cost_per_token"])) * 1_000_000, model
        assert row["context_window"] == info.get("max_input_tokens"), model
        assert row["tools"] == bool(info.get("supports_function_calling")), model
        assert row["param_facts"] == {k: info.get(k) for k in row["param_facts"]}, model


def test_r1_and_reasoner_have_the_documented_prices() -> None:
    r1 = known("deepseek-r1")
    assert (r1.prices.input, r1.prices.output, r1.prices.cache_read) == (
        D("0.55"),
        D("2.19"),
        D("0.14"),
    )
    reasoner = known("deepseek-reasoner")
    assert (reasoner.prices.input, reasoner.prices.output) == (D("0.28"), D("0.42"))
    assert not reasoner.capabilities.tools


def test_deprecation_notice_names_the_successor() -> None:
    reasoner = known("deepseek-reasoner")
    assert reasoner.deprecation_notice(dt.date(2026, 7, 23)) is None
    notice = reasoner.deprecation_notice(dt.date(2026, 7, 24))
    assert notice and "deepseek-v4-flash" in notice
    sonnet45 = known("claude-sonnet-4-5")
    assert sonnet45.deprecation_notice(dt.date(2026, 11, 29)) is None
    assert "claude-sonnet-5-5" in (sonnet45.deprecation_notice(dt.date(2026, 11, 30)) or "")


def test_router_warns_about_deprecated_deployments(keys: dict[str, str]) -> None:
    old = known("gpt-5")  # deprecated 2026-12-11, successor gpt-5.6-sol
    with pytest.warns(costroute.ModelDeprecationWarning, match="gpt-5.6-sol"):
        costroute.Router([old], now=lambda: dt.datetime(2026, 12, 12, tzinfo=dt.UTC))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        costroute.Router([old], now=lambda: dt.datetime(2026, 12, 10, tzinfo=dt.UTC))


def test_same_model_on_two_hosts_is_two_deployments(keys: dict[str, str]) -> None:
    official = known("deepseek-r1")
    hosted = Deployment(
        name="r1-hosted",
        model="openai/deepseek-ai/DeepSeek-R1",
        api_base="https://llm.example/v1",
        api_key="sk-host",
        prices=Prices(input=D("3"), output=D("7")),
        capabilities={"reasoning": True, "context_window": 128_000, "max_output": 32_000},
        tier=2,
    )
    router = costroute.Router([official, hosted])
    assert set(router.deployments) == {"deepseek-r1", "r1-hosted"}
    assert router.deployments["r1-hosted"].prices.input == D("3")


def test_overrides_merge_with_pinned_capabilities() -> None:
    dep = known(
        "deepseek-v4-flash", capabilities={"tools": False}, tier=2, params={"temperature": 0.2}
    )
    assert (
        not dep.capabilities.tools
        and dep.capabilities.vision
        and dep.capabilities.context_window == 1_000_000
    )
    assert dep.tier == 2 and dep.params == {"temperature": 0.2}


def test_keys_never_show_in_repr_and_resolve_from_env() -> None:
    dep = known("gpt-5.4", api_key="sk-very-secret")
    assert (
        "sk-very-secret" not in repr(dep)
        and "[secure]" in repr(dep)
        and "sk-very-secret" not in str(dep)
    )
    assert dep.resolve_api_key({}) == "sk-very-secret"
    env_dep = known("gpt-5.4")
    assert env_dep.resolve_api_key({"OPENAI_API_KEY": "sk-env"}) == "sk-env"
    with pytest.raises(MissingAPIKeyError, match="OPENAI_API_KEY"):
        env_dep.resolve_api_key({})


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "x", "model": "openai/unknown-model"}, "Deployment('x').prices"),
        ({"name": "x", "model": "openai/gpt-5.4", "tier": 7}, "Deployment('x').tier"),
        (
            {"name": "x", "model": "openai/gpt-5.4", "params": {"api_key": "k"}},
            "Deployment('x').params",
        ),
        ({"name": "", "model": "openai/gpt-5.4"}, "Deployment('').name"),
    ],
)
def test_bad_deployments_are_config_errors(fields: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError) as err:
        Deployment(**fields)
    assert err.value.field == field and err.value.fix


def test_router_uses_exactly_the_given_deployments_and_rejects_duplicates(
    keys: dict[str, str],
) -> None:
    router = costroute.Router([known("deepseek-v4-flash"), known("gpt-5.4")])
    assert list(router.deployments) == ["deepseek-v4-flash", "gpt-5.4"]
    assert router.baseline.name == "gpt-5.4"  # the premium one when the default is absent
    with pytest.raises(ConfigError, match="unique"):
        costroute.Router([known("gpt-5.4"), known("gpt-5.4")])
    with pytest.raises(ConfigError, match="baseline"):
        costroute.Router([known("gpt-5.4")], baseline="nope")
    with pytest.raises(ConfigError, match="unknown-thing"):
        known("unknown-thing")
