"""The ``costroute`` command line: demo (and demo --learn), models, explain, chat, report,
router train/eval."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from costroute.cli._commands import add_commands
from costroute.cli._env import LITELLM_OFFLINE, env_defaults
from costroute.errors import CostrouteError

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="costroute",
        description="Cost-aware LLM routing between DeepSeek, Claude and GPT.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``costroute`` script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        # litellm offline (bundled price map, no fetches) while the command runs, unless the
        # user set these; a program that calls main() gets its environment back afterwards.
        with env_defaults(LITELLM_OFFLINE):
            return int(args.func(args) or 0)
    except CostrouteError as exc:
        print(f"costroute: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
