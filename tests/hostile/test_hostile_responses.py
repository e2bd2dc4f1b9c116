"""Hostile requests against the Responses API (library and gateway): a response of one key is never continued by
another through OpenAI, missing or nested-misspelt fields are clear 4xx, and a broken native answer is an
UpstreamError (never a pydantic ValidationError, a KeyError or an empty success). Each test failed before its fix."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from gateway_helpers import ALICE, BOB, ENV, keyed_config, raw

from modelmux import responses
from modelmux._responses.store import MemoryResponseStore
from modelmux.asgi import Gateway, create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter
from modelmux.errors import UnknownParameterError, UpstreamError

pytestmark = pytest.mark.anyio
ALICE_AUTH = {"authorization": f"Bearer {ALICE}"}
BOB_AUTH = {"authorization": f"Bearer {BOB}"}
FINAL = {
    "id": "resp_native_1",
    "object": "response",
    "created_at": 1,
    "status": "completed",
    "model": "gpt-4.1",
    "output": [
        {
            "id": "msg_n",
            "type": "message",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": "Native.", "annotations": []}],
        }
    ],
}


class Recording(httpx.AsyncBaseTransport):
    """An OpenAI that answers every Responses request with :data:`FINAL` and records the bodies."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(await request.aread()))
        return httpx.Response(200, json=FINAL)


def _app(upstream: httpx.AsyncBaseTransport) -> Gateway:
    config = keyed_config()
    config["keys"]["bob"]["models"] = ["mock/demo", "oa/native"]
    config["models"]["oa/native"] = {
        "model": "openai/gpt-4.1",
        "api_key_env": "OA_KEY",
        "api_base": "http://oa.test/v1",
    }
    parsed = parse_config(config, environ={**ENV, "OA_KEY": "sk-upstream-oa-0123456789"})
    return create_app(parsed, transport=upstream, limiter=MemoryLimiter())


# ---------------------------------------------------------------- one key never continues another's response


@pytest.mark.parametrize("previous", ["resp_made_with_the_gateway_key_elsewhere", "resp_evicted_from_the_store"])
async def test_a_gateway_key_cannot_continue_a_response_it_did_not_make_through_openai(previous: str) -> None:
    upstream = Recording()
    async with raw(_app(upstream)) as client:
        body = {"model": "oa/native", "input": "what did we say?", "previous_response_id": previous}
        answer = await client.post("/v1/responses", json=body, headers=BOB_AUTH)
    # was a 200: the id went to OpenAI under the gateway's own upstream key, which could read it
    assert answer.status_code == 404, answer.text
    assert answer.json()["error"]["param"] == "previous_response_id"
    assert upstream.bodies == []


def test_the_library_still_continues_a_response_made_elsewhere_with_its_own_key() -> None:
    sent: list[dict[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json=FINAL)

    transport = httpx.MockTransport(answer)
    store = MemoryResponseStore()
    responses(
        "openai/gpt-4.1", "hi", previous_response_id="resp_x", api_key="sk-x", transport=transport, response_store=store
    )
    assert sent[0]["previous_response_id"] == "resp_x"


async def test_continuing_a_translated_response_natively_without_input_is_not_a_500() -> None:
    upstream = Recording()
    async with raw(_app(upstream)) as client:
        first = await client.post("/v1/responses", json={"model": "mock/demo", "input": "hi"}, headers=ALICE_AUTH)
        body = {"model": "oa/native", "previous_response_id": first.json()["id"]}
        answer = await client.post("/v1/responses", json=body, headers=ALICE_AUTH)
    assert answer.status_code == 200, answer.text  # was a 500: for_openai(history, None) extended by None
    assert [item["role"] for item in upstream.bodies[0]["input"]] == ["user", "assistant"]


# ---------------------------------------------------------------- misspelt nested fields (translated calls)


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"text": {"formt": {"type": "json_object"}}}, "text.formt"),
        ({"text": {"format": {"type": "json_schema", "schema": {}, "stirct": True}}}, "text.format.stirct"),
        ({"reasoning": {"efort": "low"}}, "reasoning.efort"),
        ({"stream_options": {"include_usage": True}}, "stream_options.include_usage"),
    ],
)
async def test_a_misspelt_nested_field_is_an_unknown_parameter(extra: dict[str, Any], param: str) -> None:
    async with raw(_app(Recording())) as client:
        answer = await client.post(
            "/v1/responses", json={"model": "mock/demo", "input": "hi", **extra}, headers=ALICE_AUTH
        )
    assert answer.status_code == 400, answer.text  # was a 200 that silently ignored the field
    assert answer.json()["error"]["param"] == param and answer.json()["error"]["code"] == "unknown_parameter"
    with pytest.raises(UnknownParameterError):
        responses("mock/demo", "hi", store=False, **extra)


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"reasoning": {"effort": 5}}, "reasoning.effort"),
        ({"text": {"verbosity": ["low"]}}, "text.verbosity"),
        ({"text": {"format": {"type": "json_schema", "schema": {}, "strict": "yes"}}}, "text.format.strict"),
        ({"text": {"format": "json"}}, "text.format"),
    ],
)
async def test_a_nested_field_of_the_wrong_type_is_a_400(extra: dict[str, Any], param: str) -> None:
    async with raw(_app(Recording())) as client:
        answer = await client.post(
            "/v1/responses", json={"model": "mock/demo", "input": "hi", **extra}, headers=ALICE_AUTH
        )
    assert answer.status_code == 400, answer.text  # was a 200 that silently ignored it
    assert answer.json()["error"]["param"] == param


# ---------------------------------------------------------------- broken native answers are UpstreamErrors


def _native(content: bytes, *, stream: bool = False) -> Any:
    headers = {"content-type": "text/event-stream" if stream else "application/json"}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=content, headers=headers))
    store = MemoryResponseStore()
    result = responses("openai/gpt-4.1", "hi", stream=stream, api_key="sk-x", transport=transport, response_store=store)
    return list(result) if stream else result


@pytest.mark.parametrize(
    "answer",
    [
        {"object": "response", "id": "r1"},  # no status, no output: was an empty success
        {"object": "response", "id": "r1", "status": "completed", "output": "x"},
        {"object": "response", "id": "r1", "status": "completed", "output": [1, 2]},
        {"object": "response", "id": "r1", "status": "completed", "output": [], "created_at": "x"},
    ],
)
def test_a_broken_native_response_is_an_upstream_error(answer: dict[str, Any]) -> None:
    with pytest.raises(UpstreamError):  # was a pydantic ValidationError, or an empty success
        _native(json.dumps(answer).encode())


def _sse(event: dict[str, Any]) -> bytes:
    return f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()


@pytest.mark.parametrize(
    "event",
    [
        {"type": "response.completed", "sequence_number": 0, "response": {"status": "completed"}},  # was a KeyError
        {"type": "response.completed", "sequence_number": 0, "response": "done"},  # was a success
        {"type": "response.created", "sequence_number": "x", "response": FINAL},  # was a ValidationError
    ],
)
def test_a_broken_native_stream_event_is_an_upstream_error(event: dict[str, Any]) -> None:
    with pytest.raises(UpstreamError):
        _native(_sse(event), stream=True)


def test_a_native_event_type_that_would_forge_events_is_an_upstream_error() -> None:
    forged = {"type": "x\ndata: {}\n\nevent: response.completed", "sequence_number": 0}
    completed = {"type": "response.completed", "sequence_number": 1, "response": FINAL}
    with pytest.raises(UpstreamError):  # was passed on: written as is, its line breaks forged events for the client
        _native(f"data: {json.dumps(forged)}\n\n".encode() + _sse(completed), stream=True)


# ---------------------------------------------------------------- a long conversation does not stall the event loop


async def test_a_long_conversation_is_read_and_translated_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from modelmux._responses import api, store

    threads: dict[str, set[str]] = {"convert": set(), "decode": set(), "plan": set()}

    def spy(name: str, real: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            threads[name].add(threading.current_thread().name)
            return real(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(api, "convert_request", spy("convert", api.convert_request))
    monkeypatch.setattr(api, "plan", spy("plan", api.plan))
    monkeypatch.setattr(store.StoredResponse, "from_json", spy("decode", store.StoredResponse.from_json))
    memory = MemoryResponseStore()
    items = [{"role": "user", "content": "x" * 100} for _ in range(3_000)]
    first = await api.aresponses("mock/demo", items, response_store=memory)
    await api.aresponses("mock/demo", items, previous_response_id=first.id, response_store=memory)
    main = threading.main_thread().name
    # were all on the event loop's thread: seconds of CPU for a conversation of tens of thousands of items
    assert main not in threads["convert"] and main not in threads["plan"] and main not in threads["decode"]
