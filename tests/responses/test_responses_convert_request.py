"""A Responses request body → chat messages and ``acompletion`` parameters."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from modelmux._responses.convert_request import check_types, convert_request
from modelmux._responses.convert_tools import convert_tool_choice, convert_tools
from modelmux.errors import BadRequestError, DroppedParamWarning, UnknownParameterError, UnsupportedParamsError

WEATHER = {
    "type": "function",
    "name": "weather",
    "description": "The weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    "strict": True,
}


def convert(body: dict[str, Any], history: list[Any] | None = None, provider: str = "mock", drop: bool = False) -> Any:
    check_types(body)
    return convert_request(body, history or [], provider=provider, model="m", drop=drop)


def test_every_parameter_maps() -> None:
    body = {
        "input": "Hi",
        "instructions": "Be brief.",
        "tools": [WEATHER],
        "tool_choice": {"type": "function", "name": "weather"},
        "text": {"format": {"type": "json_schema", "name": "out", "schema": {"type": "object"}, "strict": True}},
        "reasoning": {"effort": "low", "summary": "auto"},
        "max_output_tokens": 50,
        "temperature": 0.5,
        "top_p": 0.9,
        "parallel_tool_calls": False,
        "user": "u1",
        "metadata": {"k": "v"},
        "store": False,
        "stream": True,
        "include": ["reasoning.encrypted_content"],
        "service_tier": "auto",
    }
    out = convert(body)
    assert out.messages == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    assert out.params == {
        "temperature": 0.5,
        "top_p": 0.9,
        "user": "u1",
        "parallel_tool_calls": False,
        "service_tier": "auto",
        "max_tokens": 50,
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "weather",
                    "description": "The weather in a city",
                    "parameters": WEATHER["parameters"],
                    "strict": True,
                },
            }
        ],
        "tool_choice": {"type": "function", "function": {"name": "weather"}},
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "out", "schema": {"type": "object"}, "strict": True},
        },
        "reasoning_effort": "low",
    }


def test_json_object_text_and_verbosity() -> None:
    assert convert({"input": "x", "text": {"format": {"type": "json_object"}}}).params == {
        "response_format": {"type": "json_object"}
    }
    assert convert({"input": "x", "text": {"format": {"type": "text"}, "verbosity": "low"}}).params == {
        "verbosity": "low"
    }
    with pytest.raises(BadRequestError):
        convert({"input": "x", "text": {"format": {"type": "yaml"}}})


def test_history_comes_before_the_input_and_instructions_first() -> None:
    history = [
        {"id": "msg_1", "type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hi"}]},
        {"id": "ws_1", "type": "web_search_call", "status": "completed"},  # a record of a step: skipped
        {
            "id": "msg_2",
            "type": "message",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": "Hello", "annotations": []}],
        },
    ]
    out = convert({"input": "Again", "instructions": "Sys"}, history)
    assert out.messages == [
        {"role": "system", "content": "Sys"},
        {"role": "user", "content": [{"type": "text", "text": "Hi"}]},
        {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "Again"},
    ]


def test_an_unknown_field_is_an_unknown_parameter_with_a_suggestion() -> None:
    with pytest.raises(UnknownParameterError) as info:
        check_types({"input": "x", "max_output_token": 5})
    assert info.value.param == "max_output_token"
    assert "max_output_tokens" in info.value.message
    assert isinstance(info.value, TypeError)


@pytest.mark.parametrize(
    ("field", "value"),
    [("input", 5), ("temperature", "hot"), ("stream", "yes"), ("max_output_tokens", True), ("tools", {}), ("store", 1)],
)
def test_a_wrong_type_is_a_bad_request(field: str, value: Any) -> None:
    with pytest.raises(BadRequestError) as info:
        check_types({"input": "x", field: value})
    assert info.value.param == field


def test_metadata_is_bounded() -> None:
    check_types({"input": "x", "metadata": {f"k{i}": "v" for i in range(16)}})
    with pytest.raises(BadRequestError):
        check_types({"input": "x", "metadata": {f"k{i}": "v" for i in range(17)}})
    with pytest.raises(BadRequestError):
        check_types({"input": "x", "metadata": {"k": 1}})


@pytest.mark.parametrize(
    ("field", "value"),
    [("background", True), ("truncation", "auto"), ("top_logprobs", 3), ("prompt", {"id": "p"}), ("max_tool_calls", 2)],
)
def test_an_unsupported_field_raises_unless_dropped(field: str, value: Any) -> None:
    with pytest.raises(UnsupportedParamsError) as info:
        convert({"input": "x", field: value})
    assert info.value.param == field
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = convert({"input": "x", field: value}, drop=True)
    assert field not in out.params
    assert any(issubclass(w.category, DroppedParamWarning) for w in caught)


def test_harmless_values_of_unsupported_fields_pass() -> None:
    assert convert({"input": "x", "background": False, "truncation": "disabled"}).params == {}


def test_include_values() -> None:
    convert({"input": "x", "include": ["reasoning.encrypted_content", "web_search_call.action.sources"]})
    with pytest.raises(UnsupportedParamsError):
        convert({"input": "x", "include": ["message.output_text.logprobs"]})
    with pytest.raises(BadRequestError):
        convert({"input": "x", "include": ["nonsense"]})


def test_missing_or_empty_input() -> None:
    with pytest.raises(BadRequestError):
        convert({})
    with pytest.raises(BadRequestError):
        convert({"input": []})


def test_web_search_maps_to_the_providers_own_search() -> None:
    search = {
        "type": "web_search",
        "filters": {"allowed_domains": ["example.com"]},
        "user_location": {"type": "approximate", "city": "Oslo", "country": "NO"},
    }
    assert convert_tools([search], "anthropic") == [
        {
            "type": "web_search_20250305",
            "name": "web_search",
            "allowed_domains": ["example.com"],
            "user_location": {"type": "approximate", "city": "Oslo", "country": "NO"},
        }
    ]
    assert convert_tools([{"type": "web_search_preview"}], "gemini") == [{"type": "google_search"}]


@pytest.mark.parametrize(
    ("tool", "provider"),
    [("web_search", "mistral"), ("file_search", "anthropic"), ("code_interpreter", "gemini"), ("mcp", "mock")],
)
def test_a_built_in_tool_without_an_equivalent_is_a_clear_400(tool: str, provider: str) -> None:
    with pytest.raises(BadRequestError) as info:
        convert_tools([{"type": tool}], provider)
    assert info.value.code == "unsupported_tool"
    assert tool in info.value.message and provider in info.value.message


def test_tool_choice() -> None:
    assert [convert_tool_choice(c) for c in ("auto", "none", "required")] == ["auto", "none", "required"]
    with pytest.raises(BadRequestError):
        convert_tool_choice({"type": "allowed_tools", "tools": []})
    with pytest.raises(BadRequestError):
        convert_tools([{"type": "function"}], "mock")
