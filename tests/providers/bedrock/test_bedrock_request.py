"""OpenAI params → Converse body: object in, object out, every body validated by botocore's service model."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from bedrock_helpers import make_ctx, validate_converse_request

from modelmux.errors import BadRequestError, UnsupportedParamsError
from modelmux.providers._base import ModelInfo
from modelmux.providers.bedrock import provider
from modelmux.providers.bedrock.build_request import build_converse_body
from modelmux.providers.bedrock.profile import base_model_id, profile_for

NOVA = "us.amazon.nova-micro-v1:0"
CLAUDE_45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
CLAUDE_4 = "anthropic.claude-sonnet-4-20250514-v1:0"
CLAUDE_46 = "global.anthropic.claude-opus-4-6-v1"
PNG = base64.b64encode(b"\x89PNG fake").decode()
PDF = base64.b64encode(b"%PDF-1.4 fake").decode()
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def build(params: dict[str, Any], model: str = NOVA, **ctx: Any) -> dict[str, Any]:
    params = {"messages": [{"role": "user", "content": "hi"}], **params}
    body = build_converse_body(params, make_ctx(model, **ctx))
    validate_converse_request(body, model)
    return body


def test_system_developer_user_assistant_and_tool_turns() -> None:
    body = build(
        {
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Weather in Paris and Rome?"},
                {"role": "developer", "content": [{"type": "text", "text": "Use tools."}]},
                {
                    "role": "assistant",
                    "content": "Checking.",
                    "tool_calls": [
                        {
                            "id": "t1",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                        },
                        {"id": "t2", "type": "function", "function": {"name": "get_weather", "arguments": ""}},
                    ],
                },
                {"role": "tool", "tool_call_id": "t1", "content": "sunny"},
                {"role": "tool", "tool_call_id": "t2", "content": ""},
                {"role": "user", "content": "Thanks"},
            ],
            "tools": [TOOL],
        }
    )
    assert body["system"] == [{"text": "Be brief."}, {"text": "Use tools."}]
    assert body["messages"] == [
        {"role": "user", "content": [{"text": "Weather in Paris and Rome?"}]},
        {
            "role": "assistant",
            "content": [
                {"text": "Checking."},
                {"toolUse": {"toolUseId": "t1", "name": "get_weather", "input": {"city": "Paris"}}},
                {"toolUse": {"toolUseId": "t2", "name": "get_weather", "input": {}}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"toolResult": {"toolUseId": "t1", "content": [{"text": "sunny"}]}},
                {"toolResult": {"toolUseId": "t2", "content": [{"text": "(empty)"}]}},
                {"text": "Thanks"},
            ],
        },
    ]
    assert body["toolConfig"] == {
        "tools": [
            {
                "toolSpec": {
                    "name": "get_weather",
                    "description": "Weather",
                    "inputSchema": {"json": TOOL["function"]["parameters"]},
                }
            }
        ]
    }


def test_images_documents_and_cache_points() -> None:
    body = build(
        {
            "messages": [
                {
                    "role": "system",
                    "content": [{"type": "text", "text": "Long context", "cache_control": {"type": "ephemeral"}}],
                },
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "Describe"},
                        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}", "detail": "high"}},
                        {"type": "image_url", "image_url": {"url": "s3://bucket/cat.JPG"}},
                        {
                            "type": "file",
                            "file": {
                                "file_data": f"data:application/pdf;base64,{PDF}",
                                "filename": "report 2024 (v2).pdf",
                            },
                        },
                        {"type": "file", "file": {"file_data": PDF}},
                    ],
                    "cache_control": {"type": "ephemeral", "ttl": "1h"},
                },
            ]
        }
    )
    assert body["system"] == [{"text": "Long context"}, {"cachePoint": {"type": "default"}}]
    assert body["messages"][0]["content"] == [
        {"text": "Describe"},
        {"image": {"format": "png", "source": {"bytes": PNG}}},
        {"image": {"format": "jpeg", "source": {"s3Location": {"uri": "s3://bucket/cat.JPG"}}}},
        {"document": {"format": "pdf", "name": "report 2024 (v2)", "source": {"bytes": PDF}}},
        {"document": {"format": "pdf", "name": "document-2", "source": {"bytes": PDF}}},
        {"cachePoint": {"type": "default", "ttl": "1h"}},
    ]


@pytest.mark.parametrize(
    ("part", "message"),
    [
        ({"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}, "cannot fetch image URLs"),
        ({"type": "image_url", "image_url": {"url": "data:image/bmp;base64,AAAA"}}, "not supported"),
        ({"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}, "audio"),
        ({"type": "file", "file": {"file_id": "file-123"}}, "file_id"),
        ({"type": "image_url", "image_url": {"url": "data:image/png,notbase64"}}, "base64"),
    ],
)
def test_content_bedrock_cannot_take(part: dict[str, Any], message: str) -> None:
    with pytest.raises(BadRequestError, match=message):
        build({"messages": [{"role": "user", "content": [part]}]})


def test_inference_config_and_stop_sequences() -> None:
    body = build({"max_tokens": 100, "max_completion_tokens": 50, "temperature": 0.3, "top_p": 0.9, "stop": "END"})
    assert body["inferenceConfig"] == {"maxTokens": 50, "temperature": 0.3, "topP": 0.9, "stopSequences": ["END"]}
    assert build({})["inferenceConfig"] == {}


def test_values_bedrock_cannot_express() -> None:
    with pytest.raises(UnsupportedParamsError, match="temperature"):
        build({"temperature": 1.5})
    with pytest.raises(UnsupportedParamsError, match="'n'"):
        build({"n": 2})
    with pytest.raises(UnsupportedParamsError, match="parallel_tool_calls"):
        build({"tools": [TOOL], "parallel_tool_calls": False})
    with pytest.warns(UserWarning):
        body = build({"stop": ["  ", "X"]}, drop_params=True)
    assert body["inferenceConfig"] == {"stopSequences": ["X"]}


@pytest.mark.parametrize(
    ("choice", "native"),
    [
        ("auto", None),
        ("required", {"any": {}}),
        ({"type": "function", "function": {"name": "get_weather"}}, {"tool": {"name": "get_weather"}}),
    ],
)
def test_tool_choice(choice: Any, native: dict[str, Any] | None) -> None:
    body = build({"tools": [TOOL], "tool_choice": choice})
    assert body["toolConfig"].get("toolChoice") == native


def test_tool_choice_none_leaves_the_tools_out() -> None:
    assert "toolConfig" not in build({"tools": [TOOL], "tool_choice": "none"})


def test_tool_choice_none_with_tool_history_cannot_be_expressed() -> None:
    messages = [
        {"role": "user", "content": "x"},
        {
            "role": "assistant",
            "tool_calls": [{"id": "t", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "t", "content": "ok"},
    ]
    with pytest.raises(UnsupportedParamsError, match="tool_choice"):
        build({"messages": messages, "tools": [TOOL], "tool_choice": "none"})


def test_tool_history_without_tools_declares_them() -> None:
    messages = [
        {"role": "user", "content": "x"},
        {
            "role": "assistant",
            "tool_calls": [{"id": "t", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "t", "content": "ok"},
    ]
    body = build({"messages": messages})
    assert [t["toolSpec"]["name"] for t in body["toolConfig"]["tools"]] == ["lookup"]


def test_strict_tools_and_tool_cache_points() -> None:
    strict = {**TOOL, "function": {**TOOL["function"], "strict": True}, "cache_control": {"type": "ephemeral"}}
    body = build({"tools": [strict]})
    assert body["toolConfig"]["tools"][0]["toolSpec"]["strict"] is True
    assert body["toolConfig"]["tools"][1] == {"cachePoint": {"type": "default"}}


SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


def test_native_structured_output_on_models_that_have_it() -> None:
    fmt = {"type": "json_schema", "json_schema": {"name": "City", "description": "A city", "schema": SCHEMA}}
    body = build({"response_format": fmt}, CLAUDE_45)
    spec = body["outputConfig"]["textFormat"]
    assert spec["type"] == "json_schema"
    assert json.loads(spec["structure"]["jsonSchema"]["schema"]) == SCHEMA
    assert spec["structure"]["jsonSchema"]["name"] == "City"
    assert "toolConfig" not in body


def test_structured_output_through_a_forced_tool_elsewhere() -> None:
    fmt = {"type": "json_schema", "json_schema": {"name": "City", "schema": SCHEMA}}
    body = build({"response_format": fmt}, NOVA)
    assert body["toolConfig"]["toolChoice"] == {"tool": {"name": "modelmux_json_output"}}
    assert body["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"] == {"json": SCHEMA}
    with_tools = build({"response_format": {"type": "json_object"}, "tools": [TOOL]}, CLAUDE_45)
    assert with_tools["toolConfig"]["toolChoice"] == {"any": {}}
    assert [t["toolSpec"]["name"] for t in with_tools["toolConfig"]["tools"]] == ["get_weather", "modelmux_json_output"]


@pytest.mark.parametrize(
    ("model", "effort", "fields", "output_effort"),
    [
        (CLAUDE_4, "medium", {"thinking": {"type": "enabled", "budget_tokens": 2048}}, None),
        (CLAUDE_46, "high", {"thinking": {"type": "adaptive", "display": "summarized"}}, "high"),
        (CLAUDE_46, "none", {"thinking": {"type": "disabled"}}, None),
        (
            "us.amazon.nova-2-lite-v1:0",
            "xhigh",
            {"reasoningConfig": {"type": "enabled", "maxReasoningEffort": "high"}},
            None,
        ),
        ("openai.gpt-oss-120b-1:0", "minimal", {"reasoning_effort": "low"}, None),
    ],
)
def test_reasoning_effort_per_family(
    model: str, effort: str, fields: dict[str, Any], output_effort: str | None
) -> None:
    body = build({"reasoning_effort": effort}, model)
    assert body["additionalModelRequestFields"] == fields
    assert body.get("outputConfig", {}).get("effort") == output_effort


def test_reasoning_effort_none_on_budget_models_sends_nothing() -> None:
    assert "additionalModelRequestFields" not in build({"reasoning_effort": "none"}, CLAUDE_4)


def test_thinking_budget_raises_a_small_max_tokens_and_forbids_forcing() -> None:
    info = ModelInfo("bedrock", CLAUDE_4, max_output_tokens=64000)
    body = build({"reasoning_effort": "low", "max_tokens": 500}, CLAUDE_4, info=info)
    assert body["inferenceConfig"]["maxTokens"] == 1024 + 500
    with pytest.raises(UnsupportedParamsError, match="reasoning_effort"):
        build({"reasoning_effort": "low", "tools": [TOOL], "tool_choice": "required"}, CLAUDE_4)
    with pytest.raises(UnsupportedParamsError, match="temperature"):
        build({"reasoning_effort": "low", "temperature": 0.2}, CLAUDE_4)


def test_reasoning_effort_on_a_family_without_a_switch() -> None:
    with pytest.raises(UnsupportedParamsError, match="reasoning_effort"):
        build({"reasoning_effort": "high"}, "us.meta.llama4-maverick-17b-instruct-v1:0")
    with pytest.raises(BadRequestError, match="reasoning_effort must be"):
        build({"reasoning_effort": "extreme"}, CLAUDE_4)


def test_reasoning_round_trips_through_thinking_blocks() -> None:
    blocks = [
        {"type": "thinking", "thinking": "Let me think.", "signature": "sig=="},
        {"type": "redacted_thinking", "data": base64.b64encode(b"opaque").decode()},
    ]
    messages = [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "a ", "reasoning_content": "ignored", "thinking_blocks": blocks},
    ]
    body = build({"messages": messages}, CLAUDE_4)
    assert body["messages"][1]["content"] == [
        {"reasoningContent": {"reasoningText": {"text": "Let me think.", "signature": "sig=="}}},
        {"reasoningContent": {"redactedContent": blocks[1]["data"]}},
        {"text": "a"},  # a final assistant turn loses trailing whitespace
    ]


def test_extra_body_goes_to_converse_fields_or_model_fields() -> None:
    extra = {
        "guardrailConfig": {"guardrailIdentifier": "gr-1", "guardrailVersion": "1"},
        "top_k": 40,
        "additionalModelRequestFields": {"foo": 1},
        "toolConfig": {"tools": [{"systemTool": {"name": "nova_code_interpreter"}}]},
    }
    body = build({"tools": [TOOL]}, "us.amazon.nova-2-lite-v1:0", extra_body=extra)
    assert body["guardrailConfig"] == extra["guardrailConfig"]
    assert body["additionalModelRequestFields"] == {"foo": 1, "top_k": 40}
    assert [next(iter(t)) for t in body["toolConfig"]["tools"]] == ["toolSpec", "systemTool"]


@pytest.mark.parametrize(
    ("model", "base", "family"),
    [
        ("amazon.nova-micro-v1:0", "amazon.nova-micro-v1:0", "amazon"),
        ("us.anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic"),
        ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic"),
        (
            "arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-70b-instruct-v1:0",
            "meta.llama3-70b-instruct-v1:0",
            "meta",
        ),
        (
            "arn:aws:bedrock:us-east-1:1:inference-profile/eu.mistral.pixtral-large-2502-v1:0",
            "mistral.pixtral-large-2502-v1:0",
            "mistral",
        ),
        ("arn:aws:bedrock:us-east-1:1:application-inference-profile/abc123", "abc123", ""),
        ("zai.glm-4.7-flash", "zai.glm-4.7-flash", "zai"),
        ("converse/us.amazon.nova-2-lite-v1:0", "amazon.nova-2-lite-v1:0", "amazon"),  # LiteLLM's route prefix
    ],
)
def test_model_ids_as_users_write_them(model: str, base: str, family: str) -> None:
    assert base_model_id(model) == base
    assert profile_for(model).family == family


@pytest.mark.parametrize(
    ("model", "path"),
    [
        ("us.amazon.nova-micro-v1:0", "/model/us.amazon.nova-micro-v1%3A0/converse"),
        ("converse/us.amazon.nova-micro-v1:0", "/model/us.amazon.nova-micro-v1%3A0/converse"),
        (
            "arn:aws:bedrock:us-east-1:123:inference-profile/us.x-v1:0",
            "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123%3Ainference-profile%2Fus.x-v1%3A0/converse",
        ),
    ],
)
def test_request_urls(model: str, path: str) -> None:
    ctx = make_ctx(model, api_base="http://127.0.0.1:9/base/", api_key="k")
    request = provider.build_chat_request({"messages": [{"role": "user", "content": "hi"}]}, ctx)
    assert request.url == "http://127.0.0.1:9/base" + path
    assert request.headers["authorization"] == "Bearer k"
    assert json.loads(request.content or b"") == {
        "messages": [{"role": "user", "content": [{"text": "hi"}]}],
        "inferenceConfig": {},
    }
    ctx.stream = True
    streamed = provider.build_chat_request({"messages": [{"role": "user", "content": "hi"}]}, ctx)
    assert (
        streamed.url.endswith("/converse-stream") and streamed.headers["accept"] == "application/vnd.amazon.eventstream"
    )


def test_a_part_type_that_is_not_a_string_is_a_bad_request() -> None:
    import pytest

    from modelmux.errors import BadRequestError
    from modelmux.providers.bedrock.convert_content import convert_parts

    with pytest.raises(BadRequestError, match="not accepted here"):
        convert_parts([{"type": ["x"]}], "messages[0]", allow=frozenset({"text"}))
