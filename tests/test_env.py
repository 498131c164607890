"""costroute._env.env_defaults: a default lasts only for the block; the user's values stay."""

from __future__ import annotations

import os

import pytest

from costroute._env import env_defaults


def test_a_default_lasts_for_the_block_and_a_users_value_is_never_touched(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COSTROUTE_TEST_A", raising=False)
    monkeypatch.setenv("COSTROUTE_TEST_B", "users")
    with env_defaults({"COSTROUTE_TEST_A": "1", "COSTROUTE_TEST_B": "ours"}):
        assert os.environ["COSTROUTE_TEST_A"] == "1"
        assert os.environ["COSTROUTE_TEST_B"] == "users"
    assert "COSTROUTE_TEST_A" not in os.environ
    assert os.environ["COSTROUTE_TEST_B"] == "users"


def test_the_default_goes_even_when_the_block_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COSTROUTE_TEST_A", raising=False)
    with pytest.raises(ImportError), env_defaults({"COSTROUTE_TEST_A": "1"}):
        raise ImportError("a package failed to load")
    assert "COSTROUTE_TEST_A" not in os.environ
