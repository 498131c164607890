"""A small valid instance of a JSON schema: tool arguments and structured output.

Deterministic given the ``random.Random`` passed in. Covers what pydantic, the openai SDK,
instructor, langchain and pydantic-ai emit:

* ``type`` (also a list, ``null`` chosen last), ``enum`` and ``const`` (the first value);
* objects: the ``required`` properties (all of them with ``every_property=True``);
  ``additionalProperties`` maps become ``{}``;
* arrays: one item (``minItems`` items when more are needed), tuples from ``prefixItems``;
* ``$ref`` into ``$defs`` / ``definitions`` (pydantic's nested models), ``anyOf`` /
  ``oneOf`` (the first option that is not ``null``), ``allOf`` (merged);
* strings honour ``format`` (date-time, date, time, email, uri, uuid, ...) and
  ``minLength`` / ``maxLength``; numbers honour ``minimum`` / ``maximum`` (exclusive too).

Values the prompt states win: a ``name=value`` pair in the last user message (``value``
up to the next space, comma or semicolon, or ``"quoted"``) sets every property called
``name`` (an enum's matching member, too), when it converts to the property's type
(``n=3`` gives ``3`` for an integer) and meets its constraints (length, pattern, range).
Otherwise strings are ``"<name>"`` placeholders (tool arguments) or a few words (JSON
answers); integers and numbers are drawn from the generator within their bounds
(``multipleOf`` for integers).
"""

from __future__ import annotations

import math
import random
import re
from typing import Any

__all__ = ["instance", "stated_values"]

_WORDS = ("cost", "model", "route", "budget", "cache", "quality", "answer", "value", "data")
_FORMATS = {
    "date-time": "2026-01-01T12:00:00Z",
    "date": "2026-01-01",
    "time": "12:00:00",
    "duration": "PT1H",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
    "hostname": "example.com",
}
_STATED = re.compile(r"\b([A-Za-z_][\w-]*)=(?:\"([^\"]*)\"|([^\s,;\"]+))")
_MAX_DEPTH = 6


def stated_values(text: str) -> dict[str, str]:
    """The ``name=value`` pairs written in ``text`` (a trailing ``.`` is not part of a value)."""
    out: dict[str, str] = {}
    for match in _STATED.finditer(text):
        quoted, bare = match.group(2), match.group(3)
        out[match.group(1)] = quoted if quoted is not None else bare.rstrip(".!?)")
    return out


def instance(
    schema: dict[str, Any],
    rng: random.Random,
    *,
    stated: dict[str, str] | None = None,
    placeholders: bool = True,
    every_property: bool = False,
) -> Any:
    """A value valid for ``schema`` (see the module docstring for the rules)."""
    maker = _Maker(schema, rng, stated or {}, placeholders, every_property)
    return maker.value(schema, "value", 0)


class _Maker:
    def __init__(
        self,
        root: dict[str, Any],
        rng: random.Random,
        stated: dict[str, str],
        placeholders: bool,
        every_property: bool,
    ) -> None:
        self.root, self.rng, self.stated = root, rng, stated
        self.placeholders, self.every_property = placeholders, every_property

    def resolve(self, schema: dict[str, Any], depth: int = 0) -> dict[str, Any]:
        """``schema`` with ``$ref`` followed and ``allOf`` merged (sibling keys kept)."""
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/") and depth < _MAX_DEPTH:
            target: Any = self.root
            for part in ref[2:].split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**self.resolve(target if isinstance(target, dict) else {}, depth + 1)}
            schema.update(rest)
        parts = schema.get("allOf")
        if isinstance(parts, list) and parts:
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            for part in parts:
                if isinstance(part, dict):
                    _merge(merged, self.resolve(part, depth + 1))
            schema = merged
        return schema

    def value(self, schema: dict[str, Any], key: str, depth: int) -> Any:
        schema = self.resolve(schema)
        if "const" in schema:
            return schema["const"]
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            said = self.stated.get(key)
            return next((v for v in enum if said is not None and str(v) == said), enum[0])
        for combinator in ("anyOf", "oneOf"):
            options = [o for o in schema.get(combinator) or [] if isinstance(o, dict)]
            if options:
                usable = [o for o in options if self.resolve(o).get("type") != "null"]
                return self.value((usable or options)[0], key, depth)
        kind = _kind(schema)
        if kind == "object":
            return self.obj(schema, depth)
        if kind == "array":
            return self.array(schema, key, depth)
        if key in self.stated:
            converted = _convert(self.stated[key], kind)
            if converted is not None and _fits(converted, schema):
                return converted
        return self.scalar(kind, schema, key)

    def obj(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        props = schema.get("properties")
        if not isinstance(props, dict) or depth >= _MAX_DEPTH:
            return {}
        required = [name for name in schema.get("required") or [] if name in props]
        names = list(props) if self.every_property and depth < 3 else required
        return {name: self.value(props[name] or {}, name, depth + 1) for name in names}

    def array(self, schema: dict[str, Any], key: str, depth: int) -> list[Any]:
        prefix = schema.get("prefixItems")
        if isinstance(prefix, list):
            return [self.value(p, key, depth + 1) for p in prefix if isinstance(p, dict)]
        items = schema.get("items")
        if not isinstance(items, dict) or depth >= _MAX_DEPTH:
            return []
        low = schema.get("minItems", 1)
        count = max(int(low) if isinstance(low, int) else 1, 1)
        high = schema.get("maxItems")
        if isinstance(high, int):
            count = min(count, high)
        return [self.value(items, key, depth + 1) for _ in range(count)]

    def scalar(self, kind: str, schema: dict[str, Any], key: str) -> Any:
        if kind == "integer":
            return _bounded_int(schema, self.rng)
        if kind == "number":
            return _bounded_number(schema, self.rng)
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "null":
            return None
        fmt = schema.get("format")
        if isinstance(fmt, str) and fmt in _FORMATS:
            return _FORMATS[fmt]
        if self.placeholders:
            text = f"<{key}>"
        else:
            text = f"{key} " + " ".join(self.rng.choice(_WORDS) for _ in range(3))
        return _sized(text, schema)


def _kind(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if isinstance(kind, str):
        return kind
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    return "string"


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
    for k, v in extra.items():
        if k == "properties" and isinstance(v, dict):
            into["properties"] = {**(into.get("properties") or {}), **v}
        elif k == "required" and isinstance(v, list):
            into["required"] = [*(into.get("required") or []), *v]
        else:
            into.setdefault(k, v)


def _convert(text: str, kind: str) -> Any:
    """``text`` as a value of JSON type ``kind``, or None when it does not convert."""
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        return None
    if kind == "boolean":
        lowered = text.lower()
        return True if lowered == "true" else False if lowered == "false" else None
    return text if kind == "string" else None


def _fits(value: Any, schema: dict[str, Any]) -> bool:
    """Whether a stated scalar meets the schema's length, pattern and range constraints."""
    if isinstance(value, str):
        low, high, pattern = schema.get("minLength"), schema.get("maxLength"), schema.get("pattern")
        return (
            (not isinstance(low, int) or len(value) >= low)
            and (not isinstance(high, int) or len(value) <= high)
            and (not isinstance(pattern, str) or _searches(pattern, value))
        )
    if isinstance(value, bool) or not _is_number(value):
        return True
    low, high, xlow, xhigh = _limits(schema)
    return (low is None or value > low or (not xlow and value == low)) and (
        high is None or value < high or (not xhigh and value == high)
    )


def _searches(pattern: str, value: str) -> bool:
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return True


def _limits(schema: dict[str, Any]) -> tuple[float | None, float | None, bool, bool]:
    """(low, high, low is exclusive, high is exclusive) from the schema's bounds."""
    lo, hi = schema.get("minimum"), schema.get("maximum")
    xlo, xhi = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    low = xlo if _is_number(xlo) else lo if _is_number(lo) else None
    high = xhi if _is_number(xhi) else hi if _is_number(hi) else None
    return low, high, _is_number(xlo), _is_number(xhi)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _bounded_number(schema: dict[str, Any], rng: random.Random) -> float:
    low, high, xlow, xhigh = _limits(schema)
    if low is None:
        low = 0.0 if high is None or high > 0 else high - 100
    if high is None:
        high = low + 100
    value = round(rng.uniform(low, high), 2)
    if value < low or value > high or (xlow and value <= low) or (xhigh and value >= high):
        value = (low + high) / 2
    return value


def _bounded_int(schema: dict[str, Any], rng: random.Random) -> int:
    low, high, xlow, xhigh = _limits(schema)
    lo = None if low is None else math.floor(low) + 1 if xlow else math.ceil(low)
    hi = None if high is None else math.ceil(high) - 1 if xhigh else math.floor(high)
    if lo is None:
        lo = 1 if hi is None or hi >= 1 else hi - 99
    if hi is None:
        hi = lo + 99
    value = rng.randint(lo, hi) if lo <= hi else lo
    step = schema.get("multipleOf")
    if isinstance(step, int) and step > 0:
        up = -(-value // step) * step
        value = up if up <= hi else value // step * step
    return value


def _sized(text: str, schema: dict[str, Any]) -> str:
    low, high = schema.get("minLength"), schema.get("maxLength")
    if isinstance(low, int) and len(text) < low:
        text = text + "x" * (low - len(text))
    if isinstance(high, int) and len(text) > high:
        text = text[:high]
    return text
