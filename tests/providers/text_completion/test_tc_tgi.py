"""Text Generation Inference /generate and /generate_stream through completion()."""

from __future__ import annotations

import json

import pytest

from modelmux import stream_chunk_builder
from modelmux.errors import (
    ContextWindowExceededError,
    InternalServerError,
    RateLimitError,
    UpstreamError,
)

from .tc_helpers import (
    QWEN_PROMPT,
    TOOLS,
    Server,
    call,
    stream,
    tgi_token,
)


def test_tgi_request_and_answer_strips_the_returned_stop_sequence() -> None:
    answer = {
        "generated_text": "Paris.<|im_end|>",
        "details": {"finish_reason": "stop_sequence", "generated_tokens": 3},
    }
    server = Server(answer)
    result = call(
        "tgi/Qwen/Qwen2.5-7B-Instruct",
        server,
        api_base="http://tgi:3000/",
        temperature=0,
        top_p=1.0,
        stop=["###", "END", "Q:"],
    )
    assert str(server.requests[0].url) == "http://tgi:3000/generate"
    assert server.body == {
        "inputs": QWEN_PROMPT,
        "parameters": {
            "details": True,
            "return_full_text": False,
            "stop": ["###", "END", "Q:", "<|im_end|>"],
            "do_sample": False,
        },
    }
    assert result.choices[0].message.content == "Paris."
    assert (result.choices[0].finish_reason, result.choices[0].native_finish_reason) == ("stop", "stop_sequence")
    assert result.usage is not None and result.usage.completion_tokens == 3


def test_tgi_sampling_and_native_parameters() -> None:
    answer = {"generated_text": "x", "details": {"finish_reason": "length", "generated_tokens": 1}}
    server = Server(answer)
    result = call(
        "tgi/Qwen/Qwen2.5-7B-Instruct", server, temperature=0.7, top_p=0.9, max_tokens=5, repetition_penalty=1.1
    )
    assert server.body["parameters"] == {
        "details": True,
        "return_full_text": False,
        "max_new_tokens": 5,
        "stop": ["<|im_end|>", "<|endoftext|>"],
        "temperature": 0.7,
        "do_sample": True,
        "top_p": 0.9,
        "repetition_penalty": 1.1,
    }
    assert result.choices[0].finish_reason == "length"


def test_tgi_stream_skips_special_tokens_and_equals_whole() -> None:
    model = "tgi/Qwen/Qwen2.5-7B-Instruct"
    final = {
        "index": 3,
        "token": {"id": 2, "text": "<|im_end|>", "logprob": 0, "special": True},
        "generated_text": "Paris.",
        "details": {"finish_reason": "eos_token", "generated_tokens": 3, "seed": None},
    }
    events = [json.dumps(tgi_token("Par")), json.dumps(tgi_token("is.")), json.dumps(final)]
    server = Server(events=events)
    chunks = stream(model, server)
    assert str(server.requests[0].url) == "http://localhost:8080/generate_stream"
    built = stream_chunk_builder(chunks)
    whole = call(
        model, Server({"generated_text": "Paris.", "details": {"finish_reason": "eos_token", "generated_tokens": 3}})
    )
    assert built.choices[0].message.content == whole.choices[0].message.content == "Paris."
    assert built.choices[0].finish_reason == whole.choices[0].finish_reason == "stop"


def test_tgi_stream_hermes_tool_call_buffered() -> None:
    model = "tgi/Qwen/Qwen2.5-7B-Instruct"
    texts = ["Sure.", "\n<tool", '_call>\n{"name": "get_weather", ', '"arguments": {"city": "Paris"}}\n</tool_call>']
    final = {
        "index": 9,
        "token": {"id": 2, "text": "", "special": True},
        "generated_text": "...",
        "details": {"finish_reason": "eos_token", "generated_tokens": 9},
    }
    chunks = stream(model, Server(events=[*(json.dumps(tgi_token(t)) for t in texts), json.dumps(final)]), tools=TOOLS)
    contents = [c.choices[0].delta.content for c in chunks if c.choices[0].delta.content]
    assert "".join(contents) == "Sure."  # nothing of the markup leaked as text
    built = stream_chunk_builder(chunks)
    assert built.choices[0].finish_reason == "tool_calls"
    assert built.choices[0].message.tool_calls is not None
    assert json.loads(built.choices[0].message.tool_calls[0].function.arguments) == {"city": "Paris"}


def test_tgi_stream_cut_short_is_an_upstream_error() -> None:
    with pytest.raises(UpstreamError):
        stream("tgi/Qwen/Qwen2.5-7B-Instruct", Server(events=[json.dumps(tgi_token("Par"))]))


def test_tgi_errors() -> None:
    with pytest.raises(RateLimitError, match="Model is overloaded"):
        call(
            "tgi/Qwen/Qwen2.5-7B-Instruct",
            Server({"error": "Model is overloaded", "error_type": "overloaded"}, status=429),
        )
    body = {
        "error": "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 5000",
        "error_type": "validation",
    }
    with pytest.raises(ContextWindowExceededError) as info:
        call("tgi/Qwen/Qwen2.5-7B-Instruct", Server(body, status=422))
    assert info.value.native_type == "validation"
    events = [json.dumps({"error": "CUDA out of memory", "error_type": "generation"})]
    with pytest.raises(InternalServerError, match="CUDA"):
        stream("tgi/Qwen/Qwen2.5-7B-Instruct", Server(events=events))


def test_tgi_parameters_match_huggingface_hub_types() -> None:
    """TGI's request parameters as huggingface_hub (installed with transformers) describes them."""
    import dataclasses

    from huggingface_hub import TextGenerationInputGenerateParameters

    known = {f.name for f in dataclasses.fields(TextGenerationInputGenerateParameters)}
    schema = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}
    server = Server({"generated_text": "{}", "details": {"finish_reason": "eos_token", "generated_tokens": 1}})
    call(
        "tgi/Qwen/Qwen2.5-7B-Instruct",
        server,
        temperature=0.3,
        top_p=0.5,
        seed=3,
        frequency_penalty=0.2,
        max_tokens=9,
        stop="###",
        response_format=schema,
        top_k=5,
    )
    assert set(server.body) == {"inputs", "parameters"}
    assert set(server.body["parameters"]) <= known
    assert server.body["parameters"]["grammar"] == {"type": "json", "value": {"type": "object"}}
    from modelmux.providers.text_completion import tgi

    assert tgi.native_params <= known
