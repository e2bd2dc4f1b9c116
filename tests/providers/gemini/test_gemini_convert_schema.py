from __future__ import annotations

from typing import Any

import pytest
from google.genai import types as genai

from modelmux.errors import BadRequestError
from modelmux.providers.gemini.convert_schema import convert_schema

# The fields of Gemini API's Schema (https://ai.google.dev/api/caching#Schema). google-genai's Schema
# also knows Vertex-only fields (additionalProperties, $defs, $ref), so it is not strict enough alone.
GEMINI_SCHEMA_KEYS = {
    "type",
    "format",
    "title",
    "description",
    "nullable",
    "enum",
    "items",
    "properties",
    "required",
    "propertyOrdering",
    "anyOf",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "pattern",
    "minProperties",
    "maxProperties",
    "minimum",
    "maximum",
    "default",
    "example",
}


def assert_gemini_schema(schema: dict[str, Any]) -> None:
    genai.Schema.model_validate(schema)
    stack = [schema]
    while stack:
        node = stack.pop()
        assert set(node) <= GEMINI_SCHEMA_KEYS, set(node) - GEMINI_SCHEMA_KEYS
        stack += list(node.get("properties", {}).values())
        stack += node.get("anyOf", [])
        if "items" in node:
            stack.append(node["items"])


def convert(schema: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    out = convert_schema(schema, **kwargs)
    assert_gemini_schema(out)
    return out


def test_simple_object_types_are_upper_case_and_required_kept() -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string", "description": "City"}, "days": {"type": "integer"}},
        "required": ["city"],
    }
    assert convert(schema) == {
        "type": "OBJECT",
        "properties": {"city": {"type": "STRING", "description": "City"}, "days": {"type": "INTEGER"}},
        "required": ["city"],
    }


def test_rejected_keywords_are_dropped() -> None:
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "x",
        "type": "object",
        "title": "Args",
        "additionalProperties": False,
        "properties": {
            "n": {"type": "number", "exclusiveMinimum": 0, "examples": [1], "minimum": 1, "maximum": 9},
            "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True, "minItems": 1},
            "s": {"type": "string", "minLength": 2, "pattern": "^a", "readOnly": True, "deprecated": True},
        },
    }
    assert convert(schema) == {
        "type": "OBJECT",
        "title": "Args",
        "properties": {
            "n": {"type": "NUMBER", "minimum": 1, "maximum": 9},
            "tags": {"type": "ARRAY", "items": {"type": "STRING"}, "minItems": 1},
            "s": {"type": "STRING", "minLength": 2, "pattern": "^a"},
        },
    }


def test_ref_and_defs_are_inlined_with_sibling_keywords() -> None:
    schema = {
        "type": "object",
        "properties": {
            "home": {"$ref": "#/$defs/Address", "description": "Home address"},
            "work": {"$ref": "#/definitions/Address"},
        },
        "$defs": {"Address": {"type": "object", "properties": {"street": {"type": "string"}}}},
        "definitions": {"Address": {"type": "object", "properties": {"zip": {"type": "string"}}}},
    }
    out = convert(schema)
    assert out["properties"]["home"] == {
        "type": "OBJECT",
        "description": "Home address",
        "properties": {"street": {"type": "STRING"}},
    }
    assert out["properties"]["work"] == {"type": "OBJECT", "properties": {"zip": {"type": "STRING"}}}
    assert "$defs" not in out and "definitions" not in out


def test_same_definition_used_twice_is_not_recursion() -> None:
    leaf = {"type": "object", "properties": {"v": {"type": "string"}}}
    schema = {
        "type": "object",
        "properties": {"a": {"$ref": "#/$defs/L"}, "b": {"type": "array", "items": {"$ref": "#/$defs/L"}}},
        "$defs": {"L": leaf},
    }
    out = convert(schema)
    assert out["properties"]["a"]["properties"] == {"v": {"type": "STRING"}}
    assert out["properties"]["b"]["items"]["properties"] == {"v": {"type": "STRING"}}


def test_recursive_ref_is_a_clear_error() -> None:
    schema = {
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}},
            }
        },
        "$ref": "#/$defs/Node",
    }
    with pytest.raises(BadRequestError, match=r"recursive JSON Schema reference #/\$defs/Node -> #/\$defs/Node"):
        convert_schema(schema)


def test_missing_ref_is_a_clear_error() -> None:
    with pytest.raises(BadRequestError, match="not found"):
        convert_schema({"type": "object", "properties": {"a": {"$ref": "#/$defs/Nope"}}})


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ({"type": ["string", "null"]}, {"type": "STRING", "nullable": True}),
        ({"anyOf": [{"type": "integer"}, {"type": "null"}]}, {"type": "INTEGER", "nullable": True}),
        ({"oneOf": [{"type": "null"}, {"type": "boolean"}]}, {"type": "BOOLEAN", "nullable": True}),
        (
            {"anyOf": [{"$ref": "#/$defs/P"}, {"type": "null"}], "description": "pet", "default": None},
            {"type": "OBJECT", "description": "pet", "default": None, "nullable": True, "properties": {}},
        ),
        ({"enum": ["a", None]}, {"type": "STRING", "enum": ["a"], "nullable": True}),
        ({"type": "null"}, {"type": "STRING", "nullable": True}),
    ],
)
def test_null_unions_become_nullable(node: dict[str, Any], expected: dict[str, Any]) -> None:
    schema = {"type": "object", "properties": {"x": node}, "$defs": {"P": {"type": "object", "properties": {}}}}
    assert convert(schema)["properties"]["x"] == expected


def test_unions_without_null_stay_any_of() -> None:
    out = convert({"anyOf": [{"type": "string"}, {"type": "object", "properties": {"a": {"type": "number"}}}]})
    assert out == {"anyOf": [{"type": "STRING"}, {"type": "OBJECT", "properties": {"a": {"type": "NUMBER"}}}]}
    assert convert({"type": ["string", "integer", "null"]}) == {
        "anyOf": [{"type": "STRING"}, {"type": "INTEGER"}],
        "nullable": True,
    }


def test_const_and_enums_keep_their_type() -> None:
    # corrected in issue 7: integer/number/boolean enums were turned into STRING enums
    assert convert({"const": "fixed"}) == {"type": "STRING", "enum": ["fixed"]}
    assert convert({"const": 7}) == {"type": "INTEGER", "format": "enum", "enum": ["7"]}
    assert convert({"type": "integer", "enum": [1, 2, 3]}) == {
        "type": "INTEGER",
        "format": "enum",
        "enum": ["1", "2", "3"],
    }
    assert convert({"type": "number", "enum": [0.5, 1]}) == {"type": "NUMBER", "format": "enum", "enum": ["0.5", "1"]}
    assert convert({"enum": [True, False]}) == {"type": "BOOLEAN"}
    assert convert({"enum": ["a", 1]}) == {"type": "STRING", "enum": ["a", "1"]}


def test_all_of_is_merged() -> None:
    schema = {
        "allOf": [
            {"$ref": "#/$defs/Base"},
            {"type": "object", "properties": {"b": {"type": "string"}}, "required": ["b"]},
        ],
        "description": "merged",
        "$defs": {"Base": {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}},
    }
    out = convert(schema)
    assert out["type"] == "OBJECT"
    assert out["description"] == "merged"
    assert out["properties"] == {"a": {"type": "STRING"}, "b": {"type": "STRING"}}
    assert sorted(out["required"]) == ["a", "b"]


def test_formats_are_kept_only_where_gemini_accepts_them() -> None:
    schema = {
        "type": "object",
        "properties": {
            "when": {"type": "string", "format": "date-time"},
            "mail": {"type": "string", "format": "email"},
            "big": {"type": "integer", "format": "int64"},
            "f": {"type": "number", "format": "double"},
            "bad": {"type": "number", "format": "int32"},
        },
    }
    props = convert(schema)["properties"]
    assert props["when"] == {"type": "STRING", "format": "date-time"}
    assert props["mail"] == {"type": "STRING"}
    assert props["big"] == {"type": "INTEGER", "format": "int64"}
    assert props["f"] == {"type": "NUMBER", "format": "double"}
    assert props["bad"] == {"type": "NUMBER"}


def test_required_names_must_exist_and_property_ordering_is_optional() -> None:
    schema = {
        "type": "object",
        "properties": {"b": {"type": "string"}, "a": {"type": "string"}},
        "required": ["a", "z"],
    }
    assert convert(schema)["required"] == ["a"]
    assert "propertyOrdering" not in convert(schema)
    assert convert(schema, property_ordering=True)["propertyOrdering"] == ["b", "a"]


def test_type_is_inferred_from_properties_or_items() -> None:
    assert convert({"properties": {"a": {"type": "string"}}})["type"] == "OBJECT"
    assert convert({"items": {"type": "string"}})["type"] == "ARRAY"
    assert convert({"type": "array", "items": [{"type": "string"}, {"type": "integer"}]})["items"] == {
        "anyOf": [{"type": "STRING"}, {"type": "INTEGER"}]
    }


def test_pydantic_generated_schema_converts() -> None:
    from enum import Enum

    from pydantic import BaseModel

    class Color(str, Enum):
        red = "red"
        blue = "blue"

    class Pet(BaseModel):
        name: str
        color: Color | None = None

    class Owner(BaseModel):
        pets: list[Pet]
        nickname: str | None = None

    out = convert(Owner.model_json_schema(), property_ordering=True)
    pet = out["properties"]["pets"]["items"]
    assert pet["properties"]["color"] == {
        "type": "STRING",
        "enum": ["red", "blue"],
        "title": "Color",
        "default": None,
        "nullable": True,
    }
    assert out["properties"]["nickname"]["nullable"] is True
    assert out["propertyOrdering"] == ["pets", "nickname"]


def test_non_object_schema_is_rejected() -> None:
    with pytest.raises(BadRequestError):
        convert_schema(["not", "a", "schema"])
