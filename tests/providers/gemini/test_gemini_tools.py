"""Tools that are not plain function tools: typed tools, Gemini's own tools, malformed tools, allowed_tools."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from google.genai import types as genai
from openai.types.chat import ChatCompletion as OpenAIChatCompletion

import modelmux
from modelmux.errors import BadRequestError, UnsupportedParamsError
from modelmux.providers._base import CallContext
from modelmux.providers.gemini import provider

MakeCtx = Callable[..., CallContext]
Validate = Callable[[dict[str, Any]], None]
USER = [{"role": "user", "content": "hi"}]
FN = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {"q": {}}}}}
CUSTOM = {"type": "custom", "custom": {"name": "patch", "description": "apply a patch", "format": {"type": "text"}}}


def body_of(params: dict[str, Any], ctx: CallContext, validate: Validate) -> dict[str, Any]:
    body = provider.build_chat_request({"messages": USER, **params}, ctx).json
    validate(body)
    return body


@pytest.mark.parametrize(
    "tool",
    [
        CUSTOM,
        {"type": "web_search_20250305", "name": "web_search", "max_uses": 3},
        {"type": "code_interpreter"},
        {"type": "mcp", "server_url": "https://example.com"},
    ],
    ids=["custom", "anthropic-server-tool", "code-interpreter", "mcp"],
)
def test_typed_tools_without_a_gemini_equivalent_are_unsupported(tool: dict[str, Any], make_ctx: MakeCtx) -> None:
    with pytest.raises(UnsupportedParamsError, match=r"tools\[1\]") as info:
        provider.build_chat_request({"messages": USER, "tools": [FN, tool]}, make_ctx())
    assert info.value.status_code == 400 and info.value.param == "tools"
    assert isinstance(info.value, BadRequestError)


def test_dropped_typed_tools_leave_the_function_tools(make_ctx: MakeCtx, validate_body: Validate) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        body = body_of({"tools": [CUSTOM, FN], "tool_choice": "auto"}, make_ctx(drop_params=True), validate_body)
        only_custom = body_of({"tools": [CUSTOM], "tool_choice": "auto"}, make_ctx(drop_params=True), validate_body)
    assert [d["name"] for d in body["tools"][0]["functionDeclarations"]] == ["lookup"]
    assert len(body["tools"]) == 1
    assert any("custom" in str(w.message) for w in caught)
    assert "tools" not in only_custom and "toolConfig" not in only_custom


@pytest.mark.parametrize(
    ("tool", "native"),
    [
        ({"googleSearch": {}}, {"googleSearch": {}}),
        ({"google_search": {}}, {"googleSearch": {}}),
        ({"type": "google_search"}, {"googleSearch": {}}),
        ({"type": "url_context", "url_context": {}}, {"urlContext": {}}),
        ({"codeExecution": {}}, {"codeExecution": {}}),
    ],
)
def test_gemini_native_tools_pass_through(
    tool: dict[str, Any], native: dict[str, Any], ctx: CallContext, validate_body: Validate
) -> None:
    body = body_of({"tools": [FN, tool]}, ctx, validate_body)
    assert body["tools"][1] == native
    assert "functionDeclarations" in body["tools"][0]
    assert body_of({"tools": [tool]}, ctx, validate_body)["tools"] == [native]


@pytest.mark.parametrize(
    "tool",
    [
        "lookup",
        {"type": "function"},
        {"type": "function", "function": "lookup"},
        {"type": "function", "function": {"name": ""}},
        {"type": "function", "function": {"description": "no name"}},
        {"function": {"name": 3}},
    ],
)
def test_malformed_function_tools_are_bad_requests(tool: Any, ctx: CallContext) -> None:
    with pytest.raises(BadRequestError, match=r"tools\[0\]") as info:
        provider.build_chat_request({"messages": USER, "tools": [tool]}, ctx)
    assert info.value.param == "tools"


def test_function_tool_without_type_is_a_function(ctx: CallContext, validate_body: Validate) -> None:
    body = body_of({"tools": [{"function": {"name": "now"}}]}, ctx, validate_body)
    assert body["tools"] == [{"functionDeclarations": [{"name": "now"}]}]


@pytest.mark.parametrize(
    ("mode", "native_mode"),
    [("required", "ANY"), ("auto", "VALIDATED")],
)
def test_allowed_tools_choice(mode: str, native_mode: str, ctx: CallContext, validate_body: Validate) -> None:
    choice = {
        "type": "allowed_tools",
        "allowed_tools": {"mode": mode, "tools": [{"type": "function", "function": {"name": "lookup"}}]},
    }
    body = body_of({"tools": [FN], "tool_choice": choice}, ctx, validate_body)
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": native_mode, "allowedFunctionNames": ["lookup"]}}


@pytest.mark.parametrize(
    "choice",
    [
        {"type": "custom", "custom": {"name": "patch"}},
        {"type": "allowed_tools", "allowed_tools": {"mode": "sometimes", "tools": [FN]}},
        {"type": "allowed_tools", "allowed_tools": {"mode": "auto", "tools": [CUSTOM]}},
        {"type": "allowed_tools", "allowed_tools": {"mode": "auto", "tools": []}},
    ],
)
def test_tool_choices_gemini_cannot_express_are_bad_requests(choice: Any, ctx: CallContext) -> None:
    with pytest.raises(BadRequestError, match="tool_choice"):
        provider.build_chat_request({"messages": USER, "tools": [FN], "tool_choice": choice}, ctx)


def test_schema_edge_cases_replayed_through_completion() -> None:
    """Through the public API with an injected transport: the sent body validates, the answer parses."""
    sent: list[dict[str, Any]] = []
    answer = {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"functionCall": {"name": "pick", "args": {"level": 2}}}]},
                "finishReason": "STOP",
            }
        ],
        "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 3, "totalTokenCount": 8},
        "responseId": "resp-tools",
    }

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json=answer)

    tools = [
        {
            "type": "function",
            "function": {"name": "pick", "parameters": {"properties": {"level": {"type": "integer", "enum": [1, 2]}}}},
        },
        {"type": "function", "function": {"name": "ping", "parameters": {}}},
    ]
    result = modelmux.completion(
        "gemini/gemini-3-flash-preview",
        [
            {"role": "user", "content": "pick"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "toolu_9", "type": "function", "function": {"name": "ping", "arguments": "{}"}}],
            },
            {"role": "tool", "tool_call_id": "toolu_9", "content": "pong"},
        ],
        api_key="k",
        tools=tools,
        transport=httpx.MockTransport(handler),
    )
    OpenAIChatCompletion.model_validate(result.model_dump())
    assert result.choices[0].finish_reason == "tool_calls"
    body = sent[0]
    for tool in body["tools"]:
        genai.Tool.model_validate(tool)
    for content in body["contents"]:
        genai.Content.model_validate(content)
    pick, ping = body["tools"][0]["functionDeclarations"]
    assert pick["parametersJsonSchema"]["properties"]["level"] == {"type": "integer", "enum": [1, 2]}
    assert pick["parametersJsonSchema"]["type"] == "object"
    assert ping == {"name": "ping"}
    assert body["contents"][1]["parts"][0]["thoughtSignature"] == "skip_thought_signature_validator"
