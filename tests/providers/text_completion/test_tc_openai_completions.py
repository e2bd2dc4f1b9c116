"""OpenAI-style /v1/completions (vLLM, SGLang, llama.cpp) through completion(): request, answers, streams."""

from __future__ import annotations

import json

import pytest

from modelmux import stream_chunk_builder
from modelmux.errors import (
    BadRequestError,
    UpstreamError,
)

from .tc_helpers import (
    QWEN_PROMPT,
    Server,
    call,
    openai_answer,
    openai_events,
    stream,
)


def test_openai_completions_request_and_answer() -> None:
    server = Server(openai_answer("Paris."))
    result = call(
        "text-completion-openai/Qwen/Qwen2.5-7B-Instruct",
        server,
        api_base="http://vllm:8000/v1",
        api_key="sk-local",
        temperature=0.2,
        max_tokens=64,
        stop="###",
        seed=7,
    )
    request = server.requests[0]
    assert str(request.url) == "http://vllm:8000/v1/completions"
    assert request.headers["authorization"] == "Bearer sk-local"
    assert server.body == {
        "model": "Qwen/Qwen2.5-7B-Instruct",
        "prompt": QWEN_PROMPT,
        "max_tokens": 64,
        "stop": ["###", "<|im_end|>", "<|endoftext|>"],
        "temperature": 0.2,
        "seed": 7,
    }
    message = result.choices[0].message
    assert message.content == "Paris."
    assert result.choices[0].finish_reason == "stop"
    assert result.usage is not None and (result.usage.prompt_tokens, result.usage.completion_tokens) == (30, 4)
    assert result.id == "cmpl-42"


def test_openai_completions_max_tokens_null_when_unset() -> None:
    server = Server(openai_answer("Paris."))
    call("text-completion-openai/Qwen/Qwen2.5-7B-Instruct", server)
    assert server.body["max_tokens"] is None and "stream" not in server.body


def test_openai_completions_stream_equals_whole() -> None:
    model = "text-completion-openai/Qwen/Qwen2.5-7B-Instruct"
    server = Server(events=openai_events(["Par", "is", "."]))
    chunks = stream(model, server, stream_options={"include_usage": True})
    assert server.body["stream"] is True and server.body["stream_options"] == {"include_usage": True}
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 34
    assert [c.choices[0].finish_reason for c in chunks[:-1]].count("stop") == 1
    built = stream_chunk_builder(chunks)
    whole = call(model, Server(openai_answer("Paris.")))
    assert built.choices[0].message.content == whole.choices[0].message.content == "Paris."
    assert built.choices[0].finish_reason == whole.choices[0].finish_reason == "stop"


def test_openai_completions_stream_without_usage_chunk_unless_asked() -> None:
    chunks = stream("text-completion-openai/Qwen/Qwen2.5-7B-Instruct", Server(events=openai_events(["Hi"])))
    assert all(c.choices for c in chunks)


def test_length_finish_reason() -> None:
    result = call("text-completion-openai/Qwen/Qwen2.5-7B-Instruct", Server(openai_answer("Par", "length")))
    assert (result.choices[0].finish_reason, result.choices[0].native_finish_reason) == ("length", "length")


def test_openai_completions_stream_cut_short_and_error_event() -> None:
    model = "text-completion-openai/Qwen/Qwen2.5-7B-Instruct"
    with pytest.raises(UpstreamError, match="ended before"):
        stream(model, Server(events=openai_events(["Par"])[:1]))
    error = {"object": "error", "message": "prompt too long", "type": "BadRequestError", "code": 400}
    with pytest.raises(BadRequestError, match="prompt too long"):
        stream(model, Server(events=[json.dumps(error)]))


def test_openai_completions_done_marker_without_finish_reason_closes_the_stream() -> None:
    events = openai_events(["Paris."], usage=False)
    events.pop(-2)  # the chunk with the finish_reason
    chunks = stream("text-completion-openai/Qwen/Qwen2.5-7B-Instruct", Server(events=events))
    built = stream_chunk_builder(chunks)
    assert (built.choices[0].message.content, built.choices[0].finish_reason) == ("Paris.", "stop")


def test_openai_completions_shapes_match_the_official_sdk() -> None:
    """The request uses only fields of openai's ``CompletionCreateParams``; the fixtures are valid ``Completion``s."""
    from openai.types import Completion
    from openai.types.completion_create_params import CompletionCreateParamsBase

    server = Server(openai_answer("x"))
    call(
        "text-completion-openai/Qwen/Qwen2.5-7B-Instruct",
        server,
        temperature=0.5,
        top_p=0.9,
        seed=1,
        presence_penalty=0.1,
        frequency_penalty=0.1,
        user="u",
        stop=["###"],
        max_tokens=5,
    )
    assert set(server.body) <= set(CompletionCreateParamsBase.__annotations__)
    Completion.model_validate(openai_answer("x"))
