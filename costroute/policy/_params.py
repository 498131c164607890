"""A policy file's calibrated parameters: a JSON file beside it, never an edit of its source.

Calibration (``costroute router eval --policy FILE --target-...``, or :func:`write_params`)
writes ``{"name": value}`` into ``<file stem>.params.json`` next to the policy file
(``policies/mine.py`` -> ``policies/mine.params.json``); the policy loader reads it and its
values override the file's own ``PARAMS`` defaults. Delete it to go back to those.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from costroute.errors import ConfigError

__all__ = ["check_params", "load_params", "params_path", "write_params"]


def params_path(policy_path: str | os.PathLike[str]) -> Path:
    """Where the calibrated parameters of the policy file at ``policy_path`` are kept."""
    return Path(policy_path).with_suffix(".params.json")


def _error(path: Path, detail: str, fix: str) -> ConfigError:
    return ConfigError(f"Params file {path}: {detail.rstrip('.')}.", field=str(path), fix=fix)


def load_params(policy_path: str | os.PathLike[str]) -> dict[str, Any]:
    """The calibrated parameters of the policy file at ``policy_path`` (``{}`` when it has
    none); ConfigError if its params file is not a JSON object."""
    path = params_path(policy_path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise _error(path, f"cannot be read ({exc.strerror or exc})", "check the file") from exc
    try:
        params = json.loads(text)
    except ValueError as exc:
        raise _error(path, f"is not JSON ({exc})", "fix it, or delete it to recalibrate") from exc
    if not isinstance(params, dict):
        raise _error(path, "is not a JSON object of parameters", 'write e.g. {"cost_weight": 0.1}')
    return params


def _stored(name: str, value: Any) -> None:
    """ConfigError unless ``value`` reads back from JSON as itself."""
    try:
        same = json.loads(json.dumps(value, allow_nan=False)) == value
    except (TypeError, ValueError):
        same = False
    if not same or isinstance(value, tuple):
        raise ConfigError(
            f"Cannot store {name}={value!r} ({type(value).__name__}) as JSON.",
            field=name,
            fix="sweep plain values: finite numbers, strings, booleans, None, lists or dicts",
        )


def check_params(
    policy_path: str | os.PathLike[str], knob: str | None = None, values: Iterable[Any] = ()
) -> None:
    """ConfigError unless :func:`write_params` can store ``knob`` = each of ``values`` for the
    policy file: plain JSON values, a readable params file if there is one, and a folder (and
    file) that can be written. Cheap: call it before a long calibration."""
    for v in values:
        _stored(knob or "value", v)
    path = params_path(policy_path)
    load_params(policy_path)
    folder = path.absolute().parent
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise _error(
            path, "cannot be written (permission denied)", "calibrate a copy in a folder you own"
        )


def write_params(policy_path: str | os.PathLike[str], params: Mapping[str, Any]) -> Path:
    """Store ``params`` (merged over those already stored) in the policy file's params file,
    and return its path. The policy file itself is not touched."""
    for name, value in params.items():
        _stored(name, value)
    path = params_path(policy_path)
    merged = {**load_params(policy_path), **params}
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(json.dumps(merged, indent=1, sort_keys=True) + "\n", "utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _error(
            path, f"cannot be written ({exc.strerror or exc})", "make the folder writable"
        ) from exc
    return path
