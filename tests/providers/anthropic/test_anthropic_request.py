"""Request building: URL, headers, scalars, tools, response_format, reasoning; every body SDK-validated."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from anthropic_helpers import build, info, make_ctx

from modelmux.errors import BadRequestError, DroppedParamWarning, ModelmuxWarning, UnsupportedParamsError
from modelmux.providers.anthropic import provider
from modelmux.providers.anthropic.build_request import DEFAULT_MAX_TOKENS
from modelmux.providers.anthropic.convert_response_format import JSON_TOOL_NAME
from modelmux.providers.anthropic.profile import parse_version, profile_for
from modelmux.providers.anthropic.provider import chat_url

HI = [{"role": "user", "content": "hi"}]
WEATHER = {
    "type": "function",
    "function": {
        "name": "weather",
        "description": "Weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}},
    "required": ["name"],
    "additionalProperties": False,
}
JSON_SCHEMA = {"type": "json_schema", "json_schema": {"name": "person", "schema": SCHEMA, "strict": True}}


def body(model: str = "claude-sonnet-4-5", **params: Any) -> dict[str, Any]:
    return build({"messages": HI, **params}, make_ctx(model))


def dropped(param: str, model: str = "claude-sonnet-4-5", **params: Any) -> dict[str, Any]:
    """Build with drop_params=True, asserting that ``param`` was dropped with a warning."""
    ctx = make_ctx(model, drop_params=True)
    with pytest.warns(DroppedParamWarning, match=repr(param)):
        result = build({"messages": HI, **params}, ctx)
    assert any(repr(param) in w for w in ctx.warnings)
    return result


def refused(param: str, model: str = "claude-sonnet-4-5", **params: Any) -> UnsupportedParamsError:
    with pytest.raises(UnsupportedParamsError) as exc:
        provider.build_chat_request({"messages": HI, **params}, make_ctx(model))
    assert exc.value.param == param
    return exc.value


# ---------------------------------------------------------------- endpoint and headers


@pytest.mark.parametrize(
    ("api_base", "url"),
    [
        (None, "https://api.anthropic.com/v1/messages"),
        ("", "https://api.anthropic.com/v1/messages"),
        ("https://api.anthropic.com", "https://api.anthropic.com/v1/messages"),
        ("https://api.anthropic.com/", "https://api.anthropic.com/v1/messages"),
        ("https://gw.example.com/anthropic", "https://gw.example.com/anthropic/v1/messages"),
        ("https://gw.example.com/anthropic/v1", "https://gw.example.com/anthropic/v1/messages"),
        ("https://gw.example.com/anthropic/v1/", "https://gw.example.com/anthropic/v1/messages"),
        ("https://gw.example.com/v1/messages", "https://gw.example.com/v1/messages"),
        ("https://gw.example.com/v1/messages/", "https://gw.example.com/v1/messages"),
        ("http://localhost:8080?beta=true", "http://localhost:8080/v1/messages?beta=true"),
    ],
)
def test_chat_url(api_base: str | None, url: str) -> None:
    assert chat_url(api_base) == url


def test_request_headers_and_extra_headers_last() -> None:
    ctx = make_ctx(extra_headers={"Anthropic-Version": "2099-01-01", "anthropic-beta": "context-1m-2025-08-07"})
    request = provider.build_chat_request({"messages": HI}, ctx)
    assert request.method == "POST"
    assert request.url == "https://api.anthropic.com/v1/messages"
    assert request.headers == {
        "content-type": "application/json",
        "x-api-key": "sk-ant-test-0123456789",
        "Anthropic-Version": "2099-01-01",
        "anthropic-beta": "context-1m-2025-08-07",
    }
    plain = provider.build_chat_request({"messages": HI}, make_ctx()).headers
    assert plain["anthropic-version"] == "2023-06-01"
    assert "anthropic-beta" not in plain and "authorization" not in plain


def test_supported_params() -> None:
    assert provider.supported_params >= {
        "temperature", "top_p", "max_tokens", "max_completion_tokens", "stop", "n", "user", "tools",
        "tool_choice", "parallel_tool_calls", "response_format", "reasoning_effort", "stream_options",
    }  # fmt: skip
    for param in ("seed", "presence_penalty", "frequency_penalty", "logprobs", "logit_bias", "metadata"):
        assert param not in provider.supported_params


# ---------------------------------------------------------------- scalars


def test_minimal_body_and_streaming_flag() -> None:
    assert body() == {
        "model": "claude-sonnet-4-5",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        "max_tokens": DEFAULT_MAX_TOKENS,
    }
    streamed = build({"messages": HI}, make_ctx(stream=True, include_usage=True))
    assert streamed["stream"] is True


def test_max_tokens_sources() -> None:
    assert body(max_tokens=100)["max_tokens"] == 100
    assert body(max_tokens=100, max_completion_tokens=200)["max_tokens"] == 200
    assert build({"messages": HI}, make_ctx(info=info(64000)))["max_tokens"] == 64000
    with pytest.raises(BadRequestError):
        body(max_tokens=0)


def test_temperature_and_top_p() -> None:
    assert body("claude-sonnet-4-0", temperature=0.2, top_p=0.9).items() >= {"temperature": 0.2, "top_p": 0.9}.items()
    assert body(temperature=1)["temperature"] == 1
    kept = dropped("temperature", temperature=1.5, top_p=0.5)
    assert "temperature" not in kept and kept["top_p"] == 0.5
    refused("temperature", temperature=1.5)
    err = refused("top_p", temperature=0.5, top_p=0.5)
    assert "not both" in err.message
    assert "top_p" not in dropped("top_p", temperature=0.5, top_p=0.5)


def test_sampling_parameters_are_refused_by_claude_4_7_and_later() -> None:
    refused("temperature", "claude-opus-4-7", temperature=0.5)
    refused("top_p", "claude-sonnet-5", top_p=0.9)
    assert "temperature" not in dropped("temperature", "claude-opus-4-7", temperature=0.5)


def test_stop_sequences() -> None:
    assert body(stop="END")["stop_sequences"] == ["END"]
    assert body(stop=["a", "b"])["stop_sequences"] == ["a", "b"]
    refused("stop", stop=["\n"])
    assert dropped("stop", stop=["\n", "END"])["stop_sequences"] == ["END"]
    with pytest.raises(BadRequestError):
        body(stop=[1])


def test_n_user_and_safety_identifier() -> None:
    assert "n" not in body(n=1)
    refused("n", n=2)
    assert body(user="u-1")["metadata"] == {"user_id": "u-1"}
    assert body(user="u-1", safety_identifier="s-1")["metadata"] == {"user_id": "s-1"}


def test_extra_body_is_merged_last_one_level_deep() -> None:
    ctx = make_ctx(extra_body={"top_k": 5, "output_config": {"effort": "low"}, "service_tier": "standard_only"})
    result = build({"messages": HI, "response_format": JSON_SCHEMA}, ctx)
    assert result["top_k"] == 5
    assert result["service_tier"] == "standard_only"
    assert result["output_config"] == {"format": {"type": "json_schema", "schema": SCHEMA}, "effort": "low"}


# ---------------------------------------------------------------- tools


def test_function_tools() -> None:
    no_params = {"type": "function", "function": {"name": "now"}}
    result = body(tools=[WEATHER, no_params])
    assert result["tools"] == [
        {
            "name": "weather",
            "description": "Weather for a city",
            "input_schema": WEATHER["function"]["parameters"],
        },
        {"name": "now", "input_schema": {"type": "object", "properties": {}}},
    ]
    assert "tool_choice" not in result


def test_strict_tools_and_cache_control() -> None:
    strict = {
        "type": "function",
        "function": {**WEATHER["function"], "strict": True},
        "cache_control": {"type": "ephemeral"},
    }
    tool = body(tools=[strict])["tools"][0]
    assert tool["strict"] is True and tool["cache_control"] == {"type": "ephemeral"}
    ctx = make_ctx("claude-3-5-haiku-latest")
    with pytest.warns(ModelmuxWarning, match="strict"):
        legacy = build({"messages": HI, "tools": [strict]}, ctx)
    assert "strict" not in legacy["tools"][0]
    assert ctx.warnings


def test_native_server_tools_pass_through_and_other_types_are_refused() -> None:
    search = {"type": "web_search_20250305", "name": "web_search", "max_uses": 3}
    assert body(tools=[search])["tools"] == [search]
    with pytest.raises(UnsupportedParamsError, match="custom tool"):
        body(tools=[{"type": "custom", "custom": {"name": "x"}}])
    with pytest.raises(BadRequestError, match="expected a function tool"):
        body(tools=[{"type": "retrieval"}])
    with pytest.raises(BadRequestError, match="reserved"):
        body(tools=[{"type": "function", "function": {"name": JSON_TOOL_NAME}}])


@pytest.mark.parametrize(
    ("tool_choice", "parallel", "expected"),
    [
        ("auto", None, None),
        (None, None, None),
        ("required", None, {"type": "any"}),
        ("none", None, {"type": "none"}),
        ({"type": "function", "function": {"name": "weather"}}, None, {"type": "tool", "name": "weather"}),
        (None, False, {"type": "auto", "disable_parallel_tool_use": True}),
        ("auto", False, {"type": "auto", "disable_parallel_tool_use": True}),
        ("required", False, {"type": "any", "disable_parallel_tool_use": True}),
        (
            {"type": "function", "function": {"name": "weather"}},
            False,
            {"type": "tool", "name": "weather", "disable_parallel_tool_use": True},
        ),
        ("none", False, {"type": "none"}),
        ("required", True, {"type": "any"}),
    ],
)
def test_tool_choice(tool_choice: Any, parallel: Any, expected: dict[str, Any] | None) -> None:
    params: dict[str, Any] = {"tools": [WEATHER]}
    if tool_choice is not None:
        params["tool_choice"] = tool_choice
    if parallel is not None:
        params["parallel_tool_calls"] = parallel
    assert body(**params).get("tool_choice") == expected


def test_tool_choice_without_tools_is_not_sent_and_bad_values_refused() -> None:
    assert "tool_choice" not in body(tool_choice="required")
    with pytest.raises(BadRequestError, match="tool_choice"):
        body(tools=[WEATHER], tool_choice="sometimes")


# ---------------------------------------------------------------- response_format


def test_json_schema_uses_native_structured_output_on_claude_4_5_and_later() -> None:
    result = body(response_format=JSON_SCHEMA)
    assert result["output_config"] == {"format": {"type": "json_schema", "schema": SCHEMA}}
    assert "tools" not in result and "tool_choice" not in result
    assert (
        "anthropic-beta"
        not in provider.build_chat_request({"messages": HI, "response_format": JSON_SCHEMA}, make_ctx()).headers
    )


def test_json_schema_uses_a_forced_tool_on_older_models() -> None:
    result = body("claude-3-7-sonnet-20250219", response_format=JSON_SCHEMA)
    assert "output_config" not in result
    assert result["tools"] == [
        {
            "name": JSON_TOOL_NAME,
            "description": "Respond with the final answer (person) as JSON matching this schema.",
            "input_schema": SCHEMA,
        }
    ]
    assert result["tool_choice"] == {"type": "tool", "name": JSON_TOOL_NAME}


def test_forced_json_tool_with_user_tools() -> None:
    model = "claude-sonnet-4-0"
    assert body(model, tools=[WEATHER], response_format=JSON_SCHEMA)["tool_choice"] == {"type": "any"}
    named = {"type": "function", "function": {"name": "weather"}}
    assert body(model, tools=[WEATHER], tool_choice=named, response_format=JSON_SCHEMA)["tool_choice"] == {
        "type": "tool",
        "name": "weather",
    }
    forced = body(model, tools=[WEATHER], tool_choice="none", response_format=JSON_SCHEMA, parallel_tool_calls=False)
    assert forced["tool_choice"] == {"type": "tool", "name": JSON_TOOL_NAME}
    assert [t["name"] for t in forced["tools"]] == ["weather", JSON_TOOL_NAME]
    parallel = body(model, tools=[WEATHER], response_format=JSON_SCHEMA, parallel_tool_calls=False)
    assert parallel["tool_choice"] == {"type": "any", "disable_parallel_tool_use": True}


def test_json_object_is_a_free_form_forced_tool_everywhere() -> None:
    result = body(response_format={"type": "json_object"})
    assert result["tools"][0]["name"] == JSON_TOOL_NAME
    assert result["tools"][0]["input_schema"] == {"type": "object", "additionalProperties": True}
    assert result["tool_choice"] == {"type": "tool", "name": JSON_TOOL_NAME}


def test_response_format_text_and_invalid_values() -> None:
    assert body(response_format={"type": "text"}) == body()
    with pytest.raises(BadRequestError, match="schema"):
        body(response_format={"type": "json_schema", "json_schema": {"name": "x"}})
    with pytest.raises(BadRequestError, match="unsupported response_format"):
        body(response_format={"type": "yaml"})
    with pytest.raises(BadRequestError, match="object"):
        body(
            "claude-3-5-haiku-latest",
            response_format={"type": "json_schema", "json_schema": {"schema": {"type": "array"}}},
        )


# ---------------------------------------------------------------- reasoning


@pytest.mark.parametrize(
    ("effort", "budget"), [("minimal", 1024), ("low", 1024), ("medium", 2048), ("high", 4096), ("xhigh", 8192)]
)
def test_reasoning_effort_budget_table(effort: str, budget: int) -> None:
    result = body(reasoning_effort=effort, max_tokens=20000)
    assert result["thinking"] == {"type": "enabled", "budget_tokens": budget}
    assert result["max_tokens"] == 20000


def test_reasoning_raises_max_tokens_above_the_budget() -> None:
    assert body(reasoning_effort="high", max_tokens=1000)["max_tokens"] == 5096
    assert body(reasoning_effort="high")["max_tokens"] == 4096 + DEFAULT_MAX_TOKENS
    capped = build({"messages": HI, "reasoning_effort": "high", "max_tokens": 4096}, make_ctx(info=info(6000)))
    assert capped["max_tokens"] == 6000


def test_reasoning_none() -> None:
    assert "thinking" not in body(reasoning_effort="none")
    assert body("claude-opus-4-6", reasoning_effort="none")["thinking"] == {"type": "disabled"}


def test_adaptive_thinking_on_claude_4_6_and_later() -> None:
    result = body("claude-opus-4-6", reasoning_effort="medium", max_tokens=100)
    assert result["thinking"] == {"type": "adaptive", "display": "summarized"}
    assert result["output_config"] == {"effort": "medium"}
    assert result["max_tokens"] == 100
    assert body("claude-opus-4-7", reasoning_effort="minimal")["output_config"] == {"effort": "low"}
    assert body("claude-opus-4-7", reasoning_effort="xhigh")["output_config"] == {"effort": "xhigh"}
    refused("reasoning_effort", "claude-opus-4-6", reasoning_effort="xhigh")
    with_format = body("claude-sonnet-4-6", reasoning_effort="high", response_format=JSON_SCHEMA)
    assert with_format["output_config"] == {"format": {"type": "json_schema", "schema": SCHEMA}, "effort": "high"}


def test_thinking_constrains_sampling() -> None:
    assert body(reasoning_effort="low", temperature=1)["temperature"] == 1
    refused("temperature", reasoning_effort="low", temperature=0.3)
    refused("top_p", reasoning_effort="low", top_p=0.5)
    assert body("claude-sonnet-4-0", reasoning_effort="low", top_p=0.97)["top_p"] == 0.97
    assert "temperature" not in dropped("temperature", reasoning_effort="low", temperature=0.3)


def test_thinking_cannot_be_combined_with_forced_tool_use() -> None:
    refused("reasoning_effort", tools=[WEATHER], tool_choice="required", reasoning_effort="low")
    refused("reasoning_effort", "claude-3-7-sonnet-latest", response_format=JSON_SCHEMA, reasoning_effort="low")
    result = dropped("reasoning_effort", tools=[WEATHER], tool_choice="required", reasoning_effort="low")
    assert "thinking" not in result and result["tool_choice"] == {"type": "any"}
    assert body(tools=[WEATHER], tool_choice="auto", reasoning_effort="low")["thinking"]["type"] == "enabled"


def test_invalid_reasoning_effort() -> None:
    with pytest.raises(BadRequestError, match="reasoning_effort"):
        body(reasoning_effort="extreme")


# ---------------------------------------------------------------- model profiles


@pytest.mark.parametrize(
    ("model", "version"),
    [
        ("claude-3-5-haiku-latest", (3, 5)),
        ("claude-3-7-sonnet-20250219", (3, 7)),
        ("claude-sonnet-4-20250514", (4, 0)),
        ("claude-opus-4-1", (4, 1)),
        ("claude-haiku-4-5-20251001", (4, 5)),
        ("claude-opus-4-7", (4, 7)),
        ("claude-sonnet-5", (5, 0)),
        ("claude-fable-5-1", (5, 1)),
        ("anthropic.claude-3-7-sonnet-20250219-v1:0", (3, 7)),
        ("claude-sonnet-4-5@20250929", (4, 5)),
        ("claude-2.1", (2, 1)),
        ("my-alias", None),
    ],
)
def test_parse_version(model: str, version: tuple[int, int] | None) -> None:
    assert parse_version(model) == version


def test_profiles() -> None:
    assert not profile_for("my-alias").native_json_schema
    assert profile_for("claude-haiku-4-5").native_json_schema
    assert not profile_for("claude-sonnet-4-5").adaptive_thinking
    assert profile_for("claude-sonnet-4-6").adaptive_thinking and profile_for("claude-sonnet-4-6").sampling_params
    assert not profile_for("claude-opus-4-7").budget_thinking and not profile_for("claude-opus-4-7").sampling_params


def test_no_warnings_for_plain_requests() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        body(tools=[WEATHER], temperature=0.5, stop="x", max_tokens=10, user="u", n=1)
