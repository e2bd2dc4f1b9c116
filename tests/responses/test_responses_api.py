"""``responses()`` / ``aresponses()`` end to end on the offline mock: answers, a tool loop continued by
``previous_response_id``, streams, the store, and the errors a caller can make."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import pytest
from openai.types.responses import Response, ResponseStreamEvent
from pydantic import TypeAdapter

import modelmux
from modelmux import MemoryResponseStore, ResponseNotFoundError
from modelmux._responses import store as store_module
from modelmux.errors import BadRequestError, DroppedParamWarning, UnknownParameterError, UnsupportedParamsError

EVENT = TypeAdapter(ResponseStreamEvent)
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


@pytest.fixture
def store() -> MemoryResponseStore:
    return MemoryResponseStore()


def valid(response: modelmux.ResponseObject) -> Response:
    return Response.model_validate(response.model_dump())


def test_a_text_answer(store: MemoryResponseStore) -> None:
    response = modelmux.responses("mock/echo", "Echo me", instructions="Be brief.", response_store=store)
    assert isinstance(response, modelmux.ResponseObject)
    checked = valid(response)
    assert checked.output_text == response.output_text and "Echo me" in response.output_text
    assert checked.status == "completed" and checked.instructions == "Be brief." and checked.model == "mock/echo"
    assert checked.usage is not None and checked.usage.input_tokens > 0
    assert store.get(response.id) is not None


def test_a_tool_loop_continued_by_previous_response_id(store: MemoryResponseStore) -> None:
    first = valid(modelmux.responses("mock/demo", "Weather in Oslo?", tools=[WEATHER], response_store=store))
    (call,) = first.output
    assert call.type == "function_call" and call.name == "get_weather"
    output = {"type": "function_call_output", "call_id": call.call_id, "output": "Sunny, 21 C"}
    second = modelmux.responses(
        "mock/demo", [output], tools=[WEATHER], previous_response_id=first.id, response_store=store
    )
    assert "Sunny, 21 C" in second.output_text
    assert second.previous_response_id == first.id
    assert valid(second).status == "completed"


def test_the_conversation_is_sent_again(store: MemoryResponseStore) -> None:
    first = modelmux.responses("mock/echo", "My name is Ada.", response_store=store)
    second = modelmux.responses("mock/echo", "What is my name?", previous_response_id=first.id, response_store=store)
    # The echo mock repeats the last user message; the first turn reached it too when the usage counts it.
    assert "What is my name?" in second.output_text
    assert second.usage is not None and first.usage is not None
    assert second.usage["input_tokens"] > first.usage["input_tokens"]


def test_store_false_keeps_nothing(store: MemoryResponseStore) -> None:
    response = modelmux.responses("mock/demo", "Hi", store=False, response_store=store)
    assert len(store) == 0
    with pytest.raises(ResponseNotFoundError):
        modelmux.get_response(response.id, response_store=store)


def test_get_and_delete(store: MemoryResponseStore) -> None:
    response = modelmux.responses("mock/demo", "Hi", response_store=store)
    assert modelmux.get_response(response.id, response_store=store).id == response.id
    modelmux.delete_response(response.id, response_store=store)
    with pytest.raises(ResponseNotFoundError) as info:
        modelmux.delete_response(response.id, response_store=store)
    assert info.value.status_code == 404
    with pytest.raises(ResponseNotFoundError) as info:
        modelmux.responses("mock/demo", "Hi", previous_response_id=response.id, response_store=store)
    assert info.value.param == "previous_response_id"


def test_the_default_store() -> None:
    response = modelmux.responses("mock/demo", "Hi")
    assert modelmux.get_response(response.id).output_text == response.output_text
    modelmux.delete_response(response.id)


def test_a_sync_stream(store: MemoryResponseStore) -> None:
    stream = modelmux.responses("mock/demo", "Weather in Oslo?", tools=[WEATHER], stream=True, response_store=store)
    assert isinstance(stream, modelmux.ResponseStream)
    events = list(stream)
    for event in events:
        EVENT.validate_python(event.model_dump())
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert events[0].type == "response.created" and events[-1].type == "response.completed"
    assert stream.response is not None
    assert store.get(stream.response["id"]) is not None


def test_an_async_stream_and_answer(store: MemoryResponseStore) -> None:
    async def run() -> tuple[list[Any], modelmux.ResponseObject]:
        stream = await modelmux.aresponses("mock/echo", "Stream me", stream=True, response_store=store)
        assert isinstance(stream, modelmux.AsyncResponseStream)
        events = [e async for e in stream]
        answer = await modelmux.aresponses(
            "mock/echo",
            "again",
            previous_response_id=stream.response["id"],  # type: ignore[index]
            response_store=store,
        )
        assert isinstance(answer, modelmux.ResponseObject)
        return events, answer

    events, answer = asyncio.run(run())
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert "Stream me" in deltas
    assert answer.previous_response_id == events[0].response["id"]
    assert asyncio.run(modelmux.aget_response(answer.id, response_store=store)).id == answer.id
    asyncio.run(modelmux.adelete_response(answer.id, response_store=store))
    with pytest.raises(ResponseNotFoundError):
        asyncio.run(modelmux.aget_response(answer.id, response_store=store))


def test_mock_response_answers_any_model_offline(store: MemoryResponseStore) -> None:
    response = modelmux.responses("openai/gpt-4o", "Hi", mock_response="Canned.", response_store=store)
    assert response.output_text == "Canned."


def test_unknown_and_chat_only_keywords(store: MemoryResponseStore) -> None:
    with pytest.raises(UnknownParameterError) as info:
        modelmux.responses("mock/demo", "Hi", max_tokens=5, response_store=store)
    assert "max_output_tokens" in info.value.message
    with pytest.raises(UnknownParameterError):
        modelmux.responses("mock/demo", "Hi", temprature=0.5, response_store=store)


def test_unsupported_fields_raise_unless_dropped(store: MemoryResponseStore) -> None:
    with pytest.raises(UnsupportedParamsError):
        modelmux.responses("mock/demo", "Hi", background=True, response_store=store)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        modelmux.responses("mock/demo", "Hi", background=True, drop_params=True, response_store=store)
    assert any(issubclass(w.category, DroppedParamWarning) for w in caught)


def test_a_built_in_tool_the_provider_lacks(store: MemoryResponseStore) -> None:
    with pytest.raises(BadRequestError) as info:
        modelmux.responses("mock/demo", "Hi", tools=[{"type": "file_search"}], response_store=store)
    assert info.value.code == "unsupported_tool"


def test_json_schema_output(store: MemoryResponseStore) -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    text = {"format": {"type": "json_schema", "name": "out", "schema": schema, "strict": True}}
    response = modelmux.responses("mock/demo", "Give a number", text=text, response_store=store)
    import json

    assert isinstance(json.loads(response.output_text)["n"], int)
    assert valid(response).text is not None


def test_a_conversation_too_long_to_continue(store: MemoryResponseStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "MAX_CHAIN", 3)
    previous = None
    for _ in range(4):  # the fourth follows a chain of three: still fine
        previous = modelmux.responses("mock/demo", "Hi", previous_response_id=previous, response_store=store).id
    with pytest.raises(BadRequestError) as info:
        modelmux.responses("mock/demo", "Hi", previous_response_id=previous, response_store=store)
    assert info.value.code == "conversation_too_long"
