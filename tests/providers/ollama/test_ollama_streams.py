"""Native NDJSON streams through ``completion(stream=True)`` with an injected transport: text, thinking,
tool calls, usage, in-band errors, honest ends; sync and async."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import modelmux
from modelmux.errors import InternalServerError, NotFoundError, UpstreamError

KEY = "sk-ollama-stream-0123456789abcdef"
HI = [{"role": "user", "content": "hi"}]


def line(message: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"model": "qwen3", "created_at": "2025-06-01T10:00:00Z", "done": False}
    if message is not None:
        doc["message"] = {"role": "assistant", "content": "", **message}
    doc.update(extra)
    return doc


FINAL = line({}, done=True, done_reason="stop", prompt_eval_count=9, eval_count=4)
THINK_THEN_TEXT = [line({"thinking": "Hmm"}), line({"thinking": ", 2+2"}), line({"content": "4"}), FINAL]
TOOL = [
    line({"tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]}),
    line({"tool_calls": [{"function": {"name": "get_time", "arguments": {}}}]}),
    FINAL,
]


class Pieces(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __init__(self, body: bytes, size: int) -> None:
        self.pieces = [body[i : i + size] for i in range(0, len(body), size)]

    def __iter__(self) -> Iterator[bytes]:
        yield from self.pieces

    async def __aiter__(self) -> Any:
        for piece in self.pieces:
            yield piece


def transport(lines: list[dict[str, Any]] | bytes, size: int = 7, seen: list[httpx.Request] | None = None) -> Any:
    body = lines if isinstance(lines, bytes) else "".join(json.dumps(x) + "\n" for x in lines).encode()

    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(200, headers={"content-type": "application/x-ndjson"}, stream=Pieces(body, size))

    return httpx.MockTransport(handle)


def run(lines: list[dict[str, Any]] | bytes, **kwargs: Any) -> list[modelmux.ChatCompletionChunk]:
    return list(modelmux.completion("ollama/qwen3", HI, api_key=KEY, stream=True, transport=transport(lines), **kwargs))


def test_thinking_then_text_with_usage() -> None:
    chunks = run(THINK_THEN_TEXT, stream_options={"include_usage": True})
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].delta.role for c in chunks[1:] if c.choices] == [None] * (len(chunks) - 2)
    result = modelmux.stream_chunk_builder(chunks)
    message = result.choices[0].message
    assert (message.content, message.reasoning_content) == ("4", "Hmm, 2+2")
    assert result.choices[0].finish_reason == "stop"
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (9, 4)
    assert chunks[-1].choices == [] and chunks[-2].choices[0].finish_reason == "stop"


def test_no_usage_chunk_unless_asked() -> None:
    assert all(c.usage is None for c in run(THINK_THEN_TEXT))


@pytest.mark.parametrize("size", [1, 5, 1000])
def test_tool_calls_get_indexes_and_ids(size: int) -> None:
    chunks = list(
        modelmux.completion("ollama/qwen3", HI, api_key=KEY, stream=True, transport=transport(TOOL, size=size))
    )
    deltas = [tc for c in chunks for ch in c.choices for tc in ch.delta.tool_calls or []]
    assert [d.index for d in deltas] == [0, 1]
    assert all(d.id and d.type == "function" for d in deltas)
    result = modelmux.stream_chunk_builder(chunks)
    assert result.choices[0].finish_reason == "tool_calls"
    calls = result.choices[0].message.tool_calls
    assert [(c.function.name, json.loads(c.function.arguments)) for c in calls] == [
        ("get_weather", {"city": "Paris"}),
        ("get_time", {}),
    ]


def test_generate_stream() -> None:
    lines = [{"response": "Hel", "done": False}, {"response": "lo", "done": False}, {"response": "", "done": True}]
    chunks = run(lines, extra_body={"raw": True})
    assert modelmux.stream_chunk_builder(chunks).choices[0].message.content == "Hello"


def test_a_stream_without_its_final_object_is_an_upstream_error() -> None:
    with pytest.raises(UpstreamError, match="done: true"):
        run(THINK_THEN_TEXT[:-1])


def test_a_cut_last_line_is_an_upstream_error() -> None:
    body = "".join(json.dumps(x) + "\n" for x in THINK_THEN_TEXT).encode()[:-20]
    with pytest.raises(UpstreamError):
        run(body)


@pytest.mark.parametrize(
    ("error", "cls"),
    [("llama runner process has terminated", InternalServerError), ({"message": "gone", "code": 404}, NotFoundError)],
)
def test_an_error_line_mid_stream(error: Any, cls: type[Exception]) -> None:
    stream = modelmux.completion(
        "ollama/qwen3", HI, api_key=KEY, stream=True, transport=transport([line({"content": "a"}), {"error": error}])
    )
    first = next(stream)
    assert first.choices[0].delta.content == "a"
    with pytest.raises(cls) as info:
        next(stream)
    assert KEY not in str(info.value) + repr(info.value)


def test_nothing_after_the_final_object_counts() -> None:
    chunks = run([*THINK_THEN_TEXT, line({"content": "late"})])
    assert modelmux.stream_chunk_builder(chunks).choices[0].message.content == "4"


def test_async_stream_sends_stream_true() -> None:
    seen: list[httpx.Request] = []

    async def go() -> list[modelmux.ChatCompletionChunk]:
        stream = await modelmux.acompletion(
            "ollama/qwen3", HI, api_key=KEY, stream=True, transport=transport(THINK_THEN_TEXT, seen=seen)
        )
        return [c async for c in stream]

    chunks = asyncio.run(go())
    assert modelmux.stream_chunk_builder(chunks).choices[0].message.content == "4"
    assert seen[0].url.path == "/api/chat" and json.loads(seen[0].content)["stream"] is True


def test_streamed_equals_whole() -> None:
    whole = "\n".join(json.dumps(x) for x in TOOL).encode()
    result = modelmux.completion(
        "ollama/qwen3", HI, api_key=KEY, transport=httpx.MockTransport(lambda r: httpx.Response(200, content=whole))
    )
    streamed = modelmux.stream_chunk_builder(run(TOOL, stream_options={"include_usage": True}))
    assert result.choices[0].message.content == streamed.choices[0].message.content
    names = [(c.function.name, c.function.arguments) for c in result.choices[0].message.tool_calls or []]
    assert names == [(c.function.name, c.function.arguments) for c in streamed.choices[0].message.tool_calls or []]
    assert result.usage == streamed.usage
