"""Bad settings fail early with a ConfigError naming the field and the fix."""

from __future__ import annotations

from typing import Any

import pytest

from costroute.catalog import Deployment
from costroute.errors import ConfigError
from costroute.latency import LatencyStats, MemoryLatencyStats, Prior, RedisLatencyStats


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"half_life": 0}, "half_life"),
        ({"half_life": float("nan")}, "half_life"),
        ({"window": 0}, "window"),
        ({"window": 2.5}, "window"),
        ({"window": True}, "window"),
        ({"min_samples": 0}, "min_samples"),
        ({"stale_after_s": -1}, "stale_after_s"),
    ],
)
def test_bad_settings(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as err:
        MemoryLatencyStats(**kwargs)
    assert err.value.field == f"MemoryLatencyStats.{field}"
    assert err.value.fix


@pytest.mark.parametrize(
    ("ttft", "tps", "field"),
    [(-1.0, 50.0, "ttft_ms"), (100.0, 0.0, "tokens_per_s"), (float("inf"), 1.0, "ttft_ms")],
)
def test_bad_prior(ttft: float, tps: float, field: str) -> None:
    with pytest.raises(ConfigError) as err:
        Prior(ttft, tps)
    assert err.value.field == f"Prior.{field}" and err.value.fix


def test_prior_of_a_catalog_deployment() -> None:
    dep = Deployment(name="flash", model="deepseek/deepseek-v4-flash")
    prior = Prior.of(dep)
    assert prior == Prior(dep.ttft_ms, dep.tokens_per_s)
    assert prior.predict_ms(120) == dep.ttft_ms + 1000.0 * 120 / dep.tokens_per_s
    # a Deployment is PriorLike: the router can pass it directly
    assert MemoryLatencyStats().predictions([("flash", dep)], 120) == {
        "flash": prior.predict_ms(120)
    }


def test_redis_needs_a_client() -> None:
    with pytest.raises(ConfigError) as err:
        RedisLatencyStats(None)  # type: ignore[arg-type]
    assert err.value.field == "RedisLatencyStats.client"


def test_both_backends_satisfy_the_protocol() -> None:
    assert isinstance(MemoryLatencyStats(), LatencyStats)
    assert "window=200" in repr(MemoryLatencyStats())
