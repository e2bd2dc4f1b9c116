"""A chat completion → a ``Response`` object, checked with the ``openai`` SDK's own type."""

from __future__ import annotations

from typing import Any

from openai.types.responses import Response

from modelmux._responses.convert_input import convert_input
from modelmux._responses.convert_output import convert_completion, skeleton
from modelmux.types import ChatCompletion

BODY = {"input": "Hi", "instructions": "Sys", "metadata": {"k": "v"}, "temperature": 0.3}


def completion(message: dict[str, Any], finish: str = "stop", usage: dict[str, Any] | None = None) -> ChatCompletion:
    return ChatCompletion.model_validate(
        {
            "id": "c",
            "model": "x",
            "choices": [{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish}],
            "usage": usage or {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }
    )


def convert(result: ChatCompletion, body: dict[str, Any] | None = None) -> Response:
    data = convert_completion(result, skeleton(body or BODY, model="pub/model"))
    return Response.model_validate(data)


def test_a_text_answer() -> None:
    usage = {
        "prompt_tokens": 10,
        "completion_tokens": 5,
        "total_tokens": 15,
        "prompt_tokens_details": {"cached_tokens": 4},
        "completion_tokens_details": {"reasoning_tokens": 2},
    }
    response = convert(completion({"content": "Hello"}, usage=usage))
    assert response.id.startswith("resp_") and response.object == "response"
    assert response.status == "completed" and response.incomplete_details is None
    assert response.model == "pub/model" and response.instructions == "Sys" and response.metadata == {"k": "v"}
    assert response.temperature == 0.3
    assert response.output_text == "Hello"
    (message,) = response.output
    assert message.type == "message" and message.id.startswith("msg_") and message.status == "completed"
    assert response.usage is not None
    assert (response.usage.input_tokens, response.usage.output_tokens, response.usage.total_tokens) == (10, 5, 15)
    assert response.usage.input_tokens_details.cached_tokens == 4
    assert response.usage.output_tokens_details.reasoning_tokens == 2


def test_tool_calls_reasoning_and_annotations() -> None:
    result = completion(
        {
            "content": "See [1]",
            "reasoning_content": "thinking...",
            "thinking_blocks": [{"type": "thinking", "thinking": "thinking...", "signature": "s1"}],
            "annotations": [
                {
                    "type": "url_citation",
                    "url_citation": {"url": "https://a", "title": "A", "start_index": 4, "end_index": 7},
                }
            ],
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": '{"a":1}'}},
                {"id": "call_2", "type": "function", "function": {"name": "g", "arguments": "{}"}},
            ],
        },
        finish="tool_calls",
    )
    response = convert(result, {"input": "x", "tools": [{"type": "function", "name": "f", "parameters": {}}]})
    kinds = [item.type for item in response.output]
    assert kinds == ["reasoning", "message", "function_call", "function_call"]
    reasoning, message, first, second = response.output
    assert reasoning.summary[0].text == "thinking..."
    assert message.content[0].annotations[0].url == "https://a"
    assert (first.call_id, first.name, first.arguments) == ("call_1", "f", '{"a":1}')
    assert second.call_id == "call_2"
    assert response.tools[0].name == "f"
    # The reasoning item goes back in as the thinking blocks (signature and all) on the next turn.
    items = [{"role": "user", "content": "x"}, *(item.model_dump(exclude_none=True) for item in response.output)]
    assistant = convert_input(items)[1]
    assert assistant["thinking_blocks"] == [{"type": "thinking", "thinking": "thinking...", "signature": "s1"}]
    assert [c["id"] for c in assistant["tool_calls"]] == ["call_1", "call_2"]


def test_length_is_incomplete() -> None:
    response = convert(completion({"content": "Hel"}, finish="length"))
    assert response.status == "incomplete"
    assert response.incomplete_details is not None and response.incomplete_details.reason == "max_output_tokens"
    assert response.output[0].status == "incomplete"


def test_content_filter_is_incomplete() -> None:
    response = convert(completion({"content": None}, finish="content_filter"))
    assert response.status == "incomplete" and response.incomplete_details is not None
    assert response.incomplete_details.reason == "content_filter"
    assert response.output == []


def test_a_refusal() -> None:
    response = convert(completion({"content": None, "refusal": "I can't."}))
    assert response.output[0].content[0].type == "refusal"
    assert response.output_text == ""


def test_output_items_are_valid_input_items_for_the_next_turn() -> None:
    """What a client sends back (the output items as they came) is valid input by the SDK's own request types."""
    from openai.types.responses import ResponseInputParam
    from pydantic import TypeAdapter

    result = completion(
        {
            "content": "Hi",
            "reasoning_content": "r",
            "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
        },
        finish="tool_calls",
    )
    items = convert_completion(result, skeleton(BODY, model="m"))["output"]
    TypeAdapter(ResponseInputParam).validate_python(items)
    assert [m["role"] for m in convert_input(items)] == ["assistant"]
