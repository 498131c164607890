"""Write calibrated values into a policy file's ``PARAMS = {...}`` literal, in place.

Only the values of the keys being set change (new keys are appended inside the braces);
every other byte of the file, the comments inside the literal included, stays as it was.
Strings are written JSON-style (double quotes), numbers with ``repr``.
"""

from __future__ import annotations

import ast
import json
import math
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from costroute.errors import ConfigError

__all__ = ["check_params", "literal", "update_params"]

_FIX = 'write it as a plain literal at top level, e.g. PARAMS = {"cost_weight": 0.1}'


def _error(path: str, detail: str, fix: str = _FIX) -> ConfigError:
    return ConfigError(f"Policy file {path}: {detail.rstrip('.')}.", field="PARAMS", fix=fix)


def literal(value: Any) -> str:
    """``value`` as Python source: JSON-style strings, ``repr`` numbers, lists, tuples and
    dicts of those. ConfigError for anything else (it could not be read back)."""
    if value is None or isinstance(value, bool | int):
        return repr(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ConfigError(
                f"Cannot write {value!r} as a literal.", field="PARAMS", fix="use finite numbers"
            )
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(literal(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    raise ConfigError(
        f"Cannot write {value!r} ({type(value).__name__}) into PARAMS as a literal.",
        field="PARAMS",
        fix="sweep plain values: numbers, strings, booleans, None, lists or dicts of them",
    )


def _find(shown: str, source: bytes) -> ast.Dict:
    """The last top-level ``PARAMS = {...}`` dict literal of ``source``."""
    try:
        tree = ast.parse(source.decode("utf-8"), shown)
    except (UnicodeDecodeError, SyntaxError, ValueError) as exc:
        raise _error(shown, f"cannot be parsed ({exc})", "fix the Python syntax") from exc
    found: ast.expr | None = None
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "PARAMS"
        ) or (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == "PARAMS"
            and node.value is not None
        ):
            found = node.value
    if found is None:
        raise _error(shown, "has no top-level `PARAMS = {...}` to write calibrated values into")
    if not isinstance(found, ast.Dict) or not all(
        isinstance(k, ast.Constant) and isinstance(k.value, str) for k in found.keys
    ):
        raise _error(
            shown, "PARAMS is not a {...} literal with string keys, so it cannot be edited"
        )
    return found


def _keys(node: ast.Dict) -> list[str]:
    return [str(k.value) if isinstance(k, ast.Constant) else "" for k in node.keys]


def _read(path: str | os.PathLike[str]) -> tuple[Path, bytes]:
    p = Path(path)
    try:
        return p, p.read_bytes()
    except OSError as exc:
        raise _error(str(p), f"cannot be read ({exc.strerror or exc})", "check the path") from exc


def check_params(
    path: str | os.PathLike[str], knob: str | None = None, values: Iterable[Any] = ()
) -> None:
    """ConfigError unless :func:`update_params` can write ``knob`` = each of ``values`` into
    the file: it has an editable ``PARAMS`` literal, the values are literals, and the file is
    writable. Cheap: call it before a long calibration."""
    p, source = _read(path)
    _find(str(p), source)
    if knob is not None:
        for v in values:
            literal(v)
    if not os.access(p, os.W_OK):
        raise _error(str(p), "is not writable", "make the file writable, or calibrate a copy")


def update_params(path: str | os.PathLike[str], values: Mapping[str, Any]) -> Path:
    """Set ``values`` in the file's top-level ``PARAMS = {...}`` literal and return the path.

    Only those keys' values are rewritten (keys not yet in the literal are appended before
    its closing brace); the rest of the file is left byte for byte. ConfigError if there is
    no such literal, a value is not a literal, or the file cannot be written.
    """
    p, source = _read(path)
    node = _find(str(p), source)
    starts = [0, *(m.end() for m in re.finditer(rb"\r\n|\r|\n", source))]

    def offset(line: int | None, col: int | None) -> int:
        assert line is not None and col is not None
        return starts[line - 1] + col

    edits: list[tuple[int, int, bytes]] = []
    present = set()
    for key, value in zip(_keys(node), node.values, strict=True):
        if key in values:
            present.add(key)
            start = offset(value.lineno, value.col_offset)
            end = offset(value.end_lineno, value.end_col_offset)
            edits.append((start, end, literal(values[key]).encode("utf-8")))
    added = [f"{literal(k)}: {literal(v)}" for k, v in values.items() if k not in present]
    if added:
        if node.values:
            last = node.values[-1]
            at = offset(last.end_lineno, last.end_col_offset)
            edits.append((at, at, (", " + ", ".join(added)).encode("utf-8")))
        else:
            at = offset(node.lineno, node.col_offset) + 1
            edits.append((at, at, ", ".join(added).encode("utf-8")))
    out = source
    for start, end, text in sorted(edits, reverse=True):
        out = out[:start] + text + out[end:]
    check = _find(str(p), out)
    written = dict(zip(_keys(check), check.values, strict=True))
    for k, v in values.items():
        if ast.literal_eval(written[k]) != v:  # pragma: no cover - a bug in this module
            raise _error(str(p), f"writing {k}={v!r} failed", "report this bug")
    try:
        p.write_bytes(out)
    except OSError as exc:
        raise _error(
            str(p), f"cannot be written ({exc.strerror or exc})", "make the file writable"
        ) from exc
    return p
