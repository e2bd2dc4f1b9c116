"""What every server kind shares: templates chosen by argument, tools, reasoning, errors, bounds."""

from __future__ import annotations

import json

import pytest

import modelmux
from modelmux.errors import (
    BadRequestError,
    UnsupportedParamsError,
    UpstreamError,
)

from .tc_helpers import (
    TOOLS,
    Server,
    call,
    llamacpp_final,
    openai_answer,
)


@pytest.mark.parametrize("model", ["text-completion-openai/x", "llamacpp/x", "tgi/x"])
def test_chat_template_argument_and_kwargs(model: str) -> None:
    server = Server(
        {"content": "ok", "stop": True}
        if "llamacpp" in model
        else {"generated_text": "ok"}
        if "tgi" in model
        else openai_answer("ok")
    )
    call(
        model,
        server,
        chat_template="{{ greeting }} {{ messages[-1].content }}",
        chat_template_kwargs={"greeting": "Hey"},
    )
    prompt = server.body.get("prompt") or server.body.get("inputs")
    assert prompt == "Hey Capital of France?"
    assert "chat_template" not in json.dumps(server.body)


def test_unknown_model_without_template_is_refused_before_sending() -> None:
    server = Server(openai_answer("x"))
    with pytest.raises(BadRequestError, match="chat_template"):
        call("text-completion-openai/my-finetune", server)
    assert server.requests == []


def test_tools_on_a_template_without_tool_syntax_are_unsupported() -> None:
    with pytest.raises(UnsupportedParamsError):
        call("llamacpp/x", Server(llamacpp_final("x")), chat_template="gemma", tools=TOOLS)
    server = Server(llamacpp_final("x"))
    with pytest.warns(Warning):
        call("llamacpp/x", server, chat_template="gemma", tools=TOOLS, drop_params=True)
    assert "tools" not in server.body["prompt"]


def test_forced_tool_choice_and_images_are_unsupported() -> None:
    with pytest.raises(UnsupportedParamsError):
        call("llamacpp/x", Server(llamacpp_final()), chat_template="qwen2.5", tools=TOOLS, tool_choice="required")
    image = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "http://x/y.png"}}]}]
    with pytest.raises(UnsupportedParamsError):
        call("llamacpp/x", Server(llamacpp_final()), chat_template="qwen2.5", messages=image)


def test_tool_choice_none_renders_no_tools() -> None:
    server = Server(llamacpp_final('<tool_call>{"name": "f", "arguments": {}}</tool_call>'))
    result = call("llamacpp/x", server, chat_template="qwen2.5", tools=TOOLS, tool_choice="none")
    assert "<tools>" not in server.body["prompt"]
    assert result.choices[0].message.tool_calls is None


def test_tool_results_go_back_into_the_prompt() -> None:
    messages = [
        {"role": "user", "content": "Weather?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "21C"},
    ]
    server = Server(llamacpp_final("Warm."))
    call("llamacpp/x", server, chat_template="qwen2.5", tools=TOOLS, messages=messages)
    assert (
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|>\n'
        in server.body["prompt"]
    )
    assert (
        "<|im_start|>user\n<tool_response>\n21C\n</tool_response><|im_end|>\n<|im_start|>assistant\n"
        in server.body["prompt"]
    )


def test_deepseek_reasoning_is_separated() -> None:
    server = Server(openai_answer("<think>\nEasy.\n</think>\n\nParis."))
    result = call("text-completion-openai/deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", server)
    assert result.choices[0].message.content == "Paris."
    assert result.choices[0].message.reasoning_content == "Easy.\n"


def test_garbage_answer_is_an_upstream_error() -> None:
    with pytest.raises(UpstreamError):
        call("text-completion-openai/Qwen/Qwen2.5-7B-Instruct", Server({"choices": []}))
    with pytest.raises(UpstreamError):
        call("llamacpp/Llama-3.1-8B-Instruct", Server({"unexpected": True}))


def test_key_never_appears_in_errors() -> None:
    body = {"error": {"message": "bad key sk-secret-123456", "type": "authentication_error"}}
    with pytest.raises(modelmux.errors.AuthenticationError) as info:
        call("text-completion-openai/Qwen/Qwen2.5-7B-Instruct", Server(body, status=401), api_key="sk-secret-123456")
    assert "sk-secret-123456" not in str(info.value) and "sk-secret-123456" not in json.dumps(info.value.body)


def test_stop_strings_are_bounded() -> None:
    server = Server(llamacpp_final("x"))
    with pytest.raises(BadRequestError, match="stop"):
        call("llamacpp/Llama-3.1-8B-Instruct", server, stop=["x" * 1001])
    with pytest.raises(BadRequestError, match="stop"):
        call("llamacpp/Llama-3.1-8B-Instruct", server, stop=[f"s{i}" for i in range(17)])
    assert server.requests == []


def test_response_format_per_server_kind() -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    fmt = {"type": "json_schema", "json_schema": {"name": "c", "schema": schema}}
    server = Server(llamacpp_final("{}"))
    call("llamacpp/Llama-3.1-8B-Instruct", server, response_format=fmt)
    assert server.body["json_schema"] == schema
    call("llamacpp/Llama-3.1-8B-Instruct", server, response_format={"type": "json_object"})
    assert server.body["json_schema"] == {"type": "object"}
    server = Server(openai_answer("{}"))
    call("text-completion-openai/Qwen/Qwen2.5-7B-Instruct", server, response_format=fmt)
    assert server.body["response_format"] == fmt
