"""The offline ``mock`` provider: no key, no network, deterministic.

``mock/<anything>`` answers with a fixed sentence (``mock/echo`` repeats the last user message);
``mock_response=`` on any model answers with that text instead, or raises it when it is an exception
(instance or class); ``mock_tool_calls=[{"name": ..., "arguments": {...}}]`` answers with tool calls;
``mock/error-<status>`` raises the error class for that HTTP status. Streams go word by word
(``mock_delay=`` seconds between chunks). JSON mode answers with an instance of the schema.
Embeddings, images, transcriptions and moderations: see ``mock_operations``.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

from ..errors import error_class_for_status
from ..types import (
    ChatCompletion,
    ChatCompletionChunk,
    EmbeddingResponse,
    ImagesResponse,
    ModerationResponse,
    TranscriptionResponse,
)
from ._base import OPENAI_PARAMS, BaseProvider, CallContext, HttpRequest
from ._shapes import ChunkFactory, make_completion, make_tool_call, make_usage
from .mock_operations import mock_embedding, mock_images, mock_moderation, mock_transcription

DEFAULT_REPLY = "Hello! This is modelmux's offline mock provider: no API key, no network, same OpenAI-format answer."
_WORDS = re.compile(r"\s*\S+\s*")


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def sample_for_schema(schema: Any, depth: int = 0) -> Any:
    """A small value that satisfies a (simple) JSON schema."""
    if not isinstance(schema, dict) or depth > 8:
        return None
    if "const" in schema:
        return schema["const"]
    # A malformed schema (a client's mistake) still gets an answer, never a crash: wrong-typed keywords are ignored.
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0]
    for key in ("anyOf", "oneOf", "allOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            return sample_for_schema(options[0], depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or "properties" in schema:
        props = schema.get("properties")
        if not isinstance(props, dict):
            return {}
        return {name: sample_for_schema(sub, depth + 1) for name, sub in props.items()}
    if kind == "array":
        return [sample_for_schema(schema.get("items", {}), depth + 1)]
    return {"string": "mock", "integer": 1, "number": 1.0, "boolean": True, "null": None}.get(str(kind), "mock")


def _raise_for_error_model(ctx: CallContext) -> None:
    status = re.fullmatch(r"error-(\d{3})", ctx.model)
    if status:
        code = int(status.group(1))
        raise error_class_for_status(code)(f"mock error {code}", status_code=code)


def _approx_tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


class MockProvider(BaseProvider):
    name: ClassVar[str] = "mock"
    default_api_base: ClassVar[str] = ""
    requires_api_key: ClassVar[bool] = False
    supported_params: ClassVar[frozenset[str]] = OPENAI_PARAMS
    local: ClassVar[bool] = True
    #: The mock's own options (``mock_response`` and ``mock_tool_calls`` are taken by the core).
    native_params: ClassVar[frozenset[str]] = frozenset({"mock_delay"})

    def _answer(self, params: dict[str, Any], ctx: CallContext) -> tuple[str | None, list[dict[str, Any]]]:
        option = ctx.extra_body.get("mock_response")
        if isinstance(option, BaseException):
            raise option
        if isinstance(option, type) and issubclass(option, BaseException):
            raise option("mock error")
        _raise_for_error_model(ctx)
        calls = ctx.extra_body.get("mock_tool_calls")
        if calls is None and params.get("tools") and params.get("tool_choice") not in (None, "auto", "none"):
            calls = [self._forced_call(params)]
        tool_calls = [
            make_tool_call(c.get("id") or f"call_mock_{i}", c["name"], c.get("arguments", {}))
            for i, c in enumerate(calls or [])
        ]
        if option is not None:
            return str(option), tool_calls
        if tool_calls:
            return None, tool_calls
        fmt = params.get("response_format") or {}
        if fmt.get("type") == "json_schema":
            return json.dumps(sample_for_schema((fmt.get("json_schema") or {}).get("schema"))), []
        if fmt.get("type") == "json_object":
            return json.dumps({"mock": True, "reply": DEFAULT_REPLY}), []
        if ctx.model == "echo":
            user = [m for m in params["messages"] if m.get("role") == "user"]
            return _text_of(user[-1].get("content")) if user else "", []
        return DEFAULT_REPLY, []

    @staticmethod
    def _forced_call(params: dict[str, Any]) -> dict[str, Any]:
        choice = params["tool_choice"]
        tools = params["tools"]
        # Function tools only (custom and server tools have no schema to sample); any tool's name otherwise.
        functions = [t["function"] for t in tools if isinstance(t.get("function"), dict)]
        functions = functions or [t.get(t.get("type", "")) or {"name": str(t.get("type"))} for t in tools[:1]]
        chosen = choice.get("function") if isinstance(choice, dict) else None
        name = chosen["name"] if isinstance(chosen, dict) and "name" in chosen else functions[0].get("name", "tool")
        fn = next((f for f in functions if f.get("name") == name), functions[0])
        return {"name": name, "arguments": sample_for_schema(fn.get("parameters") or {}) or {}}

    def _usage(self, params: dict[str, Any], text: str | None) -> dict[str, Any]:
        prompt = sum(_approx_tokens(_text_of(m.get("content"))) for m in params["messages"])
        return make_usage(prompt, _approx_tokens(text or ""))

    def complete(self, params: dict[str, Any], ctx: CallContext) -> ChatCompletion:
        text, tool_calls = self._answer(params, ctx)
        return make_completion(
            id=f"chatcmpl-mock-{time.time_ns()}",
            model=ctx.model,
            content=text,
            tool_calls=tool_calls,
            finish_reason="tool_calls" if tool_calls else "stop",
            usage=self._usage(params, text),
        )

    def stream(self, params: dict[str, Any], ctx: CallContext) -> Iterator[ChatCompletionChunk]:
        text, tool_calls = self._answer(params, ctx)
        delay = float(ctx.extra_body.get("mock_delay") or 0)
        for i, chunk in enumerate(self._chunks(params, ctx, text, tool_calls)):
            if delay and i:
                time.sleep(delay)
            yield chunk

    async def astream(self, params: dict[str, Any], ctx: CallContext) -> AsyncIterator[ChatCompletionChunk]:
        text, tool_calls = self._answer(params, ctx)
        delay = float(ctx.extra_body.get("mock_delay") or 0)
        for i, chunk in enumerate(self._chunks(params, ctx, text, tool_calls)):
            if delay and i:
                await asyncio.sleep(delay)
            yield chunk

    def _chunks(
        self, params: dict[str, Any], ctx: CallContext, text: str | None, tool_calls: list[dict[str, Any]]
    ) -> list[ChatCompletionChunk]:
        make = ChunkFactory(f"chatcmpl-mock-{time.time_ns()}", ctx.model)
        out = [make.delta({"role": "assistant", "content": ""})]
        out += [make.delta({"content": word}) for word in _WORDS.findall(text or "")]
        for i, call in enumerate(tool_calls):
            out.append(make.delta({"tool_calls": [dict(call, index=i)]}))
        out.append(make.delta({}, "tool_calls" if tool_calls else "stop"))
        if ctx.include_usage:
            out.append(make.usage(self._usage(params, text)))
        return out

    def answer_embedding(self, params: dict[str, Any], ctx: CallContext) -> EmbeddingResponse:
        _raise_for_error_model(ctx)
        return mock_embedding(params, ctx.model)

    def answer_image_generation(self, params: dict[str, Any], ctx: CallContext) -> ImagesResponse:
        _raise_for_error_model(ctx)
        return mock_images(params, ctx.model)

    def answer_transcription(self, params: dict[str, Any], ctx: CallContext) -> TranscriptionResponse | str:
        _raise_for_error_model(ctx)
        return mock_transcription(params, ctx.model)

    def answer_moderation(self, params: dict[str, Any], ctx: CallContext) -> ModerationResponse:
        _raise_for_error_model(ctx)
        return mock_moderation(params, ctx.model)

    # The HTTP half of the contract is never used: the mock answers locally.
    def build_chat_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        raise NotImplementedError("the mock provider answers locally")

    def parse_chat_response(self, body: bytes, ctx: CallContext) -> ChatCompletion:
        raise NotImplementedError("the mock provider answers locally")

    def chat_stream_translator(self, ctx: CallContext) -> Any:
        raise NotImplementedError("the mock provider answers locally")


provider = MockProvider()
