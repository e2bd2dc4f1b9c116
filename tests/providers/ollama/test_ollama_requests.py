"""OpenAI-format requests → Ollama's native bodies (dict in, dict out), checked with the ollama SDK's types."""

from __future__ import annotations

from typing import Any

import pytest
from ollama_helpers import PNG, USER, WEATHER, chat_body, ctx, validate_chat

from modelmux.errors import BadRequestError, UnsupportedParamsError
from modelmux.providers.ollama import provider


def test_plain_chat_body() -> None:
    body = chat_body({})
    assert body == {"model": "llama3.1", "stream": False, "messages": USER}


def test_stream_flag_follows_the_call() -> None:
    assert chat_body({}, stream=True)["stream"] is True


def test_sampling_and_length_go_to_options() -> None:
    body = chat_body(
        {
            "temperature": 0.2,
            "top_p": 0.9,
            "seed": 7,
            "stop": "END",
            "max_tokens": 64,
            "presence_penalty": 0.5,
            "frequency_penalty": 0.1,
        }
    )
    assert body["options"] == {
        "temperature": 0.2,
        "top_p": 0.9,
        "seed": 7,
        "stop": ["END"],
        "num_predict": 64,
        "presence_penalty": 0.5,
        "frequency_penalty": 0.1,
    }
    assert chat_body({"max_tokens": 5, "max_completion_tokens": 9})["options"] == {"num_predict": 9}
    assert chat_body({"stop": ["a", "b"]})["options"] == {"stop": ["a", "b"]}


def test_native_options_keep_alive_and_think_pass_through() -> None:
    """What Ollama's OpenAI route loses: num_ctx and other options, keep_alive, think."""
    body = chat_body(
        {"temperature": 0.5},
        extra_body={"num_ctx": 8192, "options": {"top_k": 20, "temperature": 0.1}, "keep_alive": "5m", "think": True},
    )
    assert body["options"] == {"temperature": 0.1, "num_ctx": 8192, "top_k": 20}  # the caller's options win
    assert body["keep_alive"] == "5m" and body["think"] is True


def test_options_must_be_an_object() -> None:
    with pytest.raises(BadRequestError):
        chat_body({}, extra_body={"options": "num_ctx=8192"})


def test_native_params_are_declared() -> None:
    assert {"options", "keep_alive", "think", "format", "num_ctx", "top_k", "suffix", "raw"} <= provider.native_params
    assert provider.call_options == frozenset({"ollama_endpoint"})


def test_response_format_json_mode_and_schema() -> None:
    assert chat_body({"response_format": {"type": "json_object"}})["format"] == "json"
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    rf = {"type": "json_schema", "json_schema": {"name": "City", "schema": schema, "strict": True}}
    assert chat_body({"response_format": rf})["format"] == schema
    assert "format" not in chat_body({"response_format": {"type": "text"}})
    with pytest.raises(BadRequestError):
        chat_body({"response_format": {"type": "json_schema", "json_schema": {"name": "x"}}})


@pytest.mark.parametrize(
    ("effort", "think"), [("none", False), ("minimal", False), ("low", "low"), ("medium", "medium"), ("high", "high")]
)
def test_reasoning_effort_to_think(effort: str, think: Any) -> None:
    assert chat_body({"reasoning_effort": effort})["think"] == think


def test_explicit_think_wins_over_reasoning_effort() -> None:
    assert chat_body({"reasoning_effort": "high"}, extra_body={"think": False})["think"] is False


def test_images_go_as_base64() -> None:
    content = [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
    ]
    body = chat_body({"messages": [{"role": "user", "content": content}]})
    assert body["messages"] == [{"role": "user", "content": "What is this?", "images": [PNG]}]


def test_remote_image_urls_cannot_be_fetched() -> None:
    content = [{"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]
    with pytest.raises(UnsupportedParamsError):
        chat_body({"messages": [{"role": "user", "content": content}]})
    with pytest.warns(UserWarning):
        body = chat_body({"messages": [{"role": "user", "content": content}]}, drop_params=True)
    assert body["messages"] == [{"role": "user", "content": ""}]


def test_tools_and_a_tool_round_trip() -> None:
    history = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "reasoning_content": "I should call the tool.",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
    ]
    body = chat_body({"messages": history, "tools": [WEATHER], "tool_choice": "auto"})
    assert body["tools"] == [WEATHER]
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": "",
            "thinking": "I should call the tool.",
            "tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}],
        },
        {"role": "tool", "content": "18C", "tool_name": "get_weather"},
    ]


def test_tool_choice_none_sends_no_tools_and_forcing_is_unsupported() -> None:
    assert "tools" not in chat_body({"tools": [WEATHER], "tool_choice": "none"})
    with pytest.raises(UnsupportedParamsError):
        chat_body({"tools": [WEATHER], "tool_choice": "required"})


def test_bad_tool_arguments_are_a_bad_request() -> None:
    call = {"id": "c", "type": "function", "function": {"name": "f", "arguments": "[1, 2"}}
    with pytest.raises(BadRequestError):
        chat_body({"messages": [{"role": "assistant", "content": "", "tool_calls": [call]}]})


@pytest.mark.parametrize("param", [{"logprobs": True}, {"n": 2}, {"user": "u1"}, {"service_tier": "flex"}])
def test_what_the_native_api_cannot_express(param: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedParamsError):
        chat_body(param)


def test_unknown_role_is_a_bad_request() -> None:
    with pytest.raises(BadRequestError):
        chat_body({"messages": [{"role": "narrator", "content": "x"}]})


def test_generate_on_request() -> None:
    messages = [{"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": "Name: Alice"}]
    request = provider.build_chat_request(
        {"messages": messages, "response_format": {"type": "json_object"}},
        ctx(options={"ollama_endpoint": "generate"}, extra_body={"keep_alive": 0}),
    )
    assert request.url == "http://localhost:11434/api/generate"
    assert request.json == {
        "model": "llama3.1",
        "stream": False,
        "format": "json",
        "prompt": "Name: Alice",
        "system": "Answer in JSON.",
        "keep_alive": 0,
    }


def test_generate_chosen_by_a_generate_only_field_and_multi_turn_prompt() -> None:
    messages = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Look"},
                {"type": "image_url", "image_url": f"data:image/png;base64,{PNG}"},
            ],
        },
    ]
    body = chat_body({"messages": messages}, extra_body={"raw": False})
    assert body["prompt"] == "### User:\nHi\n\n### Assistant:\nHello!\n\n### User:\nLook\n\n"
    assert body["images"] == [PNG] and body["raw"] is False
    with pytest.raises(UnsupportedParamsError):
        chat_body({"tools": [WEATHER]}, options={"ollama_endpoint": "generate"})


def test_key_and_headers() -> None:
    request = provider.build_chat_request({"messages": USER}, ctx(api_key="ollama-key", extra_headers={"x-a": "1"}))
    assert request.headers["authorization"] == "Bearer ollama-key" and request.headers["x-a"] == "1"
    assert "authorization" not in provider.build_chat_request({"messages": USER}, ctx()).headers


def test_v1_base_speaks_the_openai_dialect() -> None:
    request = provider.build_chat_request(
        {"messages": USER, "max_tokens": 5, "logprobs": True}, ctx(api_base="http://gpu:11434/v1/")
    )
    assert request.url == "http://gpu:11434/v1/chat/completions"
    assert request.json == {"model": "llama3.1", "messages": USER, "max_tokens": 5, "logprobs": True}


def test_every_request_validates_with_the_sdk() -> None:
    """A body with everything at once still passes the SDK's types (a test of the helper too)."""
    body = chat_body(
        {"tools": [WEATHER], "temperature": 0.3, "response_format": {"type": "json_object"}, "reasoning_effort": "low"},
        extra_body={"num_ctx": 4096, "keep_alive": "1m"},
    )
    validate_chat(body)
    with pytest.raises(AssertionError):
        validate_chat({**body, "temprature": 1})
