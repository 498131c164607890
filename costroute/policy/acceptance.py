"""Acceptance checks for cascades: pure functions ``(request, message) -> reason | None``.

``message`` is the first answer's message as a dict (``resp.choices[0].message``:
``{"role", "content", "tool_calls"?}``). A check returns ``None`` to accept it, or a short
reason to escalate (the reason goes into the plan's reasons). No I/O, no clock.

- :func:`empty_answer`: no text and no tool call.
- :func:`refusal`: a refusal phrase (:data:`REFUSAL_PHRASES`) in the answer's first 200
  characters.
- :func:`invalid_json`: ``response_format`` asks for JSON and the text does not parse, or does
  not match the ``json_schema`` (a minimal validator: ``type``, ``required``, ``properties``,
  ``items``, ``enum``; anything else in the schema is not checked).
- :func:`tool_call_mismatch`: a tool call names no offered tool, or its arguments do not parse
  as a JSON object, miss a required parameter or break the parameter schema.
- :func:`custom`: any ``fn(request, message)`` returning a reason, True or a falsy value.
- :func:`any_of`: the first reason of several checks; :data:`default_check` is ``any_of`` of
  the four above.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from costroute.types import AcceptanceCheck, Request

__all__ = [
    "REFUSAL_PHRASES",
    "AcceptanceCheck",
    "any_of",
    "custom",
    "default_check",
    "empty_answer",
    "invalid_json",
    "refusal",
    "schema_errors",
    "tool_call_mismatch",
]

REFUSAL_PHRASES: tuple[str, ...] = (
    "i can't help with",
    "i cannot help with",
    "i can't assist with",
    "i cannot assist with",
    "i can't provide",
    "i cannot provide",
    "i'm sorry, but i can't",
    "i'm sorry, but i cannot",
    "sorry, i can't",
    "i am unable to",
    "i'm unable to",
    "i won't be able to",
    "i must decline",
    "as an ai language model, i cannot",
)
"""Lower-case openings that mark a refusal; matched in the first 200 characters."""


def _text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping))
    return ""


def empty_answer(request: Request, message: Mapping[str, Any]) -> str | None:
    """Escalate when the answer has no text and no tool call."""
    if _text(message).strip() or message.get("tool_calls"):
        return None
    return "empty answer"


def refusal(request: Request, message: Mapping[str, Any]) -> str | None:
    """Escalate when one of :data:`REFUSAL_PHRASES` is in the answer's first 200 characters."""
    head = _text(message)[:200].lower().replace("\u2019", "'")
    for phrase in REFUSAL_PHRASES:
        if phrase in head:
            return f"refusal ({phrase!r})"
    return None


_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def schema_errors(value: Any, schema: Mapping[str, Any], path: str = "$") -> list[str]:
    """Where ``value`` breaks ``schema`` (type, required, properties, items, enum only)."""
    errors: list[str] = []
    kind = schema.get("type")
    kinds = [kind] if isinstance(kind, str) else list(kind) if isinstance(kind, list) else []
    if kinds and not any(_TYPES.get(k, lambda _v: True)(value) for k in kinds):
        return [f"{path} is not {'/'.join(kinds)}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path} not in enum")
    if isinstance(value, dict):
        errors += [f"{path}.{k} missing" for k in schema.get("required", []) if k not in value]
        for key, sub in (schema.get("properties") or {}).items():
            if key in value and isinstance(sub, Mapping):
                errors += schema_errors(value[key], sub, f"{path}.{key}")
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for i, item in enumerate(value):
            errors += schema_errors(item, schema["items"], f"{path}[{i}]")
    return errors


def invalid_json(request: Request, message: Mapping[str, Any]) -> str | None:
    """Escalate when ``response_format`` asks for JSON and the answer is not (schema-)valid."""
    fmt = request.params.get("response_format")
    if not isinstance(fmt, Mapping) or fmt.get("type") not in ("json_object", "json_schema"):
        return None
    try:
        value = json.loads(_text(message))
    except ValueError as exc:
        return f"invalid JSON ({exc})"
    spec = fmt.get("json_schema")
    schema = spec.get("schema") if isinstance(spec, Mapping) else None
    if fmt["type"] == "json_object" and not isinstance(value, dict):
        return "invalid JSON (not an object)"
    if isinstance(schema, Mapping):
        errors = schema_errors(value, schema)
        if errors:
            return f"JSON does not match the schema ({'; '.join(errors[:3])})"
    return None


def _tools(request: Request) -> dict[str, Mapping[str, Any]]:
    out: dict[str, Mapping[str, Any]] = {}
    for tool in request.params.get("tools") or ():
        fn = tool.get("function") if isinstance(tool, Mapping) else None
        if isinstance(fn, Mapping) and isinstance(fn.get("name"), str):
            params = fn.get("parameters")
            out[fn["name"]] = params if isinstance(params, Mapping) else {}
    return out


def tool_call_mismatch(request: Request, message: Mapping[str, Any]) -> str | None:
    """Escalate when a tool call does not match the tools the request offered."""
    calls = message.get("tool_calls") or ()
    if not calls:
        return None
    tools = _tools(request)
    for call in calls:
        fn = call.get("function") if isinstance(call, Mapping) else None
        name = fn.get("name") if isinstance(fn, Mapping) else None
        if name not in tools:
            return f"tool call to unknown tool {name!r}"
        assert isinstance(fn, Mapping)
        try:
            args = json.loads(fn.get("arguments") or "{}")
        except ValueError:
            return f"tool {name!r}: arguments are not JSON"
        if not isinstance(args, dict):
            return f"tool {name!r}: arguments are not a JSON object"
        errors = schema_errors(args, tools[name], "arguments")
        if errors:
            return f"tool {name!r}: {'; '.join(errors[:3])}"
    return None


def custom(fn: Callable[[Request, Mapping[str, Any]], str | bool | None]) -> AcceptanceCheck:
    """A user check: a non-empty string (the reason) or True escalates; None/False/"" accepts."""

    def check(request: Request, message: Mapping[str, Any]) -> str | None:
        out = fn(request, message)
        if isinstance(out, str):
            return out or None
        return f"{getattr(fn, '__name__', 'custom check')} rejected the answer" if out else None

    check.__name__ = getattr(fn, "__name__", "custom")
    return check


def any_of(*checks: AcceptanceCheck) -> AcceptanceCheck:
    """The first reason any of ``checks`` gives, in order."""

    def check(request: Request, message: Mapping[str, Any]) -> str | None:
        for c in checks:
            why = c(request, message)
            if why:
                return why
        return None

    check.__name__ = "any_of(" + ", ".join(getattr(c, "__name__", "?") for c in checks) + ")"
    return check


default_check: AcceptanceCheck = any_of(empty_answer, refusal, invalid_json, tool_call_mismatch)
"""Empty answer, refusal, invalid JSON or a mismatched tool call."""
