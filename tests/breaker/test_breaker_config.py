"""Bad breaker settings fail early with a ConfigError naming the field and the fix."""

from __future__ import annotations

from typing import Any

import pytest

from costroute.breaker import BreakerConfig, Breakers, MemoryBreakers, RedisBreakers
from costroute.errors import ConfigError


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"consecutive_failures": 0}, "consecutive_failures"),
        ({"consecutive_failures": 2.5}, "consecutive_failures"),
        ({"failure_rate": 0}, "failure_rate"),
        ({"failure_rate": 1.5}, "failure_rate"),
        ({"consecutive_failures": None, "failure_rate": None}, "consecutive_failures"),
        ({"min_calls": 0}, "min_calls"),
        ({"window_s": 0}, "window_s"),
        ({"cooldown_s": -1}, "cooldown_s"),
        ({"cooldown_s": float("inf")}, "cooldown_s"),
        ({"probe_timeout_s": True}, "probe_timeout_s"),
    ],
)
def test_bad_config(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as err:
        BreakerConfig(**kwargs)
    assert err.value.field == f"BreakerConfig.{field}"
    assert err.value.fix


def test_defaults_and_protocol() -> None:
    cfg = BreakerConfig()
    assert (cfg.consecutive_failures, cfg.failure_rate, cfg.min_calls) == (5, 0.5, 20)
    assert (cfg.window_s, cfg.cooldown_s) == (60.0, 30.0)
    b = MemoryBreakers()
    assert isinstance(b, Breakers)
    assert repr(b) == "<MemoryBreakers deployments=0 not_closed=0>"


def test_redis_needs_a_client_and_a_sane_hint() -> None:
    with pytest.raises(ConfigError) as err:
        RedisBreakers(None)  # type: ignore[arg-type]
    assert err.value.field == "RedisBreakers.client"
    with pytest.raises(ConfigError) as err:
        RedisBreakers(object(), hint_s=-1)  # type: ignore[arg-type]
    assert err.value.field == "RedisBreakers.hint_s"
