"""A pydantic model class as response_format is bounded by the schema the provider receives."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, create_model

from costroute._request import build_request
from costroute._tokens import uncounted_tokens_bound

Inner = create_model("Inner", **{f"x{i}": (str, ...) for i in range(10)})  # type: ignore[call-overload]


class Outer(BaseModel):
    a: list[Inner]  # type: ignore[valid-type]
    b: Inner  # type: ignore[valid-type]
    c: int


def _strict(node: Any) -> Any:
    """What a strict json_schema conversion sends: additionalProperties false on every object."""
    if isinstance(node, dict):
        out = {k: _strict(v) for k, v in node.items()}
        if "properties" in out:
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [_strict(v) for v in node]
    return node


def test_a_model_class_counts_its_wrapped_strict_schema_not_its_name() -> None:
    sent = {
        "type": "json_schema",
        "json_schema": {
            "name": "Outer",
            "schema": _strict(Outer.model_json_schema()),
            "strict": True,
        },
    }
    sent_bytes = len(json.dumps(sent))
    assert sent_bytes > 900  # the schema, not the 26 bytes of the class name
    assert uncounted_tokens_bound({"response_format": Outer}) >= sent_bytes
    request = build_request([{"role": "user", "content": "hi"}], {"response_format": Outer})
    assert request.uncounted_tokens_bound >= sent_bytes
    assert request.input_tokens_bound >= sent_bytes
