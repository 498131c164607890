"""What the ``costroute router`` commands share: flag and output-path checks, the estimator
they score with, progress on stderr, and writing results (every failure a one-line ConfigError).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from costroute.errors import ConfigError

__all__ = [
    "Progress",
    "bad_flag",
    "calibrating",
    "cannot_write",
    "check_distinct",
    "check_output",
    "described",
    "emit",
    "estimator",
    "eval_outputs",
    "ready_outputs",
    "require_keys",
    "write_scores",
    "write_text",
]


class Progress:
    """A progress bar on stderr (never stdout, so ``--json`` output stays clean): rich's when
    installed and stderr is a terminal, else a plain counter printed at every tenth.

    Use it as a context manager (or call :meth:`close`) so a bar stopped early is removed.
    """

    def __init__(self, label: str, stream: Any = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self._bar: Any = None
        self._task: Any = None
        self._step = -1

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the bar if it is still showing."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
            self._step = 10

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None and self._step < 0 and self.stream.isatty():
            try:
                from rich.console import Console
                from rich.progress import Progress as Bar

                self._bar = Bar(
                    console=Console(file=self.stream),
                    transient=True,
                    redirect_stdout=False,
                    redirect_stderr=False,
                )
                self._bar.start()
                self._task = self._bar.add_task(self.label, total=total)
            except ImportError:
                self._bar = None
        if self._bar is not None:
            self._bar.update(self._task, completed=done)
            if done >= total:
                self.close()
            return
        step = 10 * done // max(1, total)
        if step > self._step:
            self._step = step
            print(f"{self.label}: {done}/{total}", file=self.stream, flush=True)


def bad_flag(message: str, flag: str, fix: str) -> ConfigError:
    return ConfigError(message, field=flag, fix=fix)


def check_output(path: str, flag: str) -> Path:
    """The path of an output file, checked before any long work without creating anything:
    not a folder, and its folder (created when written) can be made and written to."""
    p = Path(path)
    fix = f"give {flag} a file path in a folder you can write to"
    if p.is_dir():
        raise bad_flag(f"{flag} {path!r} is a folder, not a file.", flag, fix)
    folder = p.absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise bad_flag(f"Cannot write {flag} {path!r}: {str(folder)!r} is not a folder.", flag, fix)
    if not os.access(folder, os.W_OK | os.X_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise bad_flag(f"Cannot write {flag} {path!r}: permission denied.", flag, fix)
    return p


def check_distinct(outputs: dict[str, str | None], inputs: dict[str, str | None]) -> None:
    """No output overwrites an input, and no two outputs are the same file."""
    seen: dict[Path, str] = {Path(v).resolve(): k for k, v in inputs.items() if v is not None}
    for flag, path in outputs.items():
        if path is None:
            continue
        other = seen.get(Path(path).resolve())
        if other is not None:
            raise bad_flag(
                f"{flag} {path!r} is the same file as {other}.",
                flag,
                f"give {flag} another path",
            )
        seen[Path(path).resolve()] = flag


def eval_outputs(
    args: argparse.Namespace, inputs: dict[str, str | None]
) -> tuple[Path | None, Path | None]:
    """``router eval``'s ``--scores-out`` and ``--plot``, checked: neither is one of ``inputs``
    nor the other, each can be written, and the plot's file type is known."""
    from costroute.eval.plot import check_plot_path

    check_distinct({"--scores-out": args.scores_out, "--plot": args.plot}, inputs)
    scores_out = check_output(args.scores_out, "--scores-out") if args.scores_out else None
    plot_to = check_output(str(check_plot_path(args.plot)), "--plot") if args.plot else None
    return scores_out, plot_to


def cannot_write(path: Path, flag: str, exc: OSError) -> ConfigError:
    return bad_flag(
        f"Cannot write {flag} {str(path)!r}: {str(exc.strerror or exc).rstrip('.')}.",
        flag,
        f"give {flag} a file path in a folder you can write to",
    )


def ready_outputs(*outputs: tuple[Path | None, str]) -> None:
    """Create the outputs' folders and try opening each file for writing (a file that did not
    exist is removed again): the last step before the long work, after every other check."""
    for path, flag in outputs:
        if path is None:
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                with path.open("ab"):
                    pass
            else:
                with path.open("xb"):
                    pass
                path.unlink()
        except OSError as exc:
            raise cannot_write(path, flag, exc) from exc


def write_text(path: Path, text: str, flag: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    except OSError as exc:
        raise cannot_write(path, flag, exc) from exc


def write_scores(path: Path, records: Sequence[Any], scores: Sequence[float]) -> None:
    lines = (
        json.dumps({"id": r.id, "score": s}) + "\n" for r, s in zip(records, scores, strict=True)
    )
    write_text(path, "".join(lines), "--scores-out")


def require_keys(records: Sequence[Any], args: argparse.Namespace) -> None:
    from costroute.eval import require_models

    for flag, key in (("--strong", args.strong), ("--weak", args.weak)):
        if key:
            require_models(records, [key], field=flag)


def estimator(spec: str | None, policy: Any = None) -> Any:
    """``--estimator`` (a name or a weights file), else the policy's own, else the default."""
    from costroute import difficulty

    if spec:
        return difficulty.load_estimator(spec)
    own = getattr(policy, "estimator", None)
    return own if own is not None else difficulty.default_estimator()


def described(est: Any, spec: str | None, policy: Any = None) -> str:
    """What scored the records, as the output names it: the ``--estimator`` given, else the
    policy's own estimator (its weights file, if any), else the default."""
    if spec:
        return spec
    name: str = est.name
    source: str | None = getattr(est, "source", None)
    if getattr(policy, "estimator", None) is est:
        return f"{source or name} (the policy's own)"
    return f"{name} (default)"


def calibrating(args: argparse.Namespace) -> bool:
    return args.target_quality is not None or args.target_cost_share is not None


def emit(
    args: argparse.Namespace, out: dict[str, Any], text: Callable[[dict[str, Any]], list[str]]
) -> None:
    print(json.dumps(out, indent=2) if args.json else "\n".join(text(out)))
