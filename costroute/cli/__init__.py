"""The ``costroute`` command line: demo (and demo --learn), models, explain, chat, report,
router train/eval."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence

from costroute.cli._commands import add_commands
from costroute.cli._env import LITELLM_OFFLINE
from costroute.errors import CostrouteError

__all__ = ["main", "script"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="costroute",
        description="Cost-aware LLM routing between DeepSeek, Claude and GPT.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None, *, own_process: bool = False) -> int:
    """Run one command; returns the exit code. A program that calls it keeps its process as
    it was: no environment variable and no litellm setting is changed. ``own_process`` is for
    :func:`script`, whose process is the command's own: the demos then also quiet litellm's
    help banner (``litellm.suppress_debug_info``) while they run."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.own_process = own_process
    try:
        return int(args.func(args) or 0)
    except CostrouteError as exc:
        print(f"costroute: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def script() -> None:
    """The ``costroute`` executable and ``python -m costroute.cli``: a process of the command's
    own. litellm reads its offline switches (:data:`~costroute.cli._env.LITELLM_OFFLINE`: its
    bundled price map, no download at import) from the environment it starts with, so when the
    user has not set them the executable starts again as ``python -m costroute.cli`` with them
    added to the new process's environment (``os.execve``; a child process on Windows). No
    running interpreter's ``os.environ`` is written. Then it runs :func:`main`."""
    missing = {k: v for k, v in LITELLM_OFFLINE.items() if k not in os.environ}
    if missing and sys.executable:
        argv = [sys.executable, "-m", "costroute.cli", *sys.argv[1:]]
        env = {**os.environ, **missing}
        if os.name == "nt":  # Windows has no exec that keeps the console's wait and exit code
            sys.exit(subprocess.call(argv, env=env))
        os.execve(sys.executable, argv, env)
    sys.exit(main(own_process=True))
