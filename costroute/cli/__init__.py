"""The ``costroute`` command line: demo (and demo --learn), models, explain, chat, report,
router train/eval."""

from __future__ import annotations

import argparse
import os
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
    own, so before anything imports litellm it keeps litellm offline (its bundled price map, no
    download at import) unless the user set those variables, then runs :func:`main`."""
    for key, value in LITELLM_OFFLINE.items():
        os.environ.setdefault(key, value)
    sys.exit(main(own_process=True))
