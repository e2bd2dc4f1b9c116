"""JSON mode: schema-valid instances (checked with jsonschema), varied by seed, bounded; json_object from prompts."""

from __future__ import annotations

import enum
import json
from typing import Any, Literal

import jsonschema
import pydantic
import pytest

import modelmux
from modelmux.providers.mock_json import MAX_NODES, schema_instance

MSG = [{"role": "user", "content": "give me JSON"}]


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Address(pydantic.BaseModel):
    street: str
    zip: str = pydantic.Field(pattern=r"^[0-9]{5}$")


class Person(pydantic.BaseModel):
    name: str = pydantic.Field(min_length=3, max_length=12)
    age: int = pydantic.Field(ge=0, le=130)
    email: str = pydantic.Field(json_schema_extra={"format": "email"})
    score: float = pydantic.Field(gt=0, lt=1)
    colour: Colour
    kind: Literal["a", "b"]
    tags: list[str] = pydantic.Field(min_length=2, max_length=4)
    home: Address
    past: list[Address] = []
    nickname: str | None = None


class Tree(pydantic.BaseModel):
    label: str
    children: list[Tree] = []


SCHEMAS: dict[str, dict[str, Any]] = {
    "pydantic": Person.model_json_schema(),
    "recursive": Tree.model_json_schema(),
    "formats": {
        "type": "object",
        "properties": {
            f: {"type": "string", "format": f} for f in ("date-time", "date", "uri", "uuid", "ipv4", "ipv6")
        },
        "required": ["date-time", "date", "uri", "uuid", "ipv4", "ipv6"],
        "additionalProperties": False,
    },
    "numbers": {
        "type": "object",
        "properties": {
            "even": {"type": "integer", "multipleOf": 2, "minimum": 10, "maximum": 20},
            "half": {"type": "number", "multipleOf": 0.5, "exclusiveMinimum": 0, "maximum": 3},
            "neg": {"type": "integer", "maximum": -5},
        },
        "required": ["even", "half", "neg"],
    },
    "combinators": {
        "type": "object",
        "properties": {
            "either": {"anyOf": [{"type": "string", "enum": ["x", "y"]}, {"type": "integer", "minimum": 5}]},
            "both": {
                "allOf": [
                    {"type": "object", "properties": {"a": {"type": "boolean"}}, "required": ["a"]},
                    {"properties": {"b": {"const": 3}}, "required": ["b"]},
                ]
            },
            "nullable": {"type": ["string", "null"]},
            "pair": {
                "type": "array",
                "prefixItems": [{"type": "integer"}, {"type": "string"}],
                "items": False,
                "minItems": 2,
            },
            "set": {
                "type": "array",
                "items": {"type": "integer", "minimum": 0, "maximum": 3},
                "uniqueItems": True,
                "minItems": 3,
            },
        },
        "required": ["either", "both", "nullable", "pair", "set"],
    },
}


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_instances_are_valid_for_many_seeds(name: str) -> None:
    schema = SCHEMAS[name]
    checker = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    for seed in range(40):
        value = schema_instance(schema, seed=seed)
        errors = [e.message for e in checker.iter_errors(value)]
        assert not errors, (seed, value, errors)


def test_pydantic_parses_the_completion_and_seeds_vary_it() -> None:
    fmt = {
        "type": "json_schema",
        "json_schema": {"name": "person", "schema": Person.model_json_schema(), "strict": True},
    }
    answers = set()
    for seed in range(6):
        text = modelmux.completion("mock/x", MSG, response_format=fmt, seed=seed).choices[0].message.content or ""
        Person.model_validate_json(text)
        answers.add(text)
    assert len(answers) >= 5
    again = modelmux.completion("mock/x", MSG, response_format=fmt, seed=3).choices[0].message.content
    assert again == modelmux.completion("mock/x", MSG, response_format=fmt, seed=3).choices[0].message.content


def test_size_is_bounded_on_a_deeply_recursive_schema() -> None:
    schema = {
        "$defs": {
            "n": {
                "type": "object",
                "properties": {"k": {"type": "array", "items": {"$ref": "#/$defs/n"}, "minItems": 3}},
                "required": ["k"],
            }
        },
        "$ref": "#/$defs/n",
    }
    for seed in range(5):
        value = schema_instance(schema, seed=seed)
        assert len(json.dumps(value)) < 200_000
        assert str(value).count("{") <= MAX_NODES * 3


def test_json_object_answers_an_instance_of_a_schema_in_the_prompt() -> None:
    # instructor's JSON mode: the schema is pasted in the system message.
    system = "Answer in json that matches the following json_schema:\n\n" + json.dumps(Person.model_json_schema())
    msgs = [{"role": "system", "content": system}, {"role": "user", "content": "Extract: Ada, 36"}]
    text = modelmux.completion("mock/x", msgs, response_format={"type": "json_object"}).choices[0].message.content
    Person.model_validate_json(text or "")


def test_json_object_copies_an_example_object_or_answers_an_object() -> None:
    msgs = [{"role": "user", "content": 'Reply in JSON like {"city": "Paris", "ok": true} please'}]
    text = modelmux.completion("mock/x", msgs, response_format={"type": "json_object"}).choices[0].message.content
    assert json.loads(text or "") == {"city": "Paris", "ok": True}
    plain = modelmux.completion("mock/x", MSG, response_format={"type": "json_object"}).choices[0].message.content
    assert isinstance(json.loads(plain or ""), dict)


def test_n_choices_each_valid_and_streamed_with_their_index() -> None:
    fmt = {"type": "json_schema", "json_schema": {"name": "p", "schema": Person.model_json_schema()}}
    out = modelmux.completion("mock/x", MSG, response_format=fmt, n=3)
    assert [c.index for c in out.choices] == [0, 1, 2]
    for choice in out.choices:
        Person.model_validate_json(choice.message.content or "")
    chunks = list(modelmux.completion("mock/echo", MSG, n=2, stream=True))
    rebuilt = modelmux.stream_chunk_builder(chunks)
    assert [c.message.content for c in rebuilt.choices] == ["give me JSON", "give me JSON"]
    with pytest.raises(modelmux.BadRequestError):
        modelmux.completion("mock/x", MSG, n=0)


@pytest.mark.parametrize(
    "pattern",
    [
        r"^[0-9]{5}$",
        r"^[A-Z]{2}-\d{3,4}$",
        r"^(cat|dog)s?$",
        r"^\w+@\w+\.(com|org)$",
        r"^[^\s@]+$",
        r"^#[0-9a-fA-F]{6}$",
        r"^v\d+\.\d+(\.\d+)?$",
    ],
)
def test_string_patterns_are_matched(pattern: str) -> None:
    import re

    schema = {"type": "string", "pattern": pattern}
    values = {schema_instance(schema, seed=seed) for seed in range(10)}
    assert all(re.search(pattern, v) for v in values), values


@pytest.mark.parametrize(
    "schema",
    [{"allOf": [{"$ref": "#"}]}, {"type": "object", "allOf": [{"allOf": [{"$ref": "#"}]}]}, {"$ref": "#"}],
)
def test_a_schema_that_refers_back_to_itself_through_allof_ends(schema: dict[str, Any]) -> None:
    schema_instance(schema, seed=0)  # used to recurse until RecursionError (a 500 through the gateway)
    tools = [{"type": "function", "function": {"name": "f", "parameters": schema}}]
    reply = modelmux.completion(model="mock/demo", messages=[{"role": "user", "content": "hi"}], tools=tools)
    assert reply.choices[0].message.tool_calls
