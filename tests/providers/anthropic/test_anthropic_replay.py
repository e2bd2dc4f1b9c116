"""Recorded Anthropic answers (cassettes/**/anthropic) through parse / the stream translator / map_error.

The expected values come from ``tests/conformance/expected.py`` (derived from the native body alone); the
non-streamed equivalent of a recorded stream is what the official SDK accumulates from it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from anthropic_helpers import (
    Expected,
    Interaction,
    anthropic_interactions,
    expected_for,
    make_ctx,
    parse,
    sdk_accumulate,
    stream_events,
)

from modelmux import ChatCompletion, stream_chunk_builder
from modelmux.errors import error_class_for_status
from modelmux.providers.anthropic import provider
from modelmux.providers.anthropic.convert_messages import convert_messages


def native_param(block: dict[str, Any]) -> dict[str, Any]:
    """A response block as a request block: the SDK's ``citations: null`` on text is left out."""
    return {k: v for k, v in block.items() if not (k == "citations" and v is None)}


CASES = [pytest.param(it, id=name) for name, it in anthropic_interactions()]
OK = [c for c in CASES if c.values[0].status < 400]
STREAMS = [c for c in OK if c.values[0].is_stream]
ERRORS = [c for c in CASES if c.values[0].status >= 400]


def ctx_for(it: Interaction, **kwargs: Any) -> Any:
    return make_ctx(it.request_json.get("model", "claude"), stream=it.is_stream, include_usage=True, **kwargs)


def check(result: ChatCompletion, exp: Expected) -> None:
    choice = result.choices[0]
    msg = choice.message
    assert (msg.content or "") == exp.text
    assert (msg.reasoning_content or "") == exp.reasoning
    calls = [(c.function.name, json.loads(c.function.arguments), c.id) for c in msg.tool_calls or []]
    assert calls == exp.tool_calls
    assert choice.native_finish_reason == exp.native_finish_reason  # type: ignore[attr-defined]
    assert choice.finish_reason == (
        "tool_calls" if calls else "length" if exp.native_finish_reason == "max_tokens" else "stop"
    )
    assert result.usage is not None
    assert result.usage.prompt_tokens == exp.prompt_tokens
    assert result.usage.completion_tokens == exp.completion_tokens


def test_corpus_is_there() -> None:
    assert len(CASES) >= 50 and len(STREAMS) >= 15 and len(ERRORS) >= 4


@pytest.mark.parametrize("it", [c for c in OK if not c.values[0].is_stream])
def test_recorded_message(it: Interaction) -> None:
    result = parse(it.json(), ctx_for(it))
    check(result, expected_for(it))
    assert result.id == it.json()["id"]


@pytest.mark.parametrize("it", STREAMS)
def test_recorded_stream(it: Interaction) -> None:
    chunks = stream_events(it.decoded_body(), ctx_for(it), piece=37)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].usage is not None and not chunks[-1].choices
    assert sum(1 for c in chunks if c.choices and c.choices[0].finish_reason) == 1
    streamed = stream_chunk_builder(chunks)
    check(streamed, expected_for(it))
    non_streamed = parse(sdk_accumulate(it.decoded_body()), ctx_for(it))
    assert streamed.model_dump(exclude={"created"}) == non_streamed.model_dump(exclude={"created"})


@pytest.mark.parametrize("it", ERRORS)
def test_recorded_error(it: Interaction) -> None:
    exp = expected_for(it)
    err = provider.map_error(it.status, dict(it.response_headers), it.decoded_body(), ctx_for(it))
    assert isinstance(err, error_class_for_status(it.status))
    assert err.status_code == it.status
    assert err.message == exp.error_message
    assert err.request_id and err.request_id.startswith("req_")


def test_recorded_context_window_error_is_specific() -> None:
    (it,) = [c.values[0] for c in ERRORS if b"prompt is too long" in c.values[0].decoded_body()]
    err = provider.map_error(it.status, dict(it.response_headers), it.decoded_body(), ctx_for(it))
    assert type(err).__name__ == "ContextWindowExceededError"


@pytest.mark.parametrize("it", OK)
def test_recorded_assistant_turns_round_trip(it: Interaction) -> None:
    """What modelmux returns, sent back as an assistant message, rebuilds the native blocks Anthropic needs:
    thinking blocks (signatures intact) first, then the text, then the tool calls with their ids; an answer
    with server tool blocks or citations comes back as all its native blocks, in their original order."""
    native = sdk_accumulate(it.decoded_body()) if it.is_stream else it.json()
    message = parse(native, ctx_for(it)).choices[0].message.model_dump(exclude_none=True)
    if not message.get("content") and not message.get("tool_calls") and "content_blocks" not in message:
        return
    _, turns = convert_messages([{"role": "user", "content": "q"}, message, {"role": "user", "content": "next"}])
    blocks = native["content"]
    if "content_blocks" in message:
        assert turns[1]["content"] == [native_param(b) for b in blocks if b["type"] != "text" or b["text"]]
        return
    thinking = [
        {k: b[k] for k in ("type", "thinking", "signature", "data") if k in b}
        for b in blocks
        if b["type"] in ("thinking", "redacted_thinking")
    ]
    text = "".join(b["text"] for b in blocks if b["type"] == "text")
    tools = [{k: b[k] for k in ("type", "id", "name", "input")} for b in blocks if b["type"] == "tool_use"]
    assert turns[1]["content"] == [*thinking, *([{"type": "text", "text": text}] if text else []), *tools]
