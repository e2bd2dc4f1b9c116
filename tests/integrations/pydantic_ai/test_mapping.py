"""Pure mapping tests: pydantic-ai messages → OpenAI-format dicts, and modelmux answers → pydantic-ai parts/usage."""

from __future__ import annotations

import base64

import pytest
from pydantic_ai.exceptions import UserError
from pydantic_ai.messages import (
    AudioUrl,
    BinaryContent,
    CachePoint,
    DocumentUrl,
    ImageUrl,
    ModelRequest,
    ModelResponse,
    RetryPromptPart,
    SystemPromptPart,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)

from modelmux.integrations.pydantic_ai.map_messages import map_messages
from modelmux.integrations.pydantic_ai.map_response import map_finish_reason, map_response, map_usage
from modelmux.types import ChatCompletion, Usage

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def test_system_user_and_instructions() -> None:
    messages = [ModelRequest(parts=[SystemPromptPart("You are terse."), UserPromptPart("Hi")])]
    assert map_messages(messages, ["Answer in French."]) == [
        {"role": "system", "content": "You are terse."},
        {"role": "system", "content": "Answer in French."},
        {"role": "user", "content": "Hi"},
    ]


def test_multimodal_user_content() -> None:
    content = [
        "Describe",
        ImageUrl("https://example.com/cat.png", vendor_metadata={"detail": "low"}),
        BinaryContent(PNG, media_type="image/png"),
        BinaryContent(b"RIFF....", media_type="audio/wav"),
        DocumentUrl("https://example.com/a.pdf"),
        BinaryContent(b"%PDF-1.4", media_type="application/pdf", identifier="a.pdf"),
        CachePoint(),
    ]
    (user,) = map_messages([ModelRequest(parts=[UserPromptPart(content)])])
    parts = user["content"]
    assert parts[0] == {"type": "text", "text": "Describe"}
    assert parts[1] == {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "low"}}
    assert parts[2]["image_url"]["url"].startswith("data:image/png;base64,")
    assert parts[3] == {
        "type": "input_audio",
        "input_audio": {"data": base64.b64encode(b"RIFF....").decode(), "format": "wav"},
    }
    assert parts[4] == {"type": "file", "file": {"file_data": "https://example.com/a.pdf"}}
    assert parts[5]["file"]["file_data"].startswith("data:application/pdf;base64,")
    assert parts[5]["file"]["filename"] == "a.pdf"
    assert len(parts) == 6  # the cache point is a marker, not content


def test_audio_url_is_refused_clearly() -> None:
    with pytest.raises(UserError, match="AudioUrl"):
        map_messages([ModelRequest(parts=[UserPromptPart([AudioUrl("https://example.com/a.mp3")])])])


@pytest.mark.filterwarnings("ignore:.*RetryPromptPart.*")  # the legacy part is still accepted (pydantic-ai < 3)
def test_tool_round_trip_and_retry() -> None:
    call = ToolCallPart("get_weather", {"city": "Paris"}, tool_call_id="call_1")
    messages = [
        ModelRequest(parts=[UserPromptPart("Weather?")]),
        ModelResponse(parts=[TextPart("Let me check."), call]),
        ModelRequest(parts=[ToolReturnPart("get_weather", {"temp": 21}, tool_call_id="call_1")]),
        ModelResponse(parts=[ToolCallPart("get_weather", '{"city": 1}', tool_call_id="call_2")]),
        ModelRequest(parts=[RetryPromptPart("city must be a string", tool_name="get_weather", tool_call_id="call_2")]),  # type: ignore[call-arg]
    ]
    out = map_messages(messages)
    assert out[1] == {
        "role": "assistant",
        "content": "Let me check.",
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}}
        ],
    }
    assert out[2]["role"] == "tool" and out[2]["tool_call_id"] == "call_1" and "21" in out[2]["content"]
    assert out[3]["content"] is None and out[3]["tool_calls"][0]["function"]["arguments"] == '{"city":1}'
    assert out[4]["role"] == "tool" and out[4]["tool_call_id"] == "call_2"
    assert "city must be a string" in out[4]["content"]


def test_signed_thinking_goes_back_as_blocks() -> None:
    response = ModelResponse(
        parts=[
            ThinkingPart("Let me think.", signature="sig-1", provider_name="anthropic"),
            ThinkingPart("", id="redacted_thinking", signature="opaque", provider_name="anthropic"),
            TextPart("42"),
        ]
    )
    (assistant,) = map_messages([response])
    assert assistant["reasoning_content"] == "Let me think."
    assert assistant["thinking_blocks"] == [
        {"type": "thinking", "thinking": "Let me think.", "signature": "sig-1"},
        {"type": "redacted_thinking", "data": "opaque"},
    ]


def test_unprepared_parts_name_the_missing_step() -> None:
    from pydantic_ai.messages import RetryFeedbackPart

    part = RetryFeedbackPart.__new__(RetryFeedbackPart)
    with pytest.raises(UserError, match="prepare_messages"):
        map_messages([ModelRequest(parts=[part])])


def test_response_parts_usage_and_finish() -> None:
    completion = ChatCompletion.model_validate(
        {
            "id": "chatcmpl-1",
            "created": 1700000000,
            "model": "claude-sonnet-4",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "tool_calls",
                    "message": {
                        "role": "assistant",
                        "content": "Checking.",
                        "reasoning_content": "hmm",
                        "thinking_blocks": [{"type": "thinking", "thinking": "hmm", "signature": "s"}],
                        "tool_calls": [{"id": "t1", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
                    },
                }
            ],
            "usage": {
                "prompt_tokens": 100,
                "completion_tokens": 20,
                "total_tokens": 120,
                "prompt_tokens_details": {"cached_tokens": 60},
                "completion_tokens_details": {"reasoning_tokens": 5},
                "cache_creation_input_tokens": 30,
                "cache_read_input_tokens": 60,
            },
        }
    )
    response = map_response(completion, "anthropic/claude-sonnet-4", "anthropic")
    kinds = [type(p).__name__ for p in response.parts]
    assert kinds == ["ThinkingPart", "TextPart", "ToolCallPart"]
    assert response.parts[0].signature == "s"  # type: ignore[union-attr]
    assert response.finish_reason == "tool_call"
    assert response.provider_details and response.provider_details["finish_reason"] == "tool_calls"
    usage = response.usage
    assert (usage.input_tokens, usage.output_tokens) == (100, 20)
    assert (usage.cache_read_tokens, usage.cache_write_tokens, usage.output_reasoning_tokens) == (60, 30, 5)


def test_refusal_is_a_content_filter_finish() -> None:
    completion = ChatCompletion.model_validate(
        {"choices": [{"finish_reason": "stop", "message": {"role": "assistant", "refusal": "I can't help."}}]}
    )
    response = map_response(completion, "openai/gpt-4o", "openai")
    assert response.finish_reason == "content_filter" and response.parts == []
    assert response.provider_details == {"finish_reason": "stop", "refusal": "I can't help."}


def test_missing_usage_is_unmeasured() -> None:
    assert map_usage(None).unmeasured_requests == 1
    assert map_usage(Usage(prompt_tokens=3, completion_tokens=4, total_tokens=7)).input_tokens == 3


@pytest.mark.parametrize(
    ("raw", "mapped"),
    [
        ("stop", "stop"),
        ("length", "length"),
        ("tool_calls", "tool_call"),
        ("content_filter", "content_filter"),
        ("x", None),
        (None, None),
    ],
)
def test_finish_reasons(raw: str | None, mapped: str | None) -> None:
    assert map_finish_reason(raw) == mapped


class FakeStream:
    """An async stream of given chunks (what ``modelmux.acompletion(stream=True)`` yields)."""

    def __init__(self, chunks: list[dict[str, object]]) -> None:
        from modelmux.types import ChatCompletionChunk

        self.chunks = [ChatCompletionChunk.model_validate(c) for c in chunks]
        self.closed = False

    def __aiter__(self) -> FakeStream:
        return self

    async def __anext__(self) -> object:
        if not self.chunks:
            raise StopAsyncIteration
        return self.chunks.pop(0)

    async def aclose(self) -> None:
        self.closed = True


def _delta(**delta: object) -> dict[str, object]:
    return {"choices": [{"index": 0, "delta": delta}]}


@pytest.mark.anyio
async def test_stream_parts_text_tool_text_and_thinking() -> None:
    from pydantic_ai.models import ModelRequestParameters

    from modelmux.integrations.pydantic_ai.stream import ModelmuxStreamedResponse

    call = {"index": 0, "id": "c1", "function": {"name": "f", "arguments": '{"a"'}}
    chunks = [
        _delta(reasoning_content="Think"),
        _delta(reasoning_content="ing."),
        _delta(thinking_blocks=[{"type": "thinking", "thinking": "Thinking.", "signature": "sig"}]),
        _delta(content="Before "),
        _delta(content="tool."),
        _delta(tool_calls=[call]),
        _delta(tool_calls=[{"index": 0, "function": {"arguments": ": 1}"}}]),
        _delta(content="After."),
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
        {"choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}},
    ]
    fake = FakeStream(chunks)
    stream = ModelmuxStreamedResponse(
        model_request_parameters=ModelRequestParameters(),
        _model_name="x/y",
        _provider_name="x",
        _provider_url=None,
        _stream=fake,  # type: ignore[arg-type]
    )
    [e async for e in stream]
    response = stream.get()
    assert [type(p).__name__ for p in response.parts] == ["ThinkingPart", "TextPart", "ToolCallPart", "TextPart"]
    thinking, before, tool, after = response.parts
    assert (thinking.content, thinking.signature) == ("Thinking.", "sig")  # type: ignore[union-attr]
    assert before.content == "Before tool." and after.content == "After."  # type: ignore[union-attr]
    assert tool.args_as_dict() == {"a": 1}  # type: ignore[union-attr]
    assert response.finish_reason == "tool_call"
    assert (response.usage.input_tokens, response.usage.output_tokens) == (7, 3)
    await stream.close_stream()
    assert fake.closed
