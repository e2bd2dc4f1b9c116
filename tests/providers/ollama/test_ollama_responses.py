"""Native answers → ChatCompletion (object in, object out): text, thinking, tool calls, done_reason, usage, errors."""

from __future__ import annotations

import json
from typing import Any

import openai.types.chat as oa
import pytest
from ollama._types import ChatResponse, GenerateResponse
from ollama_helpers import ctx

from modelmux.errors import ContextWindowExceededError, InternalServerError, NotFoundError, UpstreamError
from modelmux.providers.ollama import provider
from modelmux.providers.ollama.map_done_reason import DONE_REASONS, map_done_reason


def chat_doc(message: dict[str, Any], **extra: Any) -> dict[str, Any]:
    doc = {
        "model": "qwen3:0.6b",
        "created_at": "2025-06-01T10:00:00Z",
        "message": {"role": "assistant", **message},
        "done": True,
        "done_reason": "stop",
        "prompt_eval_count": 12,
        "eval_count": 5,
        **extra,
    }
    ChatResponse.model_validate(doc)  # the fixture is what the SDK reads too
    return doc


def parse(doc: Any) -> Any:
    result = provider.parse_chat_response(json.dumps(doc).encode(), ctx())
    oa.ChatCompletion.model_validate(result.model_dump())
    return result


def test_text_thinking_and_usage() -> None:
    result = parse(chat_doc({"content": "4", "thinking": "2+2"}))
    message = result.choices[0].message
    assert (message.content, message.reasoning_content) == ("4", "2+2")
    assert result.model == "qwen3:0.6b"
    assert result.choices[0].finish_reason == "stop" and result.choices[0].model_extra["native_finish_reason"] == "stop"
    assert (result.usage.prompt_tokens, result.usage.completion_tokens, result.usage.total_tokens) == (12, 5, 17)


def test_tool_calls_come_back_as_openai_tool_calls() -> None:
    calls = [
        {"function": {"name": "get_weather", "arguments": {"city": "Paris"}}},
        {"function": {"name": "get_weather", "arguments": {"city": "Oslo"}}},
    ]
    result = parse(chat_doc({"content": "", "tool_calls": calls}))
    choice = result.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    got = choice.message.tool_calls
    assert [(c.function.name, json.loads(c.function.arguments)) for c in got] == [
        ("get_weather", {"city": "Paris"}),
        ("get_weather", {"city": "Oslo"}),
    ]
    assert all(c.id.startswith("call_") for c in got) and got[0].id != got[1].id


def test_ollamas_own_tool_call_id_is_kept() -> None:
    call = {"id": "call_abc", "function": {"index": 0, "name": "f", "arguments": {}}}
    result = parse(chat_doc({"content": "", "tool_calls": [call]}))
    assert result.choices[0].message.tool_calls[0].id == "call_abc"
    assert result.choices[0].message.tool_calls[0].function.arguments == "{}"


def test_generate_answer() -> None:
    doc = {"model": "llama3.1", "response": "Hi!", "done": True, "done_reason": "length", "eval_count": 3}
    GenerateResponse.model_validate(doc)
    result = parse(doc)
    assert result.choices[0].message.content == "Hi!" and result.choices[0].finish_reason == "length"
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (0, 3)  # cached prompt: no count


@pytest.mark.parametrize(("native", "finish"), [*DONE_REASONS.items(), (None, "stop"), ("something_new", "stop")])
def test_done_reasons(native: str | None, finish: str) -> None:
    assert map_done_reason(native, False) == finish
    doc = chat_doc({"content": "x"})
    doc["done_reason"] = native
    assert parse(doc).choices[0].finish_reason == finish


def test_done_reason_table_is_explicit() -> None:
    assert DONE_REASONS == {"stop": "stop", "length": "length", "load": "stop", "unload": "stop"}
    assert map_done_reason("length", True) == "length"  # a cut tool call is still cut


def test_a_broken_off_answer_is_an_error() -> None:
    with pytest.raises(UpstreamError):
        parse(chat_doc({"content": "partial"}, done_reason="connection_closed"))


def test_an_unfinished_object_is_an_error_not_a_short_success() -> None:
    doc = chat_doc({"content": "partial"})
    doc["done"] = False
    with pytest.raises(UpstreamError):
        parse(doc)


def test_ndjson_answer_to_a_whole_request() -> None:
    lines = [
        {"message": {"role": "assistant", "content": "Hel"}, "done": False},
        {"message": {"role": "assistant", "content": "lo"}, "done": False},
        chat_doc({"content": ""}),
    ]
    body = "\n".join(json.dumps(line) for line in lines).encode()
    result = provider.parse_chat_response(body, ctx())
    assert result.choices[0].message.content == "Hello" and result.usage.prompt_tokens == 12


def test_an_error_in_a_200() -> None:
    with pytest.raises(InternalServerError, match="llama runner process has terminated"):
        parse({"error": "llama runner process has terminated: exit status 2"})


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (404, {"error": "model 'llama9' not found, try pulling it first"}, NotFoundError),
        (400, {"error": "prompt too long; exceeded max context length by 12 tokens"}, ContextWindowExceededError),
        (500, {"error": "unexpected server error"}, InternalServerError),
    ],
)
def test_error_statuses(status: int, body: dict[str, Any], cls: type[Exception]) -> None:
    err = provider.map_error(status, {}, json.dumps(body).encode(), ctx(api_key="sk-secret-key-123456789"))
    assert type(err) is cls and err.message == body["error"] and err.status_code == status


def test_garbage_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        provider.parse_chat_response(b"<html>oops</html>", ctx())
