"""Tools and schemas: object input schemas, Anthropic tool types passed through after a shape check, custom
tools, and the strict-schema normalisation (bodies validated with the SDK's request types)."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pydantic
import pytest
from anthropic.types.beta import BetaToolComputerUse20250124Param
from anthropic_helpers import build, make_ctx

from modelmux.errors import BadRequestError, DroppedParamWarning, UnsupportedParamsError
from modelmux.providers.anthropic import provider
from modelmux.providers.anthropic.convert_schema import MAX_DEPTH, object_schema, strict_schema

HI = [{"role": "user", "content": "hi"}]
LEGACY = "claude-3-5-haiku-20241022"  # no structured outputs: strict is not enforced, schemas sent as given


def body(model: str = "claude-sonnet-4-5", **params: Any) -> dict[str, Any]:
    return build({"messages": HI, **params}, make_ctx(model))


def fn(parameters: Any = None, strict: bool | None = None, name: str = "f") -> dict[str, Any]:
    function: dict[str, Any] = {"name": name}
    if parameters is not None:
        function["parameters"] = parameters
    if strict is not None:
        function["strict"] = strict
    return {"type": "function", "function": function}


# ---------------------------------------------------------------- function tool input schemas


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        (None, {"type": "object", "properties": {}}),
        ({}, {"type": "object", "properties": {}}),
        ({"type": None}, {"type": "object", "properties": {}}),
        ({"description": "d"}, {"type": "object", "description": "d"}),
        ({"properties": {"a": {"type": "string"}}}, {"type": "object", "properties": {"a": {"type": "string"}}}),
        ({"type": "object", "properties": {}}, {"type": "object", "properties": {}}),
    ],
)
def test_function_parameters_become_an_object_input_schema(parameters: Any, expected: dict[str, Any]) -> None:
    assert body(tools=[fn(parameters)])["tools"][0]["input_schema"] == expected


@pytest.mark.parametrize("parameters", [{"type": "string"}, {"type": ["object", "null"]}, [1], "x"])
def test_non_object_parameters_are_bad_requests(parameters: Any) -> None:
    with pytest.raises(BadRequestError, match=r"tools\[0\]\.function\.parameters"):
        body(tools=[fn(parameters)])


# ---------------------------------------------------------------- Anthropic tool types


@pytest.mark.parametrize(
    "tool",
    [
        {"type": "web_search_20250305", "name": "web_search", "max_uses": 3},
        {
            "type": "web_search_20250305",
            "name": "web_search",
            "allowed_domains": ["example.com"],
            "user_location": {"type": "approximate", "city": "Paris", "country": "FR"},
        },
        {"type": "web_fetch_20250910", "name": "web_fetch", "max_uses": 2, "citations": {"enabled": True}},
        {"type": "code_execution_20250825", "name": "code_execution"},
        {"type": "bash_20250124", "name": "bash"},
        {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool", "max_characters": 1000},
        {"type": "text_editor_20250124", "name": "str_replace_editor"},
        {"type": "memory_20250818", "name": "memory"},
        {"type": "tool_search_tool_regex_20251119", "name": "tool_search_tool_regex"},
    ],
    ids=lambda t: t["type"],
)
def test_anthropic_tools_pass_through_unchanged(tool: dict[str, Any]) -> None:
    sent = body(tools=[tool, fn({"type": "object", "properties": {}})])["tools"]
    assert sent[0] == tool and sent[0] is not tool


def test_beta_computer_use_tool_passes_through() -> None:
    # Computer use is a beta tool (the SDK types it under beta); the caller adds the anthropic-beta header.
    tool = {"type": "computer_20250124", "name": "computer", "display_width_px": 1024, "display_height_px": 768}
    sent = provider.build_chat_request({"messages": HI, "tools": [tool]}, make_ctx()).json["tools"]
    assert sent == [tool]
    pydantic.TypeAdapter(BetaToolComputerUse20250124Param).validate_python(sent[0])


def test_an_unknown_tool_version_passes_with_the_generic_checks() -> None:
    tool = {"type": "web_search_20991231", "name": "web_search", "new_option": 1}
    assert provider.build_chat_request({"messages": HI, "tools": [tool]}, make_ctx()).json["tools"] == [tool]


@pytest.mark.parametrize(
    ("tool", "match"),
    [
        ({"type": "web_search_20250305"}, r"tools\[0\] \(web_search_20250305\): 'name' must be"),
        ({"type": "web_search_20250305", "name": "search"}, "the name must be web_search"),
        ({"type": "web_search_20250305", "name": "web_search", "max_uses": 0}, "max_uses"),
        ({"type": "web_search_20250305", "name": "web_search", "max_uses": "3"}, "max_uses"),
        ({"type": "web_search_20250305", "name": "web_search", "allowed_domains": "a.com"}, "allowed_domains"),
        ({"type": "web_search_20250305", "name": "web_search", "user_location": "Paris"}, "user_location"),
        ({"type": "computer_20250124", "name": "computer"}, "missing display_height_px, display_width_px"),
        (
            {"type": "computer_20250124", "name": "computer", "display_width_px": -1, "display_height_px": 2},
            "display_width_px",
        ),
        ({"type": "text_editor_20250728", "name": "editor"}, "str_replace_based_edit_tool or str_replace_editor"),
        ({"type": "bash_20250124", "name": "bash", "cache_control": "yes"}, "cache_control"),
        ({"type": "code_interpreter"}, "expected a function tool"),
        ({"function": {"name": "f"}}, "expected a function tool"),
    ],
)
def test_malformed_tools_are_bad_requests_naming_the_tool(tool: dict[str, Any], match: str) -> None:
    with pytest.raises(BadRequestError, match=match) as info:
        body(tools=[tool])
    assert info.value.status_code == 400 and info.value.param == "tools"


def test_openai_custom_tools_are_unsupported_or_dropped_with_a_warning() -> None:
    custom = {"type": "custom", "custom": {"name": "sql", "description": "SQL", "format": {"type": "text"}}}
    with pytest.raises(UnsupportedParamsError, match="custom tool"):
        body(tools=[custom])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ctx = make_ctx(drop_params=True)
        sent = build({"messages": HI, "tools": [custom, fn()], "tool_choice": "required"}, ctx)
    assert [t["name"] for t in sent["tools"]] == ["f"] and sent["tool_choice"] == {"type": "any"}
    assert any(issubclass(w.category, DroppedParamWarning) for w in caught)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        only = build({"messages": HI, "tools": [custom], "tool_choice": "auto"}, make_ctx(drop_params=True))
    assert "tools" not in only and "tool_choice" not in only


# ---------------------------------------------------------------- strict schema normalisation

RICH = {
    "type": "object",
    "title": "Order",
    "properties": {
        "qty": {"type": "integer", "minimum": 1, "maximum": 10, "description": "How many"},
        "code": {"type": "string", "pattern": "^[A-Z]+$", "minLength": 2},
        "when": {"type": "string", "format": "date-time"},
        "colour": {"type": "string", "format": "color"},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 5},
        "many": {"type": "array", "items": {"type": "integer"}, "minItems": 3},
        "size": {"type": "string", "enum": ["S", "M"]},
        "kind": {"oneOf": [{"type": "string"}, {"type": "null"}]},
        "meta": {"type": "object", "properties": {"x": {"type": "number", "multipleOf": 0.5}}},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "note": {"type": ["string", "null"], "default": None},
        "addr": {"$ref": "#/$defs/Address", "description": "Where"},
    },
    "required": ["qty"],
    "$defs": {"Address": {"type": "object", "properties": {"street": {"type": "string", "maxLength": 80}}}},
}


def test_strict_schema_normalisation() -> None:
    out = strict_schema(RICH, "s", "tools")
    props = out["properties"]
    assert out["additionalProperties"] is False and out["title"] == "Order" and out["required"] == ["qty"]
    assert props["qty"] == {
        "type": "integer",
        "description": 'How many\n\n{"maximum": 10, "minimum": 1}',
    }
    assert props["code"] == {"type": "string", "description": '{"minLength": 2, "pattern": "^[A-Z]+$"}'}
    assert props["when"] == {"type": "string", "format": "date-time"}
    assert props["colour"] == {"type": "string", "description": '{"format": "color"}'}
    assert props["tags"] == {
        "type": "array",
        "items": {"type": "string"},
        "minItems": 1,
        "description": '{"maxItems": 5}',
    }
    assert props["many"] == {"type": "array", "items": {"type": "integer"}, "description": '{"minItems": 3}'}
    assert props["size"] == {"enum": ["S", "M"]}
    assert props["kind"] == {"anyOf": [{"type": "string"}, {"type": "null"}]}
    assert props["meta"]["additionalProperties"] is False
    assert props["meta"]["properties"]["x"] == {"type": "number", "description": '{"multipleOf": 0.5}'}
    assert props["labels"] == {
        "type": "object",
        "properties": {},
        "additionalProperties": False,
        "description": '{"additionalProperties": {"type": "string"}}',
    }
    assert props["note"] == {"type": ["string", "null"], "description": '{"default": null}'}
    assert props["addr"] == {"$ref": "#/$defs/Address"}  # alone, as the SDK sends a reference
    address = out["$defs"]["Address"]
    assert address["additionalProperties"] is False
    assert address["properties"]["street"] == {"type": "string", "description": '{"maxLength": 80}'}
    assert RICH["properties"]["qty"]["minimum"] == 1  # type: ignore[index]  # the input is not modified


def test_every_constraint_is_sent_or_described_never_lost() -> None:
    out = json.dumps(strict_schema(RICH, "s", "tools"))
    for word in ("minimum", "maximum", "pattern", "minLength", "maxItems", "multipleOf", "color", "maxLength"):
        assert word in out, word


def test_response_format_on_native_models_is_normalised() -> None:
    rf = {"type": "json_schema", "json_schema": {"name": "order", "schema": RICH, "strict": True}}
    sent = body(response_format=rf)["output_config"]["format"]
    assert sent == {"type": "json_schema", "schema": strict_schema(RICH, "x", "response_format")}


def test_strict_tools_are_normalised_and_non_strict_tools_sent_as_given() -> None:
    tools = [fn(RICH, strict=True, name="a"), fn(RICH, name="b")]
    sent = body(tools=tools)["tools"]
    assert sent[0]["strict"] is True and sent[0]["input_schema"] == strict_schema(RICH, "x", "tools")
    assert sent[1]["input_schema"] == RICH and "strict" not in sent[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legacy = body(LEGACY, tools=tools)["tools"]
    assert legacy[0]["input_schema"] == RICH and "strict" not in legacy[0]


def test_refs_are_kept_not_expanded_so_shared_references_stay_linear() -> None:
    # Each level references the previous one twice: expanding would give 2**40 nodes.
    defs: dict[str, Any] = {"L0": {"type": "string"}}
    for i in range(1, 41):
        ref = {"$ref": f"#/$defs/L{i - 1}"}
        defs[f"L{i}"] = {"type": "object", "properties": {"a": ref, "b": ref}}
    schema = {"type": "object", "properties": {"top": {"$ref": "#/$defs/L40"}}, "$defs": defs}
    out = strict_schema(schema, "s", "response_format")
    assert len(json.dumps(out)) < 4 * len(json.dumps(schema))
    assert out["$defs"]["L40"]["properties"]["a"] == {"$ref": "#/$defs/L39"}


@pytest.mark.parametrize(
    ("schema", "match"),
    [
        ({"type": "object", "properties": {"a": {"$ref": "https://x/s.json"}}}, "must point into"),
        ({"type": "object", "properties": {"a": {"$ref": "#/$defs/Missing"}}}, "must point into"),
        (
            {
                "type": "object",
                "properties": {"n": {"$ref": "#/$defs/Node"}},
                "$defs": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/Node"}}}},
            },
            "recursive",
        ),
        (
            {
                "$ref": "#/definitions/A",
                "definitions": {
                    "A": {"anyOf": [{"$ref": "#/definitions/B"}]},
                    "B": {"items": {"$ref": "#/definitions/A"}},
                },
            },
            "recursive",
        ),
        ({"type": "object", "properties": {"a": {"type": "decimal"}}}, "unsupported type"),
        ({"type": "object", "properties": {"a": 5}}, "every subschema"),
        ({"type": "object", "properties": []}, "properties must be an object"),
    ],
)
def test_unusable_schemas_are_bad_requests(schema: dict[str, Any], match: str) -> None:
    with pytest.raises(BadRequestError, match=match) as info:
        body(response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": schema}})
    assert info.value.param == "response_format"


def test_schema_depth_and_size_are_bounded() -> None:
    deep: dict[str, Any] = {"type": "string"}
    for _ in range(5000):  # far past Python's recursion limit: a clear 400, never a RecursionError
        deep = {"type": "object", "properties": {"a": deep}}
    with pytest.raises(BadRequestError, match=f"deeper than {MAX_DEPTH}"):
        strict_schema(deep, "s", "tools")
    wide = {"type": "object", "properties": {f"p{i}": {"type": "string"} for i in range(30_000)}}
    with pytest.raises(BadRequestError, match="more than"):
        strict_schema(wide, "s", "tools")


def test_object_schema_helper() -> None:
    assert object_schema(None, "w", "tools") == {"type": "object", "properties": {}}
    assert object_schema({"type": None, "properties": {}}, "w", "tools") == {"type": "object", "properties": {}}
