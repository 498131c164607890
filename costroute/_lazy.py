"""Names a package face loads on first use (PEP 562), so that a routed call loads only the
modules it runs: a Redis backend, the PostgreSQL ledger, labelling, rollouts, reports...

A face lists such names in a table (name -> module of its own part) and sets
``__getattr__ = lazy_names(__name__, TABLE)``; it imports them under ``TYPE_CHECKING`` too, so
that mypy and IDEs see their real types. ``from costroute.budget import RedisBudgetBackend``
works as before: Python asks the face's ``__getattr__`` for a name it does not hold yet.
tests/router/test_lazy_loading.py checks that a plain routed call leaves them unloaded.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(package: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports ``names[name]`` on first use and
    keeps the value in the package (later reads are plain attribute reads).

    ``names[name]`` is the module that holds ``name``, or ``"module:other"`` for a name held
    there as ``other``; a submodule of the package (``"rules": "costroute.policy.rules"``) is
    the module itself. It also gives the package a ``__dir__`` that lists these names.
    """

    module_of = sys.modules[package]

    def __dir__() -> list[str]:  # the lazy names too: REPL completion, dir(costroute)
        return sorted(set(vars(module_of)) | set(names))

    module_of.__dir__ = __dir__  # type: ignore[method-assign]

    def __getattr__(name: str) -> Any:
        target = names.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attribute = target.partition(":")
        found = importlib.import_module(module)
        value = found if module == f"{package}.{name}" else getattr(found, attribute or name)
        setattr(module_of, name, value)
        return value

    return __getattr__
