"""Responses input items → chat messages: every item type, and the refusals."""

from __future__ import annotations

from typing import Any

import pytest

from modelmux._responses.convert_input import convert_input, reasoning_payload, thinking_from_reasoning
from modelmux.errors import BadRequestError


def test_a_string_is_one_user_message() -> None:
    assert convert_input("Hi") == [{"role": "user", "content": "Hi"}]


def test_messages_of_every_role_and_part() -> None:
    items: list[Any] = [
        {"role": "system", "content": "Be brief."},
        {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "Rules"}]},
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "Look:"},
                {"type": "input_image", "image_url": "https://x/cat.png", "detail": "low"},
                {"type": "input_file", "file_data": "JVBERi0x", "filename": "a.pdf"},
                {"type": "input_file", "file_data": "data:text/plain;base64,aGk="},
            ],
        },
        {"role": "assistant", "content": [{"type": "output_text", "text": "A cat", "annotations": []}]},
    ]
    assert convert_input(items) == [
        {"role": "system", "content": "Be brief."},
        {"role": "developer", "content": [{"type": "text", "text": "Rules"}]},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Look:"},
                {"type": "image_url", "image_url": {"url": "https://x/cat.png", "detail": "low"}},
                {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0x", "filename": "a.pdf"}},
                {"type": "file", "file": {"file_data": "data:text/plain;base64,aGk="}},
            ],
        },
        {"role": "assistant", "content": "A cat"},
    ]


def test_function_calls_join_the_assistant_message_and_outputs_become_tool_messages() -> None:
    items = [
        {"role": "user", "content": "Weather in Oslo and Bergen?"},
        {"role": "assistant", "content": [{"type": "output_text", "text": "Checking."}]},
        {"type": "function_call", "call_id": "c1", "name": "weather", "arguments": '{"city":"Oslo"}'},
        {"type": "function_call", "call_id": "c2", "name": "weather", "arguments": '{"city":"Bergen"}'},
        {"type": "function_call_output", "call_id": "c1", "output": "sunny"},
        {"type": "function_call_output", "call_id": "c2", "output": [{"type": "input_text", "text": "rain"}]},
    ]
    messages = convert_input(items)
    assert messages[1] == {
        "role": "assistant",
        "content": "Checking.",
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "weather", "arguments": '{"city":"Oslo"}'}},
            {"id": "c2", "type": "function", "function": {"name": "weather", "arguments": '{"city":"Bergen"}'}},
        ],
    }
    assert messages[2:] == [
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
        {"role": "tool", "tool_call_id": "c2", "content": "rain"},
    ]


def test_a_function_call_after_a_tool_result_opens_a_new_assistant_message() -> None:
    items = [
        {"role": "user", "content": "go"},
        {"type": "function_call", "call_id": "a", "name": "f", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "a", "output": "1"},
        {"type": "function_call", "call_id": "b", "name": "f", "arguments": "{}"},
    ]
    roles = [m["role"] for m in convert_input(items)]
    assert roles == ["user", "assistant", "tool", "assistant"]


def test_reasoning_goes_on_the_next_assistant_message_with_its_thinking_blocks() -> None:
    blocks = [{"type": "thinking", "thinking": "hmm", "signature": "sig=="}]
    items = [
        {"role": "user", "content": "2+2?"},
        {
            "type": "reasoning",
            "id": "rs_1",
            "summary": [{"type": "summary_text", "text": "Adding."}],
            "encrypted_content": reasoning_payload(blocks),
        },
        {"type": "function_call", "call_id": "c", "name": "add", "arguments": "{}"},
    ]
    assistant = convert_input(items)[1]
    assert assistant["reasoning_content"] == "Adding."
    assert assistant["thinking_blocks"] == blocks
    assert assistant["tool_calls"][0]["id"] == "c"


def test_openai_encrypted_reasoning_is_not_mistaken_for_thinking_blocks() -> None:
    assert thinking_from_reasoning({"encrypted_content": "gAAAAB..."}) is None
    assert thinking_from_reasoning({"encrypted_content": "modelmux:thinking:!!notbase64"}) is None


def test_a_refusal_part_on_an_assistant_message() -> None:
    (message,) = convert_input([{"role": "assistant", "content": [{"type": "refusal", "refusal": "No."}]}])
    assert message == {"role": "assistant", "content": None, "refusal": "No."}


@pytest.mark.parametrize(
    ("items", "param"),
    [
        ([{"type": "web_search_call", "id": "ws"}], "input[0].type"),
        ([{"type": "item_reference", "id": "msg_1"}], "input[0].type"),
        ([{"role": "user", "content": [{"type": "input_image", "file_id": "file-1"}]}], "input[0].content[0]"),
        ([{"role": "user", "content": [{"type": "input_file", "file_url": "https://x/a.pdf"}]}], "input[0].content[0]"),
        ([{"role": "user", "content": [{"type": "input_audio"}]}], "input[0].content[0]"),
        ([{"role": "tool", "content": "x"}], "input[0].role"),
        ([{"type": "function_call", "call_id": "c", "name": "f"}], "input[0].arguments"),
        ([{"type": "function_call_output", "call_id": "c", "output": [{"type": "input_image"}]}], "input[0].output"),
        (["just a string"], "input[0]"),
        ([{"role": "assistant", "content": [{"type": "input_image", "image_url": "x"}]}], "input[0].content[0]"),
    ],
)
def test_what_cannot_be_translated_is_a_bad_request_naming_the_place(items: list[Any], param: str) -> None:
    with pytest.raises(BadRequestError) as info:
        convert_input(items)
    assert info.value.param == param
    assert info.value.status_code == 400
