"""OpenAI targets take the Responses API natively: the body forwarded (``model`` the target's id), the answer and
its events returned as OpenAI sent them, the conversation of a response made on another provider sent as items."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

import modelmux
from modelmux import MemoryResponseStore
from modelmux.errors import BadRequestError, UpstreamError

KEY = "sk-native-test-key-0123456789"


def response_object(body: dict[str, Any], rid: str = "resp_up1") -> dict[str, Any]:
    return {
        "id": rid,
        "object": "response",
        "created_at": 1,
        "status": "completed",
        "model": body["model"] + "-2025",
        "output": [
            {
                "id": "msg_up",
                "type": "message",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": "From OpenAI.", "annotations": []}],
            }
        ],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": body.get("tools", []),
        "usage": {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5},
    }


def sse(events: list[dict[str, Any]]) -> bytes:
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


class FakeOpenAI:
    def __init__(self, status: int = 200, content: bytes | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.status = status
        self.content = content

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert request.url.path == "/v1/responses"
        if self.content is not None:
            return httpx.Response(self.status, content=self.content, headers={"content-type": "application/json"})
        body = json.loads(request.content)
        final = response_object(body)
        if not body.get("stream"):
            return httpx.Response(200, json=final)
        created = {**final, "status": "in_progress", "output": []}
        events = [
            {"type": "response.created", "response": created, "sequence_number": 0},
            {
                "type": "response.output_text.delta",
                "item_id": "msg_up",
                "output_index": 0,
                "content_index": 0,
                "delta": "From OpenAI.",
                "sequence_number": 1,
            },
            {"type": "response.completed", "response": final, "sequence_number": 2},
        ]
        return httpx.Response(200, content=sse(events), headers={"content-type": "text/event-stream"})


@pytest.fixture
def store() -> MemoryResponseStore:
    return MemoryResponseStore()


def call(upstream: FakeOpenAI, store: MemoryResponseStore, *args: Any, **kwargs: Any) -> Any:
    return modelmux.responses(
        "openai/gpt-4.1", *args, api_key=KEY, transport=httpx.MockTransport(upstream), response_store=store, **kwargs
    )


def test_the_body_is_forwarded_and_the_answer_returned(store: MemoryResponseStore) -> None:
    upstream = FakeOpenAI()
    tools = [{"type": "web_search"}, {"type": "file_search", "vector_store_ids": ["vs_1"]}]
    result = call(upstream, store, "Hi", tools=tools, include=["file_search_call.results"], truncation="auto")
    assert result.output_text == "From OpenAI." and result.id == "resp_up1" and result.model == "gpt-4.1-2025"
    (sent,) = upstream.bodies()
    assert sent == {
        "model": "gpt-4.1",
        "input": "Hi",
        "tools": tools,
        "include": ["file_search_call.results"],
        "truncation": "auto",
    }
    assert upstream.requests[0].headers["authorization"] == f"Bearer {KEY}"
    entry = store.get("resp_up1")
    assert entry is not None and entry.native


def test_a_native_previous_response_goes_by_id(store: MemoryResponseStore) -> None:
    upstream = FakeOpenAI()
    first = call(upstream, store, "Hi")
    call(upstream, store, "Again", previous_response_id=first.id)
    assert upstream.bodies()[1]["previous_response_id"] == first.id
    assert upstream.bodies()[1]["input"] == "Again"


def test_an_id_openai_may_know_goes_on_unchanged(store: MemoryResponseStore) -> None:
    upstream = FakeOpenAI()
    call(upstream, store, "Hi", previous_response_id="resp_made_elsewhere")
    assert upstream.bodies()[0]["previous_response_id"] == "resp_made_elsewhere"


def test_a_conversation_from_another_provider_goes_as_items(store: MemoryResponseStore) -> None:
    tools = [{"type": "function", "name": "get_weather", "parameters": {"type": "object"}}]
    first = modelmux.responses("mock/demo", "Weather in Oslo?", tools=tools, response_store=store)
    (fc,) = first.output
    output = {"type": "function_call_output", "call_id": fc["call_id"], "output": "sunny"}
    upstream = FakeOpenAI()
    second = call(upstream, store, [output], tools=tools, previous_response_id=first.id)
    (sent,) = upstream.bodies()
    assert "previous_response_id" not in sent
    assert sent["input"] == [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Weather in Oslo?"}]},
        {"type": "function_call", "call_id": fc["call_id"], "name": "get_weather", "arguments": fc["arguments"]},
        output,
    ]
    entry = store.get(second.id)
    assert entry is not None and entry.previous == first.id


def test_a_stream_is_forwarded_and_stored(store: MemoryResponseStore) -> None:
    stream = call(FakeOpenAI(), store, "Hi", stream=True)
    events = [e.type for e in stream]
    assert events == ["response.created", "response.output_text.delta", "response.completed"]
    assert store.get("resp_up1") is not None


def test_an_async_stream(store: MemoryResponseStore) -> None:
    async def run() -> list[str]:
        stream = await modelmux.aresponses(
            "openai/gpt-4.1",
            "Hi",
            stream=True,
            api_key=KEY,
            transport=httpx.MockTransport(FakeOpenAI()),
            response_store=store,
        )
        return [e.type async for e in stream]

    assert asyncio.run(run())[-1] == "response.completed"
    assert store.get("resp_up1") is not None
    answer = asyncio.run(
        modelmux.aresponses(
            "openai/gpt-4.1",
            "Hi",
            api_key=KEY,
            transport=httpx.MockTransport(FakeOpenAI()),
            response_store=store,
            previous_response_id="resp_up1",
        )
    )
    assert isinstance(answer, modelmux.ResponseObject)


def test_openai_errors_are_mapped_and_scrubbed(store: MemoryResponseStore) -> None:
    body = {
        "error": {
            "message": f"Bad input for key {KEY}",
            "type": "invalid_request_error",
            "param": "input",
            "code": None,
        }
    }
    upstream = FakeOpenAI(400, json.dumps(body).encode())
    with pytest.raises(BadRequestError) as info:
        call(upstream, store, "Hi")
    assert info.value.status_code == 400 and info.value.param == "input"
    assert KEY not in str(info.value) + repr(info.value)


def test_an_answer_that_is_not_a_response_is_an_upstream_error(store: MemoryResponseStore) -> None:
    with pytest.raises(UpstreamError):
        call(FakeOpenAI(200, b'{"object": "chat.completion"}'), store, "Hi")
    assert len(store) == 0


def test_unknown_fields_are_refused_before_sending(store: MemoryResponseStore) -> None:
    upstream = FakeOpenAI()
    with pytest.raises(modelmux.UnknownParameterError):
        call(upstream, store, "Hi", extra_bodyy={"x": 1})
    assert not upstream.requests


def test_num_retries_retries_a_failed_request(store: MemoryResponseStore) -> None:
    answers = [
        httpx.Response(
            429, json={"error": {"message": "slow down", "type": "rate_limit"}}, headers={"retry-after-ms": "1"}
        )
    ]
    upstream = FakeOpenAI()

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop() if answers else upstream(request)

    result = modelmux.responses(
        "openai/gpt-4.1",
        "Hi",
        api_key=KEY,
        transport=httpx.MockTransport(handler),
        response_store=store,
        num_retries=1,
    )
    assert result.output_text == "From OpenAI." and len(upstream.requests) == 1
    with pytest.raises(modelmux.UnsupportedParamsError):
        call(FakeOpenAI(), store, "Hi", fallbacks=["openai/gpt-4o"])
