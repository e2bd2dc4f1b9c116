"""Claude 4.6 and later on Bedrock: the catalogued ids resolve, and each generation's request rules are kept.

Ids and limits are the AWS model cards' (``anthropic.claude-opus-5``: no ``-v1:0`` suffix from 4.6 on, except
``anthropic.claude-opus-4-6-v1``); the rules are Anthropic's per-generation profile (the same models): no
temperature/top_p from 4.7 on, not both together from 4.1 to 4.6, no forced tool use on Opus 5.5+, Sonnet 5.5+ and
Fable 5.1+.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from bedrock_helpers import make_ctx, validate_converse_request

import modelmux
from modelmux.errors import BadRequestError, UnsupportedParamsError
from modelmux.providers.bedrock.build_request import build_converse_body
from modelmux.providers.bedrock.profile import profile_for
from modelmux.types import ChatCompletion

NEW_IDS = [
    "anthropic.claude-opus-4-6-v1",
    "anthropic.claude-sonnet-4-6",
    "anthropic.claude-opus-4-7",
    "anthropic.claude-opus-4-8",
    "anthropic.claude-opus-5",
    "anthropic.claude-opus-5-5",
    "anthropic.claude-sonnet-5",
    "anthropic.claude-sonnet-5-5",
    "anthropic.claude-haiku-5-5",
    "anthropic.claude-fable-5",
    "anthropic.claude-fable-5-1",
]
HI = [{"role": "user", "content": "hi"}]
TOOL = {
    "type": "function",
    "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}},
}
ANSWER = {
    "output": {"message": {"role": "assistant", "content": [{"text": "hello"}]}},
    "stopReason": "end_turn",
    "usage": {"inputTokens": 1000, "outputTokens": 100, "totalTokens": 1100},
}


def build(params: dict[str, Any], model: str, **ctx: Any) -> dict[str, Any]:
    body = build_converse_body({"messages": HI, **params}, make_ctx(model, **ctx))
    validate_converse_request(body, model)
    return body


@pytest.mark.parametrize("model", NEW_IDS)
def test_bare_id_resolves_to_bedrock_converse_and_is_costed(model: str) -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=ANSWER)

    reply = modelmux.completion(
        model, HI, api_key="bedrock-key", aws_region_name="us-east-1", transport=httpx.MockTransport(handle)
    )
    assert isinstance(reply, ChatCompletion)
    assert str(seen[0].url) == f"https://bedrock-runtime.us-east-1.amazonaws.com/model/{model}/converse"
    assert reply.choices[0].message.content == "hello"
    rates = modelmux.cost_per_token(f"bedrock/{model}", 1000, 100)
    assert rates is not None and sum(rates) > 0
    assert modelmux.completion_cost(reply) == pytest.approx(sum(rates))


@pytest.mark.parametrize(
    ("model", "context", "output"),
    [
        ("anthropic.claude-opus-5", 1_000_000, 128_000),
        ("anthropic.claude-sonnet-4-6", 1_000_000, 64_000),
        ("anthropic.claude-haiku-5-5", 1_000_000, 128_000),
        ("anthropic.claude-opus-4-6-v1", 1_000_000, 128_000),
    ],
)
def test_model_info_is_the_aws_model_card(model: str, context: int, output: int) -> None:
    info = modelmux.get_model_info(model)
    assert info["litellm_provider"] == "bedrock"
    assert info["max_input_tokens"] == context
    assert info["max_output_tokens"] == output
    assert info["supports_reasoning"] is True
    rates = modelmux.cost_per_token(f"bedrock/{model}", 1_000, 0)  # under Haiku 5.5's 100K band
    assert rates is not None and info["input_cost_per_token"] == pytest.approx(rates[0] / 1_000)


def test_a_cross_region_profile_resolves_with_the_provider_prefix_only() -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(200, json=ANSWER))
    # Profiles are not catalogued: the provider prefix routes them, and the error says so.
    with pytest.raises(BadRequestError, match=r"e\.g\. 'bedrock/us\.anthropic\.claude-opus-5'"):
        modelmux.completion("us.anthropic.claude-opus-5", HI, api_key="k", transport=transport)
    reply = modelmux.completion(
        "bedrock/us.anthropic.claude-opus-5",
        HI,
        api_key="k",
        aws_region_name="us-east-1",
        transport=transport,
    )
    assert isinstance(reply, ChatCompletion) and reply.choices[0].message.content == "hello"


@pytest.mark.parametrize(
    ("model", "family_rules"),
    [
        ("us.anthropic.claude-opus-4-6-v1", (True, False, True)),  # (sampling, always thinking, forced tool use)
        ("global.anthropic.claude-sonnet-4-6", (True, False, True)),
        ("anthropic.claude-opus-4-7", (False, False, True)),
        ("eu.anthropic.claude-opus-5", (False, False, True)),
        ("anthropic.claude-sonnet-5", (False, False, True)),
        ("anthropic.claude-haiku-5-5", (False, False, True)),
        ("anthropic.claude-fable-5", (False, True, True)),
        ("jp.anthropic.claude-opus-5-5", (False, True, False)),
        ("anthropic.claude-sonnet-5-5", (False, False, False)),
        ("global.anthropic.claude-fable-5-1", (False, True, False)),
        ("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-opus-5", (False, False, True)),
    ],
)
def test_family_detection_from_ids_without_a_version_suffix(model: str, family_rules: tuple[bool, bool, bool]) -> None:
    profile = profile_for(model)
    assert profile.family == "anthropic" and profile.reasoning == "claude" and profile.native_json_schema
    claude = profile.claude
    assert claude is not None and claude.adaptive_thinking
    assert (claude.sampling_params, claude.thinking_always_on, claude.forced_tool_choice) == family_rules


@pytest.mark.parametrize(
    "model", ["anthropic.claude-opus-4-7", "us.anthropic.claude-opus-5", "anthropic.claude-haiku-5-5"]
)
def test_sampling_parameters_are_refused_from_4_7_on(model: str) -> None:
    for param in ({"temperature": 0.2}, {"top_p": 0.9}):
        with pytest.raises(UnsupportedParamsError):
            build(param, model)
    body = build({"temperature": 0.2, "top_p": 0.9, "max_tokens": 100}, model, drop_params=True)
    assert body["inferenceConfig"] == {"maxTokens": 100}


def test_temperature_or_top_p_not_both_from_4_1_to_4_6() -> None:
    model = "us.anthropic.claude-opus-4-6-v1"
    assert build({"temperature": 0.2}, model)["inferenceConfig"] == {"temperature": 0.2}
    assert build({"top_p": 0.9}, model)["inferenceConfig"] == {"topP": 0.9}
    with pytest.raises(UnsupportedParamsError):
        build({"temperature": 0.2, "top_p": 0.9}, model)
    assert build({"temperature": 0.2, "top_p": 0.9}, model, drop_params=True)["inferenceConfig"] == {"temperature": 0.2}
    # Before 4.1 both still travel.
    old = build({"temperature": 0.2, "top_p": 0.9}, "anthropic.claude-sonnet-4-20250514-v1:0")
    assert old["inferenceConfig"] == {"temperature": 0.2, "topP": 0.9}


@pytest.mark.parametrize(
    "model", ["anthropic.claude-opus-5-5", "us.anthropic.claude-sonnet-5-5", "anthropic.claude-fable-5-1"]
)
def test_forced_tool_use_is_refused_where_the_model_rejects_it(model: str) -> None:
    for choice in ("required", {"type": "function", "function": {"name": "get_weather"}}):
        with pytest.raises(UnsupportedParamsError):
            build({"tools": [TOOL], "tool_choice": choice}, model)
        dropped = build({"tools": [TOOL], "tool_choice": choice}, model, drop_params=True)
        assert "toolChoice" not in dropped["toolConfig"]
    assert "toolChoice" not in build({"tools": [TOOL], "tool_choice": "auto"}, model)["toolConfig"]  # auto: the default
    # json_object needs a forced tool on Converse: refused; a json_schema format is native.
    with pytest.raises(UnsupportedParamsError):
        build({"response_format": {"type": "json_object"}}, model)
    assert "toolConfig" not in build({"response_format": {"type": "json_object"}}, model, drop_params=True)
    schema = {"type": "json_schema", "json_schema": {"name": "r", "schema": {"type": "object", "properties": {}}}}
    native = build({"response_format": schema}, model)
    assert native["outputConfig"]["textFormat"]["type"] == "json_schema" and "toolConfig" not in native


def test_forced_tool_use_still_travels_to_models_that_take_it() -> None:
    for model in ("anthropic.claude-opus-5", "anthropic.claude-sonnet-5", "anthropic.claude-fable-5"):
        body = build({"tools": [TOOL], "tool_choice": "required"}, model)
        assert body["toolConfig"]["toolChoice"] == {"any": {}}


def test_effort_and_adaptive_thinking_for_the_new_ids() -> None:
    body = build({"reasoning_effort": "xhigh"}, "global.anthropic.claude-opus-5")
    assert body["additionalModelRequestFields"]["thinking"]["type"] == "adaptive"
    assert body["outputConfig"]["effort"] == "xhigh"
    # Thinking cannot be turned off on Opus 5.5 (always on): 'none' is refused, or dropped with drop_params.
    with pytest.raises(UnsupportedParamsError):
        build({"reasoning_effort": "none"}, "anthropic.claude-opus-5-5")
    assert "additionalModelRequestFields" not in build(
        {"reasoning_effort": "none"}, "anthropic.claude-opus-5-5", drop_params=True
    )
    assert json.dumps(build({}, "anthropic.claude-opus-5-5"))  # a plain request needs nothing model-specific


def test_mistral_large_3_is_catalogued_without_limits_the_aws_card_does_not_give() -> None:
    info = modelmux.get_model_info("mistral.mistral-large-3-675b-instruct")
    assert info["litellm_provider"] == "bedrock" and info["supports_vision"] and info["supports_function_calling"]
    assert info["max_input_tokens"] is None and info["max_output_tokens"] is None
    assert info["input_cost_per_token"] == pytest.approx(0.5e-6)
