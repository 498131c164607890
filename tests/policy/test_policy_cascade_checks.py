"""Cascade acceptance checks are validated when the policy is built, not after a paid answer."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

import costroute
from costroute.errors import ConfigError
from costroute.policy import Rules, acceptance, cascade, load_policy
from costroute.policy.rules import cascade_to, prefer_cheap
from costroute.types import Request

KEYS = {"DEEPSEEK_API_KEY": "k", "OPENAI_API_KEY": "k", "ANTHROPIC_API_KEY": "k"}


def test_a_check_that_is_not_a_function_is_a_config_error() -> None:
    for build in (
        lambda: cascade(3),  # type: ignore[arg-type]
        lambda: cascade(check=3),  # type: ignore[arg-type]
        lambda: cascade("empty_answer"),  # type: ignore[arg-type]
        lambda: Rules(prefer_cheap() | cascade_to(None)),  # type: ignore[arg-type]
    ):
        with pytest.raises(ConfigError) as err:
            build()
        assert err.value.field == "check"
        assert "not a function" in str(err.value)
        assert err.value.fix and "(request, message)" in err.value.fix


def test_a_check_with_the_wrong_signature_is_a_config_error() -> None:
    def one_arg(message: Mapping[str, Any]) -> str | None:
        return None

    with pytest.raises(ConfigError, match=r"one_arg\(message") as err:
        cascade(one_arg)  # type: ignore[arg-type]
    assert err.value.field == "check"


def test_valid_checks_still_build() -> None:
    def too_short(request: Request, message: Mapping[str, Any]) -> bool:
        return len(message.get("content") or "") < 5

    def star(*args: Any) -> None:
        return None

    for check in (acceptance.default_check, acceptance.custom(too_short), star):
        assert cascade(check).name == "cascade"


def test_an_impossible_escalation_tier_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as err:
        cascade(to_tier=5)
    assert err.value.field == "tier" and "1, 2 and 3" in str(err.value)


def test_a_policy_file_with_a_bad_check_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "casc.py"
    path.write_text("from costroute.policy import cascade\n\npolicy = cascade(3)\n", "utf-8")
    with pytest.raises(ConfigError, match="not a function") as err:
        load_policy(path)
    assert err.value.field == f"{path}:3"
    with pytest.raises(ConfigError, match="not a function"):
        costroute.Router(policy=str(path), environ=KEYS)
