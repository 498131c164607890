"""Load a policy from a plain Python file: ``load_policy("policies/balanced.py")``.

The file runs in a fresh module namespace and must define ``policy`` (a Policy object) or
``make_policy(**params)`` (returning one), called with the file's ``PARAMS`` updated by the
calibrated values of ``<file stem>.params.json`` beside it (see :mod:`costroute.policy._params`). Any error (a syntax error, an exception while it runs, a
missing or wrong ``policy``, a deployment it names that the router lacks) is a
:class:`~costroute.errors.ConfigError` whose ``field`` is ``"<file>:<line>"``.
"""

from __future__ import annotations

import ast
import os
import traceback
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from costroute.errors import ConfigError
from costroute.policy._params import load_params
from costroute.policy._protocol import Policy, validate_policy

__all__ = ["PolicyFile", "load_policy", "load_policy_file", "validate_policy"]


def _error(path: str, line: int | None, detail: str, fix: str) -> ConfigError:
    where = f"{path}:{line}" if line else path
    return ConfigError(f"Policy file {where}: {detail.rstrip('.')}.", field=where, fix=fix)


def _line_in(exc: BaseException, path: str) -> int | None:
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == path:
            line = frame.lineno
    return line


def _run_file(path: str | os.PathLike[str]) -> tuple[str, dict[str, Any]]:
    """Execute the policy file in a fresh module namespace; errors name file and line."""
    p = Path(path)
    shown = str(p)
    try:
        source = p.read_text("utf-8")
    except OSError as exc:
        raise _error(
            shown, None, f"cannot be read ({exc.strerror or exc})", "check the path"
        ) from exc
    module = types.ModuleType(f"costroute_policy_{p.stem}")
    module.__file__ = shown
    try:
        code = compile(source, shown, "exec")
    except SyntaxError as exc:
        raise _error(
            shown, exc.lineno, f"syntax error: {exc.msg}", "fix the Python syntax"
        ) from None
    _guard(shown, lambda: exec(code, module.__dict__))
    return shown, module.__dict__


def _guard(shown: str, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except ConfigError as exc:
        if exc.field and exc.field.startswith(shown):
            raise
        line = _line_in(exc, shown)
        raise _error(shown, line, exc.reason, exc.fix or "fix the policy file") from exc
    except Exception as exc:
        line = _line_in(exc, shown)
        raise _error(shown, line, f"{type(exc).__name__}: {exc}", "fix the policy file") from exc


def _defined_at(shown: str) -> int | None:
    """The line of the file's last top-level ``policy = ...`` or ``def make_policy``."""
    try:
        tree = ast.parse(Path(shown).read_text("utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    line = None
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "policy" for t in targets):
                line = node.lineno
        elif isinstance(node, ast.FunctionDef) and node.name == "make_policy":
            line = node.lineno
    return line


def _checked(shown: str, policy: Any) -> Policy:
    if not isinstance(policy, Policy):
        raise _error(
            shown,
            _defined_at(shown),
            f"`policy` is {type(policy).__name__}, not a Policy",
            "give it a `name` and a `route(request, signals) -> Plan` method",
        )
    return policy


def load_policy(path: str | os.PathLike[str], deployments: Iterable[str] | None = None) -> Policy:
    """The policy defined by the Python file at ``path``: its ``policy``, else
    ``make_policy(**params)`` with the file's ``PARAMS`` and the calibrated values beside it.

    With ``deployments`` (names), the policy's references to deployments are checked too (see
    :func:`validate_policy`).
    """
    pf = load_policy_file(path)
    shown, ns = pf.path, pf.namespace
    policy = ns["policy"] if "policy" in ns else pf.build()
    checked = _checked(shown, policy)
    if deployments is not None:
        _guard(shown, lambda: validate_policy(checked, deployments))
    return checked


@dataclass(frozen=True, slots=True)
class PolicyFile:
    """A tunable policy file: ``make_policy(**params)``, its ``PARAMS`` and ``SWEEP``.

    ``params`` is the file's ``PARAMS`` updated by its calibrated values (the params file
    beside it, :func:`costroute.policy.params_path`). ``SWEEP = {"name": [values...]}`` names
    the one parameter calibration may tune; :meth:`build` makes the policy with ``params``
    updated by ``overrides``.
    """

    path: str
    factory: Callable[..., Any] | None
    params: dict[str, Any]
    sweep: dict[str, list[Any]]
    namespace: dict[str, Any]

    def checked(self, deployments: Iterable[str], **overrides: Any) -> Policy:
        """:meth:`build`, then the policy checked against ``deployments`` (see
        :func:`validate_policy`); errors name this file (and the line where they can)."""
        policy = self.build(**overrides)
        names = list(deployments)
        _guard(self.path, lambda: validate_policy(policy, names))
        return policy

    def build(self, **overrides: Any) -> Policy:
        """The policy with these parameter values."""
        if self.factory is None:
            if overrides:
                raise _error(
                    self.path,
                    None,
                    "has no make_policy(**params) to tune",
                    "define make_policy(**params) and PARAMS = {...}",
                )
            return _checked(self.path, self.namespace.get("policy"))
        factory = self.factory
        return _checked(
            self.path, _guard(self.path, lambda: factory(**{**self.params, **overrides}))
        )


def load_policy_file(path: str | os.PathLike[str]) -> PolicyFile:
    """Run the policy file and return its tunable parts (see :class:`PolicyFile`)."""
    shown, ns = _run_file(path)
    factory = ns.get("make_policy")
    if not callable(factory) and "policy" not in ns:
        raise _error(
            shown,
            None,
            "defines neither `policy` nor `make_policy()`",
            "end the file with e.g. `policy = costroute.policy.balanced()`",
        )
    params = ns.get("PARAMS", {})
    sweep = ns.get("SWEEP", {})
    if (
        not isinstance(params, dict)
        or not isinstance(sweep, dict)
        or len(sweep) > 1
        or any(not isinstance(v, list | tuple) or not v for v in sweep.values())
    ):
        raise _error(
            shown,
            None,
            "PARAMS must be a dict and SWEEP a dict of one parameter to a non-empty list",
            'e.g. PARAMS = {"cost_weight": 0.1}; SWEEP = {"cost_weight": [0, 0.1, 0.2]}',
        )
    return PolicyFile(
        shown,
        factory if callable(factory) else None,
        {**params, **load_params(shown)},
        {str(k): list(v) for k, v in sweep.items()},
        ns,
    )
