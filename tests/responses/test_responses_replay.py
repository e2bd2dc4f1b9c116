"""The Responses API on recorded provider traffic (``cassettes/``): the chat-translated path for Anthropic, Gemini and
OpenAI chat recordings (through an OpenAI-compatible route), and OpenAI's own ``/v1/responses`` recording natively.

Each recorded answer is replayed to ``responses()``; the ``Response`` (or the events of a stream, accumulated by the
``openai`` SDK) must say what the chat path says about the same recording (text, reasoning, tool calls, usage,
finish), which the conformance suite checks against the native answer itself.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from openai import NOT_GIVEN
from openai.lib.streaming.responses._responses import ResponseStreamState
from openai.types.responses import Response, ResponseStreamEvent
from pydantic import TypeAdapter
from tests.conformance.cassette import CASSETTES_ROOT, Interaction, chat_interactions, iter_cassettes, load_cassette
from tests.conformance.expected import expected_for
from tests.conformance.replay import ReplayTransport

import modelmux
from modelmux import MemoryResponseStore
from modelmux._responses.convert_output import map_status

KEY = "sk-replay-key-0123456789"
EVENT = TypeAdapter(ResponseStreamEvent)


def _anthropic(it: Interaction) -> tuple[str, dict[str, Any]]:
    return "anthropic/" + it.request_json["model"], {"max_output_tokens": it.request_json["max_tokens"]}


def _gemini(it: Interaction) -> tuple[str, dict[str, Any]]:
    return "gemini/" + it.path.split("/models/", 1)[1].split(":", 1)[0], {}


def _openai_chat(it: Interaction) -> tuple[str, dict[str, Any]]:
    # openai/ would take the Responses API natively; an OpenAI-compatible route goes through chat.
    return "openai_like/" + it.request_json["model"], {"api_base": "https://api.openai.com/v1"}


TARGETS = {"anthropic": _anthropic, "gemini": _gemini, "openai-chat": _openai_chat}


def _streamed(it: Interaction, family: str) -> bool:
    return it.stream_format == "sse" if family == "gemini" else it.is_stream


CASES = [
    pytest.param(it, family, id=f"{family}/{path.parent.parent.name}/{path.stem}#{i}")
    for family in TARGETS
    for path in iter_cassettes(CASSETTES_ROOT, {family})
    for i, it in enumerate(chat_interactions(path))
    if it.status < 400 and it.provider_class == family
]


def chat_reference(it: Interaction, model: str, kwargs: dict[str, Any], stream: bool) -> modelmux.ChatCompletion:
    chat_kwargs = {k: v for k, v in kwargs.items() if k != "max_output_tokens"}
    if "max_output_tokens" in kwargs:
        chat_kwargs["max_tokens"] = kwargs["max_output_tokens"]
    result = modelmux.completion(
        model,
        [{"role": "user", "content": "hi"}],
        api_key=KEY,
        transport=ReplayTransport(it),
        stream=stream,
        **({"stream_options": {"include_usage": True}} if stream else {}),
        **chat_kwargs,
    )
    return modelmux.stream_chunk_builder(list(result)) if stream else result


def responses_answer(it: Interaction, model: str, kwargs: dict[str, Any], stream: bool) -> Response:
    store = MemoryResponseStore()
    result = modelmux.responses(
        model, "hi", api_key=KEY, transport=ReplayTransport(it), stream=stream, response_store=store, **kwargs
    )
    if not stream:
        assert isinstance(result, modelmux.ResponseObject)
        return Response.model_validate(result.model_dump())
    assert isinstance(result, modelmux.ResponseStream)
    state: ResponseStreamState[Any] = ResponseStreamState(input_tools=[], text_format=NOT_GIVEN)
    events = list(result.raw())
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    for raw in events:
        state.handle_event(EVENT.validate_python(raw))
    assert events[-1]["type"] in ("response.completed", "response.incomplete")
    final = Response.model_validate(events[-1]["response"])
    assert store.get(final.id) is not None
    return final


@pytest.mark.parametrize(("it", "family"), CASES)
def test_translated_replay(it: Interaction, family: str) -> None:
    model, kwargs = TARGETS[family](it)
    stream = _streamed(it, family)
    reference = chat_reference(it, model, kwargs, stream)
    response = responses_answer(it, model, kwargs, stream)
    message = reference.choices[0].message
    assert response.output_text == (message.content or "")
    assert response.output_text == expected_for(it).text
    summaries = [s.text for item in response.output if item.type == "reasoning" for s in item.summary]
    assert "".join(summaries) == (message.reasoning_content or "")
    calls = [(i.name, json.loads(i.arguments or "{}"), i.call_id) for i in response.output if i.type == "function_call"]
    want = [(c.function.name, json.loads(c.function.arguments or "{}")) for c in message.tool_calls or ()]
    assert [(name, args) for name, args, _ in calls] == want
    for (_, _, got), (_, _, native_id) in zip(calls, expected_for(it).tool_calls, strict=True):
        assert got == native_id or (native_id is None and got)  # the provider's id, or one made up (Gemini has none)
    assert response.status == map_status(reference.choices[0].finish_reason)[0]
    if reference.usage is not None and reference.usage.prompt_tokens:
        assert response.usage is not None
        assert (response.usage.input_tokens, response.usage.output_tokens) == (
            reference.usage.prompt_tokens,
            reference.usage.completion_tokens,
        )


def test_every_family_has_recordings() -> None:
    counts = {family: sum(1 for c in CASES if c.values[1] == family) for family in TARGETS}
    assert all(n >= 3 for n in counts.values()), counts
    assert any(_streamed(c.values[0], c.values[1]) for c in CASES)


# ---------------------------------------------------------------------------------- OpenAI natively

NATIVE = [
    it
    for it in load_cassette(CASSETTES_ROOT / "pydantic-ai/openai-chat/test_openai_model_thinking_part.yaml")
    if it.path == "/v1/responses"
]


def test_the_native_recording_is_there() -> None:
    assert NATIVE


@pytest.mark.parametrize("it", NATIVE)
def test_native_replay(it: Interaction) -> None:
    recorded = it.request_json
    transport = ReplayTransport(it)
    body = {k: v for k, v in recorded.items() if k not in ("model", "input")}
    store = MemoryResponseStore()
    result = modelmux.responses(
        "openai/" + recorded["model"], recorded["input"], api_key=KEY, transport=transport, response_store=store, **body
    )
    assert isinstance(result, modelmux.ResponseObject)
    assert result.model_dump() == json.loads(it.decoded_body())  # as OpenAI answered, nothing lost
    sent = transport.requests[0]
    assert sent.url.path == "/v1/responses"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert json.loads(sent.content) == {k: v for k, v in recorded.items() if not (k == "stream" and v is False)}
    entry = store.get(result.id)
    assert entry is not None and entry.native
