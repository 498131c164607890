"""Router versions: a name plus a digest of what decides (the policy and the estimator).

The digest is SHA-256 over a canonical JSON description of the two objects' data: estimator
weights (``to_json()`` where the estimator has one), the rules of a policy with their
arguments, thresholds, tables, and the contents of closures. It is the same in every process
and Python version for the same data; it does not cover code (a function is described by its
module, name, defaults and closure, not its bytecode), nor where a rule was written (``where``
attributes, kept for error messages).
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import types
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

from costroute.difficulty import Estimator
from costroute.policy import Policy

__all__ = ["Decider", "RouterVersion", "describe", "first_decider", "version_of"]

_MAX_DEPTH = 24
_SKIPPED = frozenset({"where"})  # source locations: where a rule was built, not what it decides


@dataclass(frozen=True, slots=True)
class RouterVersion:
    """One version of what decides a router's calls: ``name`` (given by whoever made it) and
    ``digest`` (16 hex digits of SHA-256 over the policy's and estimator's data).

    ``str(version)`` is ``"name@digest"``: what plans, ``resp.costroute`` and the ledger's
    ``router_version`` column hold.
    """

    name: str
    digest: str

    def __str__(self) -> str:
        return f"{self.name}@{self.digest}"

    def __repr__(self) -> str:
        return f"<RouterVersion {self}>"


class Decider(NamedTuple):
    """A version and the objects it names; the router reads one of these per call."""

    version: RouterVersion
    policy: Policy
    estimator: Estimator
    own_estimator: bool  # the estimator overrides a per-call policy's own (Router(estimator=))

    @property
    def label(self) -> str:
        return str(self.version)


def first_decider(policy: Policy, estimator: Estimator, own_estimator: bool) -> Decider:
    """The version a router starts with: named ``"default"``."""
    return Decider(version_of("default", policy, estimator), policy, estimator, own_estimator)


def version_of(name: str, policy: Policy, estimator: Estimator) -> RouterVersion:
    """The version named ``name`` of ``policy`` deciding with ``estimator``."""
    described = {"policy": describe(policy), "estimator": describe(estimator)}
    text = json.dumps(described, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return RouterVersion(name, hashlib.sha256(text.encode()).hexdigest()[:16])


def describe(obj: Any) -> Any:
    """A JSON-able description of ``obj``'s data, the same in every process."""
    return _canon(obj, 0, frozenset())


def _canon(obj: Any, depth: int, seen: frozenset[int]) -> Any:
    if obj is None or isinstance(obj, bool | int | str):
        return obj
    if isinstance(obj, float):
        return repr(obj)  # exact, and JSON has no NaN or infinity
    if isinstance(obj, Decimal | Fraction):
        return str(obj)
    if isinstance(obj, enum.Enum):
        return f"{type(obj).__qualname__}.{obj.name}"
    if isinstance(obj, bytes):
        return hashlib.sha256(obj).hexdigest()
    if isinstance(obj, type):
        return f"{obj.__module__}.{obj.__qualname__}"
    if depth > _MAX_DEPTH or id(obj) in seen:
        return f"<{type(obj).__qualname__}>"
    seen, depth = seen | {id(obj)}, depth + 1

    def canon(x: Any) -> Any:
        return _canon(x, depth, seen)

    if isinstance(obj, Mapping):
        pairs = [[canon(k), canon(v)] for k, v in obj.items()]
        return {"map": sorted(pairs, key=_sort_key)}
    if isinstance(obj, list | tuple):
        return [canon(x) for x in obj]
    if isinstance(obj, set | frozenset):
        return {"set": sorted((canon(x) for x in obj), key=_sort_key)}
    if isinstance(obj, types.MethodType):
        return {"method": obj.__func__.__qualname__, "self": canon(obj.__self__)}
    if isinstance(obj, types.FunctionType):
        cells = [canon(c.cell_contents) for c in obj.__closure__ or () if _filled(c)]
        return {
            "fn": f"{obj.__module__}.{obj.__qualname__}",
            "defaults": canon(obj.__defaults__),
            "kwdefaults": canon(obj.__kwdefaults__),
            "closure": cells,
        }
    if isinstance(obj, types.BuiltinFunctionType | types.ModuleType):
        return f"{getattr(obj, '__module__', None)}.{getattr(obj, '__qualname__', obj.__name__)}"
    kind = f"{type(obj).__module__}.{type(obj).__qualname__}"
    for method, key in (("to_json", "json"), ("tolist", "values")):  # weights files, numpy
        found = _called(obj, method)
        if found is not _NOTHING:
            return {"type": kind, key: canon(found)}
    if dataclasses.is_dataclass(obj):
        fields = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
        return {"type": kind, "attrs": canon(fields)}
    return {"type": kind, "attrs": canon(_attributes(obj))}


_NOTHING = object()


def _called(obj: Any, method: str) -> Any:
    """``obj.method()`` when it has such a method that takes no argument, else ``_NOTHING``."""
    bound = getattr(obj, method, None)
    if not callable(bound):
        return _NOTHING
    try:
        return bound()
    except TypeError:  # a method of that name that wants arguments: describe the attributes
        return _NOTHING


def _attributes(obj: Any) -> dict[str, Any]:
    """Public instance attributes, from ``__dict__`` and every ``__slots__`` of the class."""
    found: dict[str, Any] = dict(getattr(obj, "__dict__", {}))
    for cls in type(obj).__mro__:
        slots = getattr(cls, "__slots__", ())
        for slot in (slots,) if isinstance(slots, str) else slots:
            if slot not in found and hasattr(obj, slot):
                found[slot] = getattr(obj, slot)
    return {k: v for k, v in found.items() if not k.startswith("_") and k not in _SKIPPED}


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises
    except ValueError:
        return False
    return True


def _sort_key(item: Any) -> str:
    return json.dumps(item, sort_keys=True, separators=(",", ":"))
