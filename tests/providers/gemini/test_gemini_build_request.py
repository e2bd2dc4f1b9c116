from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest

from modelmux.errors import BadRequestError, UnsupportedParamsError
from modelmux.providers._base import CallContext
from modelmux.providers.gemini import provider
from modelmux.providers.gemini.convert_config import THINKING_BUDGETS, THINKING_LEVELS
from modelmux.providers.gemini.provider import chat_url

MakeCtx = Callable[..., CallContext]
Validate = Callable[[dict[str, Any]], None]
USER = [{"role": "user", "content": "hi"}]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}


def body_of(params: dict[str, Any], ctx: CallContext, validate: Validate) -> dict[str, Any]:
    request = provider.build_chat_request({"messages": USER, **params}, ctx)
    validate(request.json)
    assert isinstance(request.json, dict)
    return request.json


# ------------------------------------------------------------------ URL, headers, model id


@pytest.mark.parametrize(
    ("api_base", "stream", "url"),
    [
        (
            "https://generativelanguage.googleapis.com",
            False,
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent",
        ),
        (
            "https://generativelanguage.googleapis.com/",
            True,
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
        ),
        (
            "https://proxy.example/v1beta/",
            False,
            "https://proxy.example/v1beta/models/gemini-2.5-flash:generateContent",
        ),
        (
            "https://proxy.example/google/v1",
            False,
            "https://proxy.example/google/v1/models/gemini-2.5-flash:generateContent",
        ),
        (
            "http://127.0.0.1:8080/gemini",
            False,
            "http://127.0.0.1:8080/gemini/v1beta/models/gemini-2.5-flash:generateContent",
        ),
        ("https://host/v1betax", False, "https://host/v1betax/v1beta/models/gemini-2.5-flash:generateContent"),
    ],
)
def test_chat_url(api_base: str, stream: bool, url: str) -> None:
    assert chat_url(api_base, "gemini-2.5-flash", stream) == url


def test_model_ids_with_models_prefix_are_normalised() -> None:
    assert (
        chat_url("https://h", "models/gemini-2.0-flash", False)
        == "https://h/v1beta/models/gemini-2.0-flash:generateContent"
    )


def test_request_key_in_header_never_in_url_and_extra_headers_last(make_ctx: MakeCtx) -> None:
    ctx = make_ctx(api_key="AIzaSECRET", extra_headers={"x-goog-api-key": "override", "x-trace": "1"})
    request = provider.build_chat_request({"messages": USER}, ctx)
    assert request.method == "POST"
    assert "AIzaSECRET" not in request.url and "key=" not in request.url
    assert request.headers == {"content-type": "application/json", "x-goog-api-key": "override", "x-trace": "1"}
    no_key = provider.build_chat_request({"messages": USER}, make_ctx(api_key=None))
    assert "x-goog-api-key" not in no_key.headers


def test_provider_surface() -> None:
    assert provider.name == "gemini"
    assert provider.default_api_base == "https://generativelanguage.googleapis.com"
    assert "GEMINI_API_KEY" in provider.api_key_env
    assert "user" not in provider.supported_params
    assert {"tools", "tool_choice", "response_format", "reasoning_effort", "stop", "seed"} <= provider.supported_params


# ------------------------------------------------------------------ generationConfig


def test_generation_config_mapping(ctx: CallContext, validate_body: Validate) -> None:
    body = body_of(
        {
            "temperature": 0.2,
            "top_p": 0.9,
            "max_tokens": 100,
            "stop": "END",
            "n": 1,
            "seed": 7,
            "presence_penalty": 0.5,
            "frequency_penalty": -0.5,
            "stream_options": {"include_usage": True},
        },
        ctx,
        validate_body,
    )
    assert body["generationConfig"] == {
        "temperature": 0.2,
        "topP": 0.9,
        "maxOutputTokens": 100,
        "stopSequences": ["END"],
        "seed": 7,
        "presencePenalty": 0.5,
        "frequencyPenalty": -0.5,
    }


def test_max_completion_tokens_wins_and_stop_list_is_kept(ctx: CallContext, validate_body: Validate) -> None:
    body = body_of({"max_tokens": 10, "max_completion_tokens": 20, "stop": ["a", "b"]}, ctx, validate_body)
    assert body["generationConfig"] == {"maxOutputTokens": 20, "stopSequences": ["a", "b"]}


def test_no_generation_config_when_nothing_is_set(ctx: CallContext, validate_body: Validate) -> None:
    assert body_of({}, ctx, validate_body) == {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}


def test_n_above_one_is_unsupported(make_ctx: MakeCtx, validate_body: Validate) -> None:
    with pytest.raises(UnsupportedParamsError, match="'n'"):
        body_of({"n": 2}, make_ctx(), validate_body)
    with pytest.warns(UserWarning, match="dropped"):
        body = body_of({"n": 2}, make_ctx(drop_params=True), validate_body)
    assert "generationConfig" not in body


@pytest.mark.parametrize("effort", list(THINKING_BUDGETS))
def test_reasoning_effort_budgets_for_gemini_2_5(effort: str, make_ctx: MakeCtx, validate_body: Validate) -> None:
    body = body_of({"reasoning_effort": effort}, make_ctx("gemini-2.5-flash"), validate_body)
    assert body["generationConfig"]["thinkingConfig"] == {
        "thinkingBudget": THINKING_BUDGETS[effort],
        "includeThoughts": effort != "none",
    }


@pytest.mark.parametrize("model", ["gemini-3-pro-preview", "models/gemini-3-flash-preview", "gemini-3.1-pro"])
@pytest.mark.parametrize("effort", list(THINKING_LEVELS))
def test_reasoning_effort_levels_for_gemini_3(
    model: str, effort: str, make_ctx: MakeCtx, validate_body: Validate
) -> None:
    body = body_of({"reasoning_effort": effort}, make_ctx(model), validate_body)
    assert body["generationConfig"]["thinkingConfig"] == {
        "thinkingLevel": THINKING_LEVELS[effort],
        "includeThoughts": effort != "none",
    }


def test_reasoning_effort_table() -> None:
    assert THINKING_BUDGETS == {"none": 0, "minimal": 1024, "low": 1024, "medium": 8192, "high": 24576}
    assert THINKING_LEVELS == {"none": "LOW", "minimal": "LOW", "low": "LOW", "medium": "HIGH", "high": "HIGH"}


def test_unknown_reasoning_effort_is_unsupported(ctx: CallContext) -> None:
    with pytest.raises(UnsupportedParamsError, match="reasoning_effort"):
        provider.build_chat_request({"messages": USER, "reasoning_effort": "extreme"}, ctx)


def test_response_format_json_object_and_schema(ctx: CallContext, make_ctx: MakeCtx, validate_body: Validate) -> None:
    assert body_of({"response_format": {"type": "text"}}, ctx, validate_body) == body_of({}, ctx, validate_body)
    body = body_of({"response_format": {"type": "json_object"}}, ctx, validate_body)
    assert body["generationConfig"] == {"responseMimeType": "application/json"}
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": ["integer", "null"]}},
        "required": ["name", "age"],
        "additionalProperties": False,
    }
    response_format = {"type": "json_schema", "json_schema": {"name": "p", "schema": schema, "strict": True}}
    body = body_of({"response_format": response_format}, ctx, validate_body)
    # Gemini 2+: the JSON Schema itself, as responseJsonSchema (issue 7; was the converted responseSchema)
    assert body["generationConfig"] == {
        "responseMimeType": "application/json",
        "responseJsonSchema": {**schema, "propertyOrdering": ["name", "age"]},
    }
    # Gemini 1.x predates responseJsonSchema: the converted OpenAPI subset
    body = body_of({"response_format": response_format}, make_ctx("gemini-1.5-pro"), validate_body)
    assert body["generationConfig"] == {
        "responseMimeType": "application/json",
        "responseSchema": {
            "type": "OBJECT",
            "properties": {"name": {"type": "STRING"}, "age": {"type": "INTEGER", "nullable": True}},
            "required": ["name", "age"],
            "propertyOrdering": ["name", "age"],
        },
    }


def test_bad_response_format_is_a_bad_request(ctx: CallContext) -> None:
    with pytest.raises(BadRequestError, match="response_format"):
        provider.build_chat_request({"messages": USER, "response_format": {"type": "xml"}}, ctx)


# ------------------------------------------------------------------ tools


def test_tools_become_function_declarations(ctx: CallContext, make_ctx: MakeCtx, validate_body: Validate) -> None:
    no_args = {"type": "function", "function": {"name": "now", "parameters": {"type": "object", "properties": {}}}}
    body = body_of({"tools": [WEATHER_TOOL, no_args]}, ctx, validate_body)
    # Gemini 2+: parametersJsonSchema, the schema as written (issue 7; was the converted parameters)
    assert body["tools"] == [
        {
            "functionDeclarations": [
                {
                    "name": "get_weather",
                    "description": "Weather for a city",
                    "parametersJsonSchema": WEATHER_TOOL["function"]["parameters"],  # type: ignore[index]
                },
                {"name": "now"},
            ]
        }
    ]
    assert "toolConfig" not in body
    body = body_of({"tools": [WEATHER_TOOL, no_args]}, make_ctx("gemini-1.5-flash"), validate_body)
    assert body["tools"] == [
        {
            "functionDeclarations": [
                {
                    "name": "get_weather",
                    "description": "Weather for a city",
                    "parameters": {
                        "type": "OBJECT",
                        "properties": {"city": {"type": "STRING"}},
                        "required": ["city"],
                    },
                },
                {"name": "now"},
            ]
        }
    ]


@pytest.mark.parametrize(
    ("tool_choice", "config"),
    [
        ("auto", {"mode": "AUTO"}),
        ("none", {"mode": "NONE"}),
        ("required", {"mode": "ANY"}),
        (
            {"type": "function", "function": {"name": "get_weather"}},
            {"mode": "ANY", "allowedFunctionNames": ["get_weather"]},
        ),
    ],
)
def test_tool_choice(tool_choice: Any, config: dict[str, Any], ctx: CallContext, validate_body: Validate) -> None:
    body = body_of({"tools": [WEATHER_TOOL], "tool_choice": tool_choice}, ctx, validate_body)
    assert body["toolConfig"] == {"functionCallingConfig": config}


def test_bad_tool_choice_is_a_bad_request(ctx: CallContext) -> None:
    for choice in ("sometimes", {"type": "function"}):
        with pytest.raises(BadRequestError, match="tool_choice"):
            provider.build_chat_request({"messages": USER, "tools": [WEATHER_TOOL], "tool_choice": choice}, ctx)


def test_parallel_tool_calls(make_ctx: MakeCtx, validate_body: Validate) -> None:
    body = body_of({"tools": [WEATHER_TOOL], "parallel_tool_calls": True}, make_ctx(), validate_body)
    assert "toolConfig" not in body
    with pytest.raises(UnsupportedParamsError, match="parallel_tool_calls"):
        body_of({"tools": [WEATHER_TOOL], "parallel_tool_calls": False}, make_ctx(), validate_body)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ctx = make_ctx(drop_params=True)
        body_of({"tools": [WEATHER_TOOL], "parallel_tool_calls": False}, ctx, validate_body)
    assert caught and ctx.warnings


def test_non_function_tools_are_unsupported(ctx: CallContext) -> None:
    with pytest.raises(UnsupportedParamsError, match="tools"):
        provider.build_chat_request(
            {"messages": USER, "tools": [{"type": "web_search", "function": {"name": "x"}}]}, ctx
        )


# ------------------------------------------------------------------ extra_body


def test_extra_body_keys_go_where_gemini_wants_them(make_ctx: MakeCtx, validate_body: Validate) -> None:
    safety = [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}]
    ctx = make_ctx(
        extra_body={
            "top_k": 40,
            "responseModalities": ["TEXT"],
            "safety_settings": safety,
            "generationConfig": {"candidate_count": 1, "temperature": 0.9},
            "tools": [{"googleSearch": {}}],
        }
    )
    body = body_of({"temperature": 0.1, "tools": [WEATHER_TOOL]}, ctx, validate_body)
    assert body["safetySettings"] == safety
    assert body["generationConfig"] == {
        "temperature": 0.9,
        "topK": 40,
        "responseModalities": ["TEXT"],
        "candidateCount": 1,
    }
    assert body["tools"][1] == {"googleSearch": {}}


def test_extra_thinking_config_replaces_our_control(make_ctx: MakeCtx, validate_body: Validate) -> None:
    ctx = make_ctx("gemini-3-flash-preview", extra_body={"thinkingConfig": {"thinkingLevel": "MEDIUM"}})
    body = body_of({"reasoning_effort": "high"}, ctx, validate_body)
    assert body["generationConfig"]["thinkingConfig"] == {"includeThoughts": True, "thinkingLevel": "MEDIUM"}
    ctx = make_ctx("gemini-2.5-flash", extra_body={"generationConfig": {"thinkingConfig": {"include_thoughts": False}}})
    body = body_of({"reasoning_effort": "low"}, ctx, validate_body)
    assert body["generationConfig"]["thinkingConfig"] == {"thinkingBudget": 1024, "includeThoughts": False}


def test_extra_response_json_schema_replaces_converted_schema(make_ctx: MakeCtx, validate_body: Validate) -> None:
    raw = {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": False}
    ctx = make_ctx(extra_body={"response_json_schema": raw})
    body = body_of(
        {"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": raw}}}, ctx, validate_body
    )
    assert body["generationConfig"] == {"responseMimeType": "application/json", "responseJsonSchema": raw}


def test_unknown_extra_keys_are_sent_as_given(make_ctx: MakeCtx) -> None:
    request = provider.build_chat_request({"messages": USER}, make_ctx(extra_body={"cached_content": "c/1", "x_y": 1}))
    assert request.json["cachedContent"] == "c/1"
    assert request.json["x_y"] == 1
