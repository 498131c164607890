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


def test_the_command_line_keeps_litellm_offline_while_a_command_runs_and_no_longer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``costroute.cli.main`` sets litellm's offline defaults for the command only: a program
    that calls it gets its environment back, and a value the user set is kept."""
    import argparse

    import costroute.cli as cli
    from costroute._env import LITELLM_OFFLINE

    monkeypatch.delenv("LITELLM_LOCAL_MODEL_COST_MAP", raising=False)
    monkeypatch.setenv("LITELLM_OFFLINE_MODE", "false")
    seen: dict[str, str | None] = {}

    def command(args: argparse.Namespace) -> int:
        seen.update({key: os.environ.get(key) for key in LITELLM_OFFLINE})
        return 0

    def parser() -> argparse.ArgumentParser:
        p = argparse.ArgumentParser()
        p.set_defaults(func=command)
        return p

    monkeypatch.setattr(cli, "build_parser", parser)
    assert cli.main([]) == 0
    assert seen == {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_OFFLINE_MODE": "false"}
    assert "LITELLM_LOCAL_MODEL_COST_MAP" not in os.environ
    assert os.environ["LITELLM_OFFLINE_MODE"] == "false"
