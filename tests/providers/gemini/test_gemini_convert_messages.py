from __future__ import annotations

import json
from typing import Any

import pytest
from google.genai import types as genai

from modelmux.errors import BadRequestError
from modelmux.providers.gemini.convert_messages import convert_messages


def convert(messages: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    system, contents = convert_messages(messages)
    for content in contents:
        genai.Content.model_validate(content)
    if system is not None:
        genai.Content.model_validate(system)
    return system, contents


def call(call_id: str, name: str, args: Any) -> dict[str, Any]:
    arguments = args if isinstance(args, str) else json.dumps(args)
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def test_system_and_developer_anywhere_become_system_instruction() -> None:
    system, contents = convert(
        [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi"},
            {"role": "developer", "content": [{"type": "text", "text": "Use French."}]},
            {"role": "assistant", "content": "Salut"},
        ]
    )
    assert system == {"parts": [{"text": "Be brief."}, {"text": "Use French."}]}
    assert contents == [
        {"role": "user", "parts": [{"text": "Hi"}]},
        {"role": "model", "parts": [{"text": "Salut"}]},
    ]


def test_consecutive_same_role_turns_are_merged_and_empty_ones_dropped() -> None:
    _, contents = convert(
        [
            {"role": "user", "content": "one"},
            {"role": "user", "content": [{"type": "text", "text": "two"}]},
            {"role": "assistant", "content": ""},
            {"role": "user", "content": "three"},
        ]
    )
    assert contents == [{"role": "user", "parts": [{"text": "one"}, {"text": "two"}, {"text": "three"}]}]


def test_only_system_messages_is_a_clear_error() -> None:
    with pytest.raises(BadRequestError, match="at least one user or assistant message"):
        convert_messages([{"role": "system", "content": "x"}])


def test_images_data_url_inline_and_http_url_as_file_data() -> None:
    _, contents = convert(
        [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Compare"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
                    {"type": "image_url", "image_url": {"url": "https://example.com/cat.PNG?x=1", "detail": "low"}},
                    {"type": "image_url", "image_url": {"url": "https://example.com/photo"}},
                    {"type": "image_url", "image_url": "gs://bucket/doc.pdf"},
                ],
            }
        ]
    )
    assert contents[0]["parts"] == [
        {"text": "Compare"},
        {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
        {"fileData": {"mimeType": "image/png", "fileUri": "https://example.com/cat.PNG?x=1"}},
        {"fileData": {"mimeType": "image/jpeg", "fileUri": "https://example.com/photo"}},
        {"fileData": {"mimeType": "application/pdf", "fileUri": "gs://bucket/doc.pdf"}},
    ]


def test_audio_and_file_parts() -> None:
    _, contents = convert(
        [
            {
                "role": "user",
                "content": [
                    {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "mp3"}},
                    {
                        "type": "file",
                        "file": {"file_data": "data:application/pdf;base64,JVBERi0=", "filename": "a.pdf"},
                    },
                    {"type": "file", "file": {"file_id": "https://generativelanguage.googleapis.com/v1beta/files/abc"}},
                ],
            }
        ]
    )
    assert contents[0]["parts"] == [
        {"inlineData": {"mimeType": "audio/mp3", "data": "UklGRg=="}},
        {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0="}},
        {
            "fileData": {
                "mimeType": "application/pdf",
                "fileUri": "https://generativelanguage.googleapis.com/v1beta/files/abc",
            }
        },
    ]


@pytest.mark.parametrize(
    "part",
    [
        {"type": "image_url", "image_url": {"url": "data:image/png,notbase64"}},
        {"type": "image_url", "image_url": {"url": "ftp://host/x.png"}},
        {"type": "video_url", "video_url": {"url": "https://x"}},
    ],
)
def test_bad_parts_are_clear_errors(part: dict[str, Any]) -> None:
    with pytest.raises(BadRequestError, match=r"messages\[0\]"):
        convert_messages([{"role": "user", "content": [part]}])


def test_tool_round_trip_with_function_names_from_the_calls() -> None:
    _, contents = convert(
        [
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": None, "tool_calls": [call("call_1", "get_weather", {"city": "Paris"})]},
            {"role": "tool", "tool_call_id": "call_1", "content": '{"temp": 21, "unit": "C"}'},
        ]
    )
    assert contents[1] == {  # a call of the current turn without a signature gets the placeholder (issue 7)
        "role": "model",
        "parts": [
            {
                "functionCall": {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"},
                "thoughtSignature": "skip_thought_signature_validator",
            }
        ],
    }
    assert contents[2] == {
        "role": "user",
        "parts": [{"functionResponse": {"name": "get_weather", "response": {"temp": 21, "unit": "C"}, "id": "call_1"}}],
    }


def test_non_object_tool_results_are_wrapped() -> None:
    _, contents = convert(
        [
            {"role": "user", "content": "x"},
            {"role": "assistant", "tool_calls": [call("a", "f", {}), call("b", "f", {}), call("c", "f", {})]},
            {"role": "tool", "tool_call_id": "a", "content": "plain text"},
            {"role": "tool", "tool_call_id": "b", "content": "[1, 2]"},
            {"role": "tool", "tool_call_id": "c", "content": [{"type": "text", "text": "{not json"}]},
        ]
    )
    responses = [p["functionResponse"]["response"] for p in contents[2]["parts"]]
    assert responses == [{"result": "plain text"}, {"result": "[1, 2]"}, {"result": "{not json"}]


def test_parallel_calls_and_repeated_names_pair_by_id_in_one_turn() -> None:
    _, contents = convert(
        [
            {"role": "user", "content": "Paris and London, and the time"},
            {
                "role": "assistant",
                "content": "Checking.",
                "tool_calls": [
                    call("c1", "get_weather", {"city": "Paris"}),
                    call("c2", "get_time", {}),
                    call("c3", "get_weather", {"city": "London"}),
                ],
            },
            # results arrive in another order than the calls
            {"role": "tool", "tool_call_id": "c3", "content": "rain"},
            {"role": "tool", "tool_call_id": "c1", "content": "sun"},
            {"role": "tool", "tool_call_id": "c2", "content": "noon"},
            {"role": "user", "content": "Thanks"},
        ]
    )
    assert [c["role"] for c in contents] == ["user", "model", "user"]
    assert contents[1]["parts"][0] == {"text": "Checking."}
    results = [p["functionResponse"] for p in contents[2]["parts"][:3]]
    assert [(r["name"], r["id"], r["response"]) for r in results] == [
        ("get_weather", "c3", {"result": "rain"}),
        ("get_weather", "c1", {"result": "sun"}),
        ("get_time", "c2", {"result": "noon"}),
    ]
    assert contents[2]["parts"][3] == {"text": "Thanks"}


def test_reused_ids_pair_with_the_latest_call() -> None:
    _, contents = convert(
        [
            {"role": "user", "content": "x"},
            {"role": "assistant", "tool_calls": [call("call_0", "first", {})]},
            {"role": "tool", "tool_call_id": "call_0", "content": "1"},
            {"role": "assistant", "tool_calls": [call("call_0", "second", {})]},
            {"role": "tool", "tool_call_id": "call_0", "content": "2"},
        ]
    )
    names = [p["functionResponse"]["name"] for c in contents for p in c["parts"] if "functionResponse" in p]
    assert names == ["first", "second"]


def test_tool_result_without_a_matching_call_is_a_clear_error() -> None:
    with pytest.raises(BadRequestError, match=r"messages\[2\] is a tool result for tool_call_id 'nope'") as info:
        convert_messages(
            [
                {"role": "user", "content": "x"},
                {"role": "assistant", "tool_calls": [call("yes", "f", {})]},
                {"role": "tool", "tool_call_id": "nope", "content": "r"},
            ]
        )
    assert info.value.param == "messages"


def test_tool_result_before_its_call_is_an_error() -> None:
    with pytest.raises(BadRequestError):
        convert_messages(
            [
                {"role": "user", "content": "x"},
                {"role": "tool", "tool_call_id": "later", "content": "r"},
                {"role": "assistant", "tool_calls": [call("later", "f", {})]},
            ]
        )


@pytest.mark.parametrize("arguments", ["", None])
def test_empty_arguments_are_an_empty_object(arguments: Any) -> None:
    message = {"role": "assistant", "tool_calls": [call("a", "f", "")]}
    message["tool_calls"][0]["function"]["arguments"] = arguments
    _, contents = convert([{"role": "user", "content": "x"}, message])
    assert contents[1]["parts"][0]["functionCall"]["args"] == {}


@pytest.mark.parametrize("arguments", ["[1]", "{broken"])
def test_arguments_must_be_a_json_object(arguments: str) -> None:
    with pytest.raises(BadRequestError, match="must be a JSON object"):
        convert_messages(
            [{"role": "user", "content": "x"}, {"role": "assistant", "tool_calls": [call("a", "f", arguments)]}]
        )


def test_reasoning_content_is_not_sent_back() -> None:
    _, contents = convert(
        [
            {"role": "user", "content": "x"},
            {"role": "assistant", "content": "answer", "reasoning_content": "secret thoughts"},
        ]
    )
    assert contents[1] == {"role": "model", "parts": [{"text": "answer"}]}


def test_legacy_function_role_uses_its_name() -> None:
    _, contents = convert(
        [{"role": "user", "content": "x"}, {"role": "function", "name": "lookup", "content": '{"ok": true}'}]
    )
    assert contents[0]["parts"][1] == {"functionResponse": {"name": "lookup", "response": {"ok": True}}}
