"""JSON Schema for Gemini's native JSON-Schema fields, and the bounded expansion of the legacy subset."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from modelmux.errors import BadRequestError
from modelmux.providers._base import CallContext
from modelmux.providers.gemini import provider
from modelmux.providers.gemini.convert_json_schema import (
    MAX_DEPTH,
    prepare_json_schema,
    prepare_parameters_schema,
    uses_json_schema_fields,
)
from modelmux.providers.gemini.convert_schema import convert_schema

MakeCtx = Callable[..., CallContext]
Validate = Callable[[dict[str, Any]], None]
USER = [{"role": "user", "content": "hi"}]


def chain(length: int) -> dict[str, Any]:
    """``D0 … D{length-1}``, each definition referencing the previous one twice: 2**length if expanded."""
    defs: dict[str, Any] = {"D0": {"type": "object", "properties": {"v": {"type": "integer"}}}}
    for i in range(1, length):
        ref = {"$ref": f"#/$defs/D{i - 1}"}
        defs[f"D{i}"] = {"type": "object", "properties": {"left": ref, "right": dict(ref)}}
    return {"type": "object", "properties": {"top": {"$ref": f"#/$defs/D{length - 1}"}}, "$defs": defs}


def response_body(schema: dict[str, Any], ctx: CallContext, validate: Validate) -> dict[str, Any]:
    response_format = {"type": "json_schema", "json_schema": {"name": "out", "schema": schema}}
    body = provider.build_chat_request({"messages": USER, "response_format": response_format}, ctx).json
    validate(body)
    return body


def tool_body(parameters: Any, ctx: CallContext, validate: Validate) -> dict[str, Any]:
    tool = {"type": "function", "function": {"name": "f", "parameters": parameters}}
    body = provider.build_chat_request({"messages": USER, "tools": [tool]}, ctx).json
    validate(body)
    return body


# ------------------------------------------------------------------ which field


@pytest.mark.parametrize(
    ("model", "native"),
    [
        ("gemini-2.5-flash", True),
        ("gemini-2.0-flash", True),
        ("gemini-3-pro-preview", True),
        ("models/gemini-3-flash-preview", True),
        ("gemini-flash-latest", True),
        ("gemini-1.5-pro", False),
        ("gemini-1.0-pro", False),
        ("publishers/google/models/gemini-1.5-flash", False),
    ],
)
def test_json_schema_fields_for_gemini_2_and_later(model: str, native: bool) -> None:
    assert uses_json_schema_fields(model) is native


# ------------------------------------------------------------------ faithful conversion


def test_integer_and_number_enums_stay_typed(ctx: CallContext, validate_body: Validate) -> None:
    schema = {
        "type": "object",
        "properties": {
            "level": {"type": "integer", "enum": [1, 2, 3]},
            "ratio": {"type": "number", "enum": [0.5, 1.5]},
        },
    }
    config = response_body(schema, ctx, validate_body)["generationConfig"]
    sent = config["responseJsonSchema"]["properties"]
    assert sent["level"] == {"type": "integer", "enum": [1, 2, 3]}
    assert sent["ratio"] == {"type": "number", "enum": [0.5, 1.5]}
    assert "responseSchema" not in config
    declared = tool_body(schema, ctx, validate_body)["tools"][0]["functionDeclarations"][0]
    assert declared["parametersJsonSchema"]["properties"]["level"] == {"type": "integer", "enum": [1, 2, 3]}
    assert "parameters" not in declared


def test_additional_properties_maps_are_kept(ctx: CallContext, validate_body: Validate) -> None:
    schema = {
        "type": "object",
        "properties": {"scores": {"type": "object", "additionalProperties": {"type": "integer"}}},
        "additionalProperties": False,
    }
    sent = response_body(schema, ctx, validate_body)["generationConfig"]["responseJsonSchema"]
    assert sent["properties"]["scores"] == {"type": "object", "additionalProperties": {"type": "integer"}}
    assert sent["additionalProperties"] is False
    # a map of arguments is a real parameter schema
    parameters = {"type": "object", "additionalProperties": {"type": "string"}}
    assert prepare_parameters_schema(parameters) == parameters


def test_the_legacy_subset_describes_maps_and_keeps_enums_typed() -> None:
    out = convert_schema({"type": "object", "additionalProperties": {"type": "integer"}})
    assert out["type"] == "OBJECT" and "integer values" in out["description"]
    assert convert_schema({"type": "integer", "enum": [1, 2]})["type"] == "INTEGER"


def test_property_ordering_only_for_responses() -> None:
    schema = {
        "type": "object",
        "properties": {"b": {"type": "string"}, "a": {"type": "object", "properties": {"y": {}}}},
    }
    ordered = prepare_json_schema(schema, property_ordering=True)
    assert ordered["propertyOrdering"] == ["b", "a"]
    assert ordered["properties"]["a"]["propertyOrdering"] == ["y"]
    assert "propertyOrdering" not in prepare_json_schema(schema)


def test_meta_keywords_const_and_ref_siblings() -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "kind": {"const": "circle"},
            "n": {"const": 3},
            "flag": {"const": True},
            "shape": {"$ref": "#/$defs/Shape", "description": "the shape", "default": None},
            "maybe": {"$ref": "#/$defs/Shape", "nullable": True, "title": "Maybe"},
        },
        "$defs": {"Shape": {"$schema": "x", "type": "object", "properties": {"r": {"type": "number"}}}},
    }
    out = prepare_json_schema(schema)
    assert "$schema" not in out and "$schema" not in out["$defs"]["Shape"]
    props = out["properties"]
    assert props["kind"] == {"enum": ["circle"]}
    assert props["n"] == {"enum": [3]}
    assert props["flag"] == {"const": True}  # no enum of booleans on Gemini's list: left as written
    assert props["shape"] == {"$ref": "#/$defs/Shape", "description": "the shape", "default": None}
    assert props["maybe"] == {"anyOf": [{"$ref": "#/$defs/Shape"}], "nullable": True, "title": "Maybe"}


def test_draft_07_definitions_become_defs() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"$ref": "#/definitions/A"}},
        "definitions": {"A": {"type": "array", "items": {"$ref": "#/definitions/B"}}, "B": {"type": "string"}},
    }
    out = prepare_json_schema(schema)
    assert "definitions" not in out
    assert out["properties"]["a"] == {"$ref": "#/$defs/A"}
    assert out["$defs"]["A"]["items"] == {"$ref": "#/$defs/B"}
    both = prepare_json_schema(
        {
            "properties": {"a": {"$ref": "#/$defs/A"}, "b": {"$ref": "#/definitions/B"}},
            "$defs": {"A": {}},
            "definitions": {"B": {}},
        }
    )
    assert both["$defs"] == {"A": {}, "B": {}} and both["properties"]["b"] == {"$ref": "#/$defs/B"}
    with pytest.raises(BadRequestError, match="both definitions and"):
        prepare_json_schema({"definitions": {"A": {}}, "$defs": {"A": {}}})


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("https://example.com/schema.json", "not local"),
        ("other.json#/A", "not local"),
        ("#/$defs/Missing", "does not resolve"),
        (5, "not local"),
    ],
)
def test_references_gemini_cannot_follow_are_bad_requests(ref: Any, message: str) -> None:
    with pytest.raises(BadRequestError, match=message) as info:
        prepare_parameters_schema(
            {"type": "object", "properties": {"a": {"$ref": ref}}}, "tools[0].function.parameters"
        )
    assert info.value.param == "tools"


def test_recursive_schemas_are_sent_as_references() -> None:
    node = {
        "type": "object",
        "properties": {"value": {"type": "integer"}, "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}},
    }
    schema = {"$ref": "#/$defs/Node", "$defs": {"Node": node}}
    assert prepare_json_schema(schema) == schema  # Gemini unrolls recursion itself (non-required properties)
    assert prepare_json_schema({"type": "object", "properties": {"self": {"$ref": "#"}}})["properties"] == {
        "self": {"$ref": "#"}
    }


def test_all_of_is_folded() -> None:
    schema = {
        "allOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
            {"properties": {"b": {"type": "integer"}}, "required": ["b"]},
        ],
        "properties": {"c": {"allOf": [{"$ref": "#/$defs/C"}], "description": "c"}},
        "$defs": {"C": {"type": "string"}},
    }
    out = prepare_json_schema(schema)
    assert out["type"] == "object" and set(out["properties"]) == {"a", "b", "c"}
    assert out["required"] == ["a", "b"]
    assert out["properties"]["c"] == {"anyOf": [{"$ref": "#/$defs/C"}], "description": "c"}


def test_input_is_not_modified() -> None:
    schema = chain(3) | {"definitions": {"X": {"const": 1}}, "$schema": "x"}
    before = copy.deepcopy(schema)
    prepare_json_schema(schema, property_ordering=True)
    assert schema == before


def test_nesting_is_bounded() -> None:
    deep: dict[str, Any] = {"type": "string"}
    for _ in range(MAX_DEPTH + 5):
        deep = {"type": "array", "items": deep}
    with pytest.raises(BadRequestError, match="nested deeper"):
        prepare_json_schema(deep)


# ------------------------------------------------------------------ shared references never blow up


def test_shared_references_are_sent_unexpanded(ctx: CallContext, validate_body: Validate) -> None:
    schema = chain(30)
    start = time.perf_counter()
    sent = response_body(schema, ctx, validate_body)["generationConfig"]["responseJsonSchema"]
    declared = tool_body(schema, ctx, validate_body)["tools"][0]["functionDeclarations"][0]["parametersJsonSchema"]
    assert time.perf_counter() - start < 2
    size = len(json.dumps(schema))
    assert len(json.dumps(sent)) < 2 * size  # propertyOrdering added, nothing expanded
    assert len(json.dumps(declared)) == size
    assert sent["$defs"]["D29"]["properties"]["left"] == {"$ref": "#/$defs/D28"}


def test_legacy_expansion_is_bounded(make_ctx: MakeCtx) -> None:
    start = time.perf_counter()
    with pytest.raises(BadRequestError, match="too large"):
        convert_schema(chain(30))
    with pytest.raises(BadRequestError, match="too large"):
        response_format = {"type": "json_schema", "json_schema": {"name": "x", "schema": chain(30)}}
        provider.build_chat_request({"messages": USER, "response_format": response_format}, make_ctx("gemini-1.5-pro"))
    assert time.perf_counter() - start < 2  # the bound stops the work early
    convert_schema(chain(5))  # small sharing still inlines


# ------------------------------------------------------------------ function parameters


@pytest.mark.parametrize(
    "parameters",
    [
        None,
        {},
        {"type": "object"},
        {"type": "object", "properties": {}},
        {"properties": {}, "additionalProperties": False},
    ],
)
def test_parameterless_functions_send_no_schema(parameters: Any, ctx: CallContext, validate_body: Validate) -> None:
    declared = tool_body(parameters, ctx, validate_body)["tools"][0]["functionDeclarations"][0]
    assert declared == {"name": "f"}


def test_parameters_without_type_are_an_object(ctx: CallContext, validate_body: Validate) -> None:
    parameters = {"properties": {"q": {"type": "string"}}, "required": ["q"]}
    declared = tool_body(parameters, ctx, validate_body)["tools"][0]["functionDeclarations"][0]
    assert declared["parametersJsonSchema"] == {"type": "object", **parameters}


@pytest.mark.parametrize("parameters", [[1, 2], "object", {"type": "string"}, {"type": ["array", "null"]}])
def test_parameters_that_are_no_object_schema_are_bad_requests(parameters: Any, ctx: CallContext) -> None:
    with pytest.raises(BadRequestError, match=r"tools\[0\]\.function\.parameters") as info:
        provider.build_chat_request(
            {"messages": USER, "tools": [{"type": "function", "function": {"name": "f", "parameters": parameters}}]},
            ctx,
        )
    assert info.value.param == "tools"


def test_exclusive_integer_bounds_become_inclusive() -> None:
    schema = {
        "type": "object",
        "properties": {
            "n": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10},
            "x": {"type": "number", "exclusiveMinimum": 0},
            "m": {"type": "integer", "exclusiveMinimum": 0, "minimum": 5},
        },
    }
    props = prepare_json_schema(schema)["properties"]
    assert props["n"] == {"type": "integer", "minimum": 1, "maximum": 9}
    assert props["x"] == {"type": "number", "exclusiveMinimum": 0}  # no exact equivalent: left as written
    assert props["m"] == {"type": "integer", "exclusiveMinimum": 0, "minimum": 5}
