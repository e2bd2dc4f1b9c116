"""``stream_chunk_builder`` rebuilds everything a stream carried, per choice."""

from __future__ import annotations

from typing import Any

import pytest

import modelmux
from modelmux.types import ChatCompletionChunk


def chunk(*choices: dict[str, Any], usage: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": "c1", "object": "chat.completion.chunk", "created": 7, "model": "m"}
    out["choices"] = list(choices)
    if usage is not None:
        out["usage"] = usage
    return out


def choice(index: int = 0, finish: str | None = None, logprobs: Any = None, **delta: Any) -> dict[str, Any]:
    return {"index": index, "delta": delta, "finish_reason": finish, "logprobs": logprobs}


def tok(text: str) -> dict[str, Any]:
    return {"token": text, "logprob": -0.5, "bytes": list(text.encode()), "top_logprobs": []}


def test_logprobs_content_and_refusal_lists_are_concatenated() -> None:
    chunks = [
        chunk(choice(role="assistant", content="He", logprobs={"content": [tok("He")], "refusal": None})),
        chunk(choice(content="llo", logprobs={"content": [tok("llo")], "refusal": None})),
        chunk(choice(refusal="No", logprobs={"content": None, "refusal": [tok("No")]})),
        chunk(choice(finish="stop")),
    ]
    out = modelmux.stream_chunk_builder(chunks)
    logprobs = out.choices[0].logprobs
    assert [t["token"] for t in logprobs["content"]] == ["He", "llo"]
    assert [t["token"] for t in logprobs["refusal"]] == ["No"]
    assert out.choices[0].message.content == "Hello" and out.choices[0].message.refusal == "No"


def test_no_logprobs_stays_none() -> None:
    out = modelmux.stream_chunk_builder([chunk(choice(content="x", finish="stop"))])
    assert out.choices[0].logprobs is None


def test_streamed_audio_is_joined() -> None:
    chunks = [
        chunk(choice(role="assistant", audio={"id": "audio_1", "transcript": "Hel"})),
        chunk(choice(audio={"data": "AAA"})),
        chunk(choice(audio={"data": "BBB", "transcript": "lo"})),
        chunk(choice(audio={"expires_at": 1700000000}, finish="stop")),
    ]
    audio = modelmux.stream_chunk_builder(chunks).choices[0].message.model_dump()["audio"]
    assert audio == {"id": "audio_1", "data": "AAABBB", "transcript": "Hello", "expires_at": 1700000000}


def test_legacy_function_call_keeps_its_name() -> None:
    chunks = [
        chunk(choice(role="assistant", function_call={"name": "get_weather", "arguments": ""})),
        chunk(choice(function_call={"arguments": '{"city":'})),
        chunk(choice(function_call={"arguments": ' "Paris"}'}, finish="function_call")),
    ]
    out = modelmux.stream_chunk_builder(chunks)
    message = out.choices[0].message.model_dump()
    assert message["function_call"] == {"name": "get_weather", "arguments": '{"city": "Paris"}'}
    assert out.choices[0].finish_reason == "function_call"


def test_annotations_are_kept() -> None:
    cite = {
        "type": "url_citation",
        "url_citation": {"url": "https://x", "title": "X", "start_index": 0, "end_index": 2},
    }
    chunks = [chunk(choice(role="assistant", content="Hi")), chunk(choice(annotations=[cite], finish="stop"))]
    message = modelmux.stream_chunk_builder(chunks).choices[0].message.model_dump()
    assert message["annotations"] == [cite]


def test_function_and_custom_tool_calls() -> None:
    chunks = [
        chunk(
            choice(
                role="assistant",
                tool_calls=[
                    {"index": 0, "id": "call_a", "type": "function", "function": {"name": "f", "arguments": ""}}
                ],
            )
        ),
        chunk(choice(tool_calls=[{"index": 0, "function": {"arguments": '{"x": 1}'}}])),
        chunk(choice(tool_calls=[{"index": 1, "id": "call_b", "type": "custom", "custom": {"name": "sql"}}])),
        chunk(choice(tool_calls=[{"index": 1, "custom": {"input": "SELECT "}}])),
        chunk(choice(tool_calls=[{"index": 1, "custom": {"input": "1"}}], finish="tool_calls")),
    ]
    calls = modelmux.stream_chunk_builder(chunks).choices[0].message.tool_calls
    assert calls is not None and len(calls) == 2
    assert calls[0].function is not None and calls[0].function.arguments == '{"x": 1}'
    assert calls[1].type == "custom" and calls[1].function is None
    assert (calls[1].model_extra or {})["custom"] == {"name": "sql", "input": "SELECT 1"}


def test_tool_calls_without_index_are_kept_apart_by_id() -> None:
    chunks = [
        chunk(choice(role="assistant", tool_calls=[{"id": "a", "function": {"name": "f", "arguments": "{}"}}])),
        chunk(choice(tool_calls=[{"id": "b", "function": {"name": "g", "arguments": '{"y":2}'}}], finish="tool_calls")),
    ]
    calls = modelmux.stream_chunk_builder(chunks).choices[0].message.tool_calls
    assert calls is not None and [(c.id, c.function.name) for c in calls if c.function is not None] == [
        ("a", "f"),
        ("b", "g"),
    ]


def test_each_choice_is_rebuilt_on_its_own() -> None:
    chunks = [
        chunk(choice(0, role="assistant", content="A"), choice(1, role="assistant", content="B")),
        chunk(choice(1, content="b", logprobs={"content": [tok("b")]}), choice(0, content="a")),
        chunk(choice(0, finish="stop"), choice(1, finish="length")),
        chunk(usage={"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}),
    ]
    out = modelmux.stream_chunk_builder(chunks)
    assert [(c.index, c.message.content, c.finish_reason) for c in out.choices] == [
        (0, "Aa", "stop"),
        (1, "Bb", "length"),
    ]
    assert out.choices[0].logprobs is None and [t["token"] for t in out.choices[1].logprobs["content"]] == ["b"]
    assert out.usage is not None and out.usage.total_tokens == 7


def test_accepts_litellm_arguments_and_pydantic_chunks() -> None:
    chunks = [ChatCompletionChunk.model_validate(chunk(choice(role="assistant", content="x", finish="stop")))]
    out = modelmux.stream_chunk_builder(chunks, messages=[{"role": "user", "content": "hi"}])
    assert out.choices[0].message.content == "x" and out.usage is None  # usage is never guessed


def test_no_chunks_is_an_error() -> None:
    with pytest.raises(ValueError):
        modelmux.stream_chunk_builder([])


def test_a_streamed_mock_answer_rebuilds_to_the_non_streamed_one() -> None:
    msg = [{"role": "user", "content": "hi"}]
    streamed = modelmux.stream_chunk_builder(list(modelmux.completion("mock/x", msg, stream=True)))
    whole = modelmux.completion("mock/x", msg)
    assert streamed.choices[0].message.content == whole.choices[0].message.content
