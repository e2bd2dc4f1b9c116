"""Shared helpers for the Anthropic provider tests: contexts, the SDK oracle, stream drivers, cassettes.

The oracle for request bodies is the official ``anthropic`` SDK's own request types. Its ``TypedDict`` s
are validated lazily for ``Iterable`` fields and ignore unknown keys, so :func:`validate_body` drains every
lazy iterator and also checks, level by level, that no key outside the SDK's declared ones is sent.
"""

from __future__ import annotations

import itertools
import json
import sys
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic.types as at
import anthropic.types.message_create_params as mcp
import openai.types.chat as oa
import pydantic
from anthropic.lib.streaming._messages import accumulate_event

from modelmux import ChatCompletion, ChatCompletionChunk, stream_chunk_builder
from modelmux._sse import SSEDecoder
from modelmux.providers._base import CallContext, ModelInfo
from modelmux.providers.anthropic import provider

_TESTS = Path(__file__).resolve().parents[2]
if str(_TESTS) not in sys.path:  # the conformance package, imported under the name pytest gives it
    sys.path.insert(0, str(_TESTS))

from conformance.cassette import CASSETTES_ROOT, Interaction, chat_interactions, iter_cassettes  # noqa: E402
from conformance.expected import Expected, expected_for, parse_sse  # noqa: E402

__all__ = [
    "Expected",
    "Interaction",
    "anthropic_interactions",
    "assert_valid_chunks",
    "assert_valid_completion",
    "build",
    "expected_for",
    "info",
    "make_ctx",
    "parse",
    "sdk_accumulate",
    "sse",
    "stream_events",
    "stream_result",
    "validate_body",
]

MODEL = "claude-sonnet-4-5"

_STREAMING = pydantic.TypeAdapter(mcp.MessageCreateParamsStreaming)
_NON_STREAMING = pydantic.TypeAdapter(mcp.MessageCreateParamsNonStreaming)
# The SDK (2.x) dropped the sampling parameters from its types when Claude 4.7 stopped accepting them;
# the API still takes them on earlier models.
_SAMPLING_KEYS = {"temperature", "top_p", "top_k"}
_TOP_KEYS = set(typing.get_type_hints(mcp.MessageCreateParamsBase)) | {"stream"} | _SAMPLING_KEYS
_BLOCK_TYPES: dict[str, Any] = {
    "text": at.TextBlockParam,
    "image": at.ImageBlockParam,
    "document": at.DocumentBlockParam,
    "tool_use": at.ToolUseBlockParam,
    "tool_result": at.ToolResultBlockParam,
    "thinking": at.ThinkingBlockParam,
    "redacted_thinking": at.RedactedThinkingBlockParam,
    "server_tool_use": at.ServerToolUseBlockParam,
    "web_search_tool_result": at.WebSearchToolResultBlockParam,
    "web_fetch_tool_result": at.WebFetchToolResultBlockParam,
    "code_execution_tool_result": at.CodeExecutionToolResultBlockParam,
    "bash_code_execution_tool_result": at.BashCodeExecutionToolResultBlockParam,
    "text_editor_code_execution_tool_result": at.TextEditorCodeExecutionToolResultBlockParam,
    "tool_search_tool_result": at.ToolSearchToolResultBlockParam,
}


def make_ctx(model: str = MODEL, **kwargs: Any) -> CallContext:
    kwargs.setdefault("api_base", "https://api.anthropic.com")
    kwargs.setdefault("api_key", "sk-ant-test-0123456789")
    return CallContext("anthropic", model, **kwargs)


def info(max_output_tokens: int | None = None) -> ModelInfo:
    return ModelInfo("anthropic", MODEL, max_output_tokens=max_output_tokens)


def _drain(value: Any) -> Any:
    if isinstance(value, Iterator):  # pydantic validates Iterable fields lazily, on iteration
        return [_drain(v) for v in value]
    if isinstance(value, dict):
        return {k: _drain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_drain(v) for v in value]
    return value


def _keys(obj: dict[str, Any], cls: Any, where: str) -> None:
    allowed = set(typing.get_type_hints(cls))
    assert set(obj) <= allowed, f"{where}: unexpected keys {set(obj) - allowed}"


def validate_body(body: dict[str, Any]) -> dict[str, Any]:
    """Validate a Messages API body with the SDK's request types, strictly; returns it."""
    assert set(body) <= _TOP_KEYS, f"unexpected top-level keys {set(body) - _TOP_KEYS}"
    adapter = _STREAMING if body.get("stream") else _NON_STREAMING
    _drain(adapter.validate_python({k: v for k, v in body.items() if k not in _SAMPLING_KEYS}))
    for i, message in enumerate(body["messages"]):
        assert message["role"] in ("user", "assistant"), message["role"]
        _keys(message, at.UserMessageParam, f"messages[{i}]")
        assert message["content"], f"messages[{i}] is empty"
        for j, block in enumerate(message["content"]):
            _keys(block, _BLOCK_TYPES[block["type"]], f"messages[{i}].content[{j}]")
            if block["type"] == "text":
                assert block["text"], "Anthropic rejects empty text blocks"
    for block in body.get("system", ()):
        _keys(block, at.TextBlockParam, "system")
    for tool in body.get("tools", ()):
        if "input_schema" in tool:
            _keys(tool, at.ToolParam, "tools")
    roles = [m["role"] for m in body["messages"]]
    assert all(a != b for a, b in itertools.pairwise(roles)), f"roles must alternate: {roles}"
    for sampling in _SAMPLING_KEYS & set(body):
        assert isinstance(body[sampling], (int, float))
    return body


def build(params: dict[str, Any], ctx: CallContext | None = None) -> dict[str, Any]:
    """The validated native body for ``params``."""
    request = provider.build_chat_request(params, ctx or make_ctx())
    return validate_body(request.json)


def assert_valid_completion(result: ChatCompletion) -> ChatCompletion:
    oa.ChatCompletion.model_validate(result.model_dump())
    return result


def assert_valid_chunks(chunks: list[ChatCompletionChunk]) -> None:
    for chunk in chunks:
        oa.ChatCompletionChunk.model_validate(chunk.model_dump())


def parse(message: dict[str, Any], ctx: CallContext | None = None) -> ChatCompletion:
    return assert_valid_completion(provider.parse_chat_response(json.dumps(message).encode(), ctx or make_ctx()))


def sse(events: list[dict[str, Any]]) -> bytes:
    """An SSE body as Anthropic sends it (``event:`` name = the payload's type)."""
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()


def stream_events(body: bytes, ctx: CallContext | None = None, *, piece: int = 0) -> list[ChatCompletionChunk]:
    """Run an SSE body through the decoder and the translator (optionally cut into ``piece``-byte reads)."""
    translator = provider.chat_stream_translator(ctx or make_ctx(stream=True, include_usage=True))
    decoder = SSEDecoder()
    reads = [body[i : i + piece] for i in range(0, len(body), piece)] if piece else [body]
    chunks: list[ChatCompletionChunk] = []
    for read in reads:
        for event, data in decoder.feed(read):
            chunks += translator.feed(event, data)
    for event, data in decoder.flush():
        chunks += translator.feed(event, data)
    chunks += translator.finish()
    assert_valid_chunks(chunks)
    return chunks


def stream_result(body: bytes, ctx: CallContext | None = None) -> ChatCompletion:
    return assert_valid_completion(stream_chunk_builder(stream_events(body, ctx)))


def sdk_accumulate(body: bytes | str) -> dict[str, Any]:
    """The native ``Message`` the official SDK accumulates from an SSE body (the non-stream equivalent)."""
    text = body.decode() if isinstance(body, bytes) else body
    snapshot = None
    buffers: dict[int, bytes] = {}
    for event in parse_sse(text):
        payload = json.loads(event.data)
        if payload.get("type") in ("ping", "error"):
            continue
        snapshot = accumulate_event(event=payload, current_snapshot=snapshot, json_bufs=buffers)
    assert snapshot is not None
    return typing.cast(dict[str, Any], json.loads(snapshot.to_json()))


def anthropic_interactions() -> list[tuple[str, Interaction]]:
    """Every recorded Anthropic chat interaction, with a test id."""
    return [
        (f"{path.parent.parent.name}/{path.stem}#{i}", it)
        for path in iter_cassettes(CASSETTES_ROOT, {"anthropic"})
        for i, it in enumerate(chat_interactions(path))
    ]
