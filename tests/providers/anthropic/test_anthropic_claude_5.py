"""Claude 5-generation request rules: thinking that cannot be turned off, forced tool use the model rejects.

https://platform.claude.com/docs/en/models/opus-5-5/whats-new-opus-5-5 (thinking can't be disabled, forced tool
use is not supported; both also on Claude Fable 5.1), models/sonnet-5-5/overview (forced tool use returns an
error), models/opus-5/overview (thinking on by default, ``disabled`` accepted at effort high or below).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from anthropic_helpers import build, make_ctx

import modelmux
from modelmux.errors import DroppedParamWarning, UnsupportedParamsError
from modelmux.providers.anthropic import provider
from modelmux.providers.anthropic.profile import parse_family, profile_for

HI = [{"role": "user", "content": "hi"}]
WEATHER = {
    "type": "function",
    "function": {"name": "weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}},
}
SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
ALWAYS_THINKING = ["claude-opus-5-5", "claude-fable-5", "claude-fable-5-1", "claude-fable-5-2", "claude-mythos-5-1"]
NO_FORCED_TOOLS = ["claude-opus-5-5", "claude-fable-5-1", "claude-fable-5-2", "claude-mythos-5-1", "claude-sonnet-5-5"]
FORCED_TOOLS_OK = ["claude-fable-5", "claude-opus-5", "claude-opus-4-8", "claude-sonnet-5", "claude-haiku-5-5"]


def _refused(param: str, model: str, **params: Any) -> None:
    with pytest.raises(UnsupportedParamsError) as exc:
        provider.build_chat_request({"messages": HI, **params}, make_ctx(model))
    assert exc.value.param == param


def _dropped(param: str, model: str, **params: Any) -> dict[str, Any]:
    ctx = make_ctx(model, drop_params=True)
    with pytest.warns(DroppedParamWarning, match=repr(param)):
        return build({"messages": HI, **params}, ctx)


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("claude-fable-5-2", "fable"),
        ("claude-mythos-5", "mythos"),
        ("anthropic.claude-haiku-5-5", "haiku"),
        ("claude-3-7-sonnet-latest", "sonnet"),
        ("my-alias", None),
    ],
)
def test_parse_family(model: str, family: str | None) -> None:
    assert parse_family(model) == family


@pytest.mark.parametrize("model", ALWAYS_THINKING)
def test_reasoning_effort_none_cannot_turn_thinking_off(model: str) -> None:
    assert profile_for(model).thinking_always_on
    _refused("reasoning_effort", model, reasoning_effort="none")
    result = _dropped("reasoning_effort", model, reasoning_effort="none")
    assert "thinking" not in result and "output_config" not in result


@pytest.mark.parametrize("model", ["claude-opus-5", "claude-sonnet-5-5", "claude-haiku-5-5"])
def test_reasoning_effort_none_disables_thinking_where_it_can_be(model: str) -> None:
    assert build({"messages": HI, "reasoning_effort": "none"}, make_ctx(model))["thinking"] == {"type": "disabled"}


@pytest.mark.parametrize("model", ALWAYS_THINKING)
def test_effort_levels_on_always_thinking_models(model: str) -> None:
    result = build({"messages": HI, "reasoning_effort": "xhigh"}, make_ctx(model))
    assert result["thinking"] == {"type": "adaptive", "display": "summarized"}
    assert result["output_config"] == {"effort": "xhigh"}


@pytest.mark.parametrize("model", NO_FORCED_TOOLS)
@pytest.mark.parametrize("tool_choice", ["required", {"type": "function", "function": {"name": "weather"}}])
def test_forced_tool_choice_is_refused(model: str, tool_choice: Any) -> None:
    assert not profile_for(model).forced_tool_choice
    _refused("tool_choice", model, tools=[WEATHER], tool_choice=tool_choice)
    result = _dropped("tool_choice", model, tools=[WEATHER], tool_choice=tool_choice)
    assert "tool_choice" not in result and result["tools"][0]["name"] == "weather"


def test_dropping_a_forced_choice_keeps_the_parallel_setting() -> None:
    result = _dropped(
        "tool_choice", "claude-opus-5-5", tools=[WEATHER], tool_choice="required", parallel_tool_calls=False
    )
    assert result["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}


@pytest.mark.parametrize("model", NO_FORCED_TOOLS)
def test_auto_and_none_tool_choice_still_pass(model: str) -> None:
    assert "tool_choice" not in build({"messages": HI, "tools": [WEATHER], "tool_choice": "auto"}, make_ctx(model))
    result = build({"messages": HI, "tools": [WEATHER], "tool_choice": "none"}, make_ctx(model))
    assert result["tool_choice"] == {"type": "none"}


@pytest.mark.parametrize("model", NO_FORCED_TOOLS)
def test_json_object_needs_the_forced_json_tool_and_is_refused(model: str) -> None:
    _refused("response_format", model, response_format={"type": "json_object"})
    result = _dropped("response_format", model, response_format={"type": "json_object"})
    assert "tools" not in result and "tool_choice" not in result


@pytest.mark.parametrize("model", NO_FORCED_TOOLS)
def test_json_schema_is_native_and_allowed(model: str) -> None:
    fmt = {"type": "json_schema", "json_schema": {"name": "person", "schema": SCHEMA}}
    result = build({"messages": HI, "response_format": fmt}, make_ctx(model))
    assert result["output_config"]["format"]["type"] == "json_schema"
    assert "tool_choice" not in result


@pytest.mark.parametrize("model", FORCED_TOOLS_OK)
def test_forced_tool_choice_still_sent_where_accepted(model: str) -> None:
    assert profile_for(model).forced_tool_choice
    result = build({"messages": HI, "tools": [WEATHER], "tool_choice": "required"}, make_ctx(model))
    assert result["tool_choice"] == {"type": "any"}


@pytest.mark.parametrize("model", [*NO_FORCED_TOOLS, *FORCED_TOOLS_OK])
def test_sampling_parameters_refused_on_every_5_generation_model(model: str) -> None:
    _refused("temperature", model, temperature=0.5)


def test_inference_geo_is_a_native_keyword() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        usage = {"input_tokens": 10, "output_tokens": 2, "inference_geo": "us"}
        answer = {
            "id": "m",
            "type": "message",
            "role": "assistant",
            "model": "claude-opus-5-5",
            "stop_reason": "end_turn",
        }
        return httpx.Response(200, json={**answer, "content": [{"type": "text", "text": "ok"}], "usage": usage})

    modelmux.completion("claude-opus-5-5", HI, api_key="k", transport=httpx.MockTransport(handle), inference_geo="us")
    assert json.loads(seen[0].content)["inference_geo"] == "us"
