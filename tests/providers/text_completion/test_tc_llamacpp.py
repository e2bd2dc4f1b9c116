"""llama.cpp's native /completion through completion(): request, answers, streams, errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

import modelmux
from modelmux import stream_chunk_builder
from modelmux.errors import (
    ContextWindowExceededError,
    InternalServerError,
    UpstreamError,
)
from modelmux.types import ChatCompletion

from .tc_helpers import (
    LLAMA_PROMPT,
    MESSAGES,
    TOOLS,
    Server,
    call,
    llamacpp_final,
    stream,
)


def test_llamacpp_request_and_answer() -> None:
    server = Server(llamacpp_final("Paris is the capital."))
    result = call("llamacpp/Llama-3.1-8B-Instruct", server, max_tokens=32, top_k=40, temperature=0)
    assert str(server.requests[0].url) == "http://localhost:8080/completion"
    assert "authorization" not in server.requests[0].headers
    assert server.body == {
        "prompt": LLAMA_PROMPT,
        "stream": False,
        "n_predict": 32,
        "stop": ["<|eot_id|>", "<|eom_id|>", "<|end_of_text|>"],
        "temperature": 0,
        "top_k": 40,
    }
    assert result.choices[0].message.content == "Paris is the capital."
    assert result.choices[0].finish_reason == "stop"
    assert result.usage is not None
    assert (result.usage.prompt_tokens, result.usage.completion_tokens, result.usage.total_tokens) == (25, 6, 31)
    assert result.usage.prompt_tokens_details is not None and result.usage.prompt_tokens_details.cached_tokens == 3


@pytest.mark.parametrize(
    ("native", "expected"),
    [({"stop_type": "limit"}, "length"), ({"stop_type": "word"}, "stop"), ({"stopped_limit": True}, "length")],
)
def test_llamacpp_finish_reasons(native: dict[str, Any], expected: str) -> None:
    answer = {**llamacpp_final("x"), **native}
    if "stop_type" not in native:
        del answer["stop_type"]
    result = call("llamacpp/m", Server(answer), chat_template="llama3")
    assert result.choices[0].finish_reason == expected


def test_llamacpp_stream_with_tool_call_equals_whole() -> None:
    text = '{"name": "get_weather", "parameters": {"city": "Paris"}}'
    pieces = ['{"name": "get_', 'weather", "parameters": ', '{"city": "Paris"}}']
    events = [json.dumps({"content": p, "stop": False}) for p in pieces]
    events.append(json.dumps(llamacpp_final()))
    model = "llamacpp/Llama-3.1-8B-Instruct"
    chunks = stream(model, Server(events=events), tools=TOOLS, stream_options={"include_usage": True})
    built = stream_chunk_builder(chunks)
    whole = call(model, Server(llamacpp_final(text)), tools=TOOLS)
    for result in (built, whole):
        choice = result.choices[0]
        assert choice.finish_reason == "tool_calls"
        assert choice.message.content is None
        assert choice.message.tool_calls is not None
        assert [(t.function.name, json.loads(t.function.arguments)) for t in choice.message.tool_calls] == [
            ("get_weather", {"city": "Paris"})
        ]
    deltas = [c.choices[0].delta for c in chunks if c.choices and c.choices[0].delta.tool_calls]
    assert len(deltas) == 1 and deltas[0].tool_calls is not None and deltas[0].tool_calls[0].index == 0
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 6


def test_llamacpp_stream_cut_short_is_an_upstream_error() -> None:
    events = [json.dumps({"content": "Par", "stop": False})]
    with pytest.raises(UpstreamError, match="ended before"):
        stream("llamacpp/Llama-3.1-8B-Instruct", Server(events=events))


def test_llamacpp_stream_error_event() -> None:
    events = [json.dumps({"error": {"code": 500, "message": "slot unavailable", "type": "server_error"}})]
    with pytest.raises(InternalServerError, match="slot unavailable"):
        stream("llamacpp/Llama-3.1-8B-Instruct", Server(events=events))


def test_llamacpp_context_overflow() -> None:
    body = {
        "error": {
            "code": 400,
            "message": "the request exceeds the available context size",
            "type": "exceed_context_size_error",
        }
    }
    with pytest.raises(ContextWindowExceededError):
        call("llamacpp/Llama-3.1-8B-Instruct", Server(body, status=400))


def test_async_stream_and_answer() -> None:
    import asyncio

    events = [json.dumps({"content": "Par", "stop": False}), json.dumps(llamacpp_final("is"))]

    async def go() -> tuple[str, str | None]:
        server = Server(events=events)
        chunks = [
            c
            async for c in await modelmux.acompletion(  # type: ignore[union-attr]
                model="llamacpp/Llama-3.1-8B-Instruct", messages=MESSAGES, transport=server.transport, stream=True
            )
        ]
        whole = await modelmux.acompletion(
            model="llamacpp/Llama-3.1-8B-Instruct",
            messages=MESSAGES,
            transport=Server(llamacpp_final("Paris")).transport,
        )
        assert isinstance(whole, ChatCompletion)
        return stream_chunk_builder(chunks).choices[0].message.content or "", whole.choices[0].message.content

    streamed, whole = asyncio.run(go())
    assert streamed == whole == "Paris"
