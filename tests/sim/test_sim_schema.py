"""costroute.sim._schema: a valid instance of the JSON schemas pydantic and the SDKs emit."""

from __future__ import annotations

import datetime as dt
import enum
import random
import uuid
from typing import Any, Literal

import jsonschema
import pytest
from pydantic import BaseModel, Field

from costroute.sim._schema import instance, stated_values


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Point(BaseModel):
    x: float = Field(gt=0, le=1)
    y: int = Field(ge=10, lt=20, multiple_of=5)


class Node(BaseModel):
    name: str = Field(min_length=12, max_length=14)
    children: list[Node] = []


class Everything(BaseModel):
    title: str
    count: int
    ratio: float
    ok: bool
    colour: Colour
    kind: Literal["a", "b"]
    only: Literal["x"]
    when: dt.datetime
    day: dt.date
    id: uuid.UUID
    tags: list[str] = Field(min_length=2)
    points: list[Point]
    where: Point
    maybe: Point | None
    either: int | str
    pair: tuple[int, str]
    scores: dict[str, int]
    tree: Node
    note: str | None = None


SCHEMA = Everything.model_json_schema()


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("every_property", [False, True])
def test_instances_of_a_pydantic_schema_validate(seed: int, every_property: bool) -> None:
    value = instance(
        SCHEMA, random.Random(seed), placeholders=not every_property, every_property=every_property
    )
    jsonschema.validate(value, SCHEMA)
    Everything.model_validate(value)
    if every_property:
        assert set(value) == set(SCHEMA["properties"])
    else:
        assert set(value) == set(SCHEMA["required"])


def test_strict_schema_as_the_openai_sdk_sends_it() -> None:
    from openai.lib._pydantic import to_strict_json_schema

    strict = to_strict_json_schema(Everything)
    value = instance(strict, random.Random(1), placeholders=False, every_property=True)
    Everything.model_validate(value)


def test_stated_values_fill_properties_at_any_depth() -> None:
    said = stated_values('Book it: title="Dune Messiah" count=3, colour=blue kind=b name=Ann.')
    assert said == {
        "title": "Dune Messiah",
        "count": "3",
        "colour": "blue",
        "kind": "b",
        "name": "Ann",
    }
    value = instance(SCHEMA, random.Random(0), stated=said)
    parsed = Everything.model_validate(value)
    assert (parsed.title, parsed.count, parsed.colour, parsed.kind) == (
        "Dune Messiah",
        3,
        Colour.BLUE,
        "b",
    )
    assert parsed.tree.name != "Ann"  # too short for Node.name (min_length=12): not used


def test_stated_values_that_do_not_fit_the_type_are_ignored() -> None:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {"n": {"type": "integer"}, "flag": {"type": "boolean"}},
        "required": ["n", "flag"],
    }
    value = instance(schema, random.Random(0), stated={"n": "many", "flag": "yes"})
    assert isinstance(value["n"], int) and isinstance(value["flag"], bool)
    assert instance(schema, random.Random(0), stated={"n": "7", "flag": "false"}) == {
        "n": 7,
        "flag": False,
    }


def test_tool_parameters_get_placeholders_for_required_strings_only() -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"type": "string"}},
        "required": ["city"],
    }
    assert instance(schema, random.Random(0)) == {"city": "<city>"}


def test_instances_are_deterministic_given_the_generator() -> None:
    first = instance(SCHEMA, random.Random(5), every_property=True, placeholders=False)
    again = instance(SCHEMA, random.Random(5), every_property=True, placeholders=False)
    assert first == again


def test_an_unresolvable_ref_and_an_empty_schema_still_give_a_value() -> None:
    assert instance({"$ref": "#/$defs/Missing"}, random.Random(0)) == "<value>"
    assert instance({}, random.Random(0)) == "<value>"
