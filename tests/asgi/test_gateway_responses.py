"""``/v1/responses`` through the real ``openai`` SDK: answers, streams (accumulated by the SDK), conversations by
``previous_response_id``, retrieve/delete/input items, who may read a response, errors in OpenAI's shape, OpenAI
targets natively, and a stream that fails midway."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import openai
import pytest
from gateway_helpers import ALICE, BOB, ENV, keyed_config, raw, sdk
from openai.types.responses import Response, ResponseStreamEvent
from pydantic import TypeAdapter

from modelmux.asgi import Gateway, create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter

pytestmark = pytest.mark.anyio
EVENT = TypeAdapter(ResponseStreamEvent)
TOOLS: Any = [
    {
        "type": "function",
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
]
UPSTREAM_KEY = "sk-upstream-openai-0123456789abcdef"


class FakeOpenAI(httpx.AsyncBaseTransport):
    """OpenAI's ``/v1/responses``: an answer, or three events; ``broken`` streams cut after the first event."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.closed = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        body = json.loads(await request.aread())
        final = {
            "id": "resp_native_1",
            "object": "response",
            "created_at": 1,
            "status": "completed",
            "model": body["model"],
            "output": [
                {
                    "id": "msg_n",
                    "type": "message",
                    "role": "assistant",
                    "status": "completed",
                    "content": [{"type": "output_text", "text": "Native.", "annotations": []}],
                }
            ],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "usage": {
                "input_tokens": 2,
                "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
                "output_tokens": 1,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": 3,
            },
        }
        if not body.get("stream"):
            return httpx.Response(200, json=final)
        events = [
            {"type": "response.created", "response": {**final, "status": "in_progress", "output": []}},
            {"type": "response.in_progress", "response": {**final, "status": "in_progress", "output": []}},
            {"type": "response.completed", "response": final},
        ]
        data = [
            f"event: {e['type']}\ndata: {json.dumps({**e, 'sequence_number': i})}\n\n".encode()
            for i, e in enumerate(events)
        ]
        broken = body["model"] == "broken"
        slow = body["model"] == "slow"

        async def chunks() -> Any:
            try:
                yield data[0]
                if broken:
                    raise httpx.ReadError("connection reset")
                if slow:  # holds the stream open until the gateway lets go of it
                    await asyncio.Event().wait()
                for piece in data[1:]:
                    yield piece
            finally:
                self.closed += 1

        return httpx.Response(200, content=chunks(), headers={"content-type": "text/event-stream"})


@pytest.fixture
def openai_upstream() -> FakeOpenAI:
    return FakeOpenAI()


@pytest.fixture
def app(openai_upstream: FakeOpenAI) -> Gateway:
    config = keyed_config()
    for name, model in (("oa/native", "openai/gpt-4.1"), ("oa/broken", "openai/broken"), ("oa/slow", "openai/slow")):
        config["models"][name] = {"model": model, "api_key_env": "OA_KEY", "api_base": "http://openai.test/v1"}
    parsed = parse_config(config, environ={**ENV, "OA_KEY": UPSTREAM_KEY})
    return create_app(parsed, transport=openai_upstream, limiter=MemoryLimiter())


async def test_create(app: Gateway) -> None:
    client = sdk(app)
    response = await client.responses.create(model="mock/echo", input="Echo this", instructions="Be brief.")
    assert isinstance(response, Response)
    assert "Echo this" in response.output_text and response.status == "completed"
    assert response.model == "mock/echo" and response.instructions == "Be brief."
    assert response.usage is not None and response.usage.total_tokens > 0


async def test_a_tool_loop_by_previous_response_id(app: Gateway) -> None:
    client = sdk(app)
    first = await client.responses.create(model="mock/demo", input="Weather in Oslo?", tools=TOOLS)
    (call,) = first.output
    assert call.type == "function_call" and call.name == "get_weather"
    second = await client.responses.create(
        model="mock/demo",
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "Sunny"}],
        tools=TOOLS,
        previous_response_id=first.id,
    )
    assert "Sunny" in second.output_text and second.previous_response_id == first.id


async def test_the_sdk_stream_helper_accumulates_the_events(app: Gateway) -> None:
    client = sdk(app)
    seen: list[str] = []
    async with client.responses.stream(model="mock/demo", input="Weather in Oslo?", tools=TOOLS) as stream:
        async for event in stream:
            seen.append(event.type)
        final = await stream.get_final_response()
    assert seen[0] == "response.created" and seen[-1] == "response.completed"
    assert "response.function_call_arguments.delta" in seen
    assert final.output[0].type == "function_call"
    assert (await client.responses.retrieve(final.id)).id == final.id


async def test_raw_stream_events(app: Gateway) -> None:
    async with raw(app) as http:
        body = {"model": "mock/echo", "input": "Stream me", "stream": True}
        response = await http.post("/v1/responses", json=body, headers={"authorization": f"Bearer {ALICE}"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    blocks = [b for b in response.text.split("\n\n") if b]
    events = []
    for block in blocks:
        name, data = block.split("\n", 1)
        event = json.loads(data.removeprefix("data: "))
        assert name == f"event: {event['type']}"
        EVENT.validate_python(event)
        events.append(event)
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    text = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
    assert "Stream me" in text


async def test_retrieve_input_items_and_delete(app: Gateway) -> None:
    client = sdk(app)
    response = await client.responses.create(
        model="mock/demo", input=[{"role": "user", "content": "one"}, {"role": "user", "content": "two"}]
    )
    assert (await client.responses.retrieve(response.id)).output_text == response.output_text
    items = await client.responses.input_items.list(response.id)
    assert [item.content[0].text for item in items.data] == ["two", "one"]  # type: ignore[union-attr]
    await client.responses.delete(response.id)
    with pytest.raises(openai.NotFoundError) as info:
        await client.responses.retrieve(response.id)
    assert info.value.body == {
        "message": f"Response with id '{response.id}' not found.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    with pytest.raises(openai.NotFoundError):
        await client.responses.delete(response.id)


async def test_only_the_key_that_created_a_response_can_read_it(app: Gateway) -> None:
    mine = await sdk(app).responses.create(model="mock/demo", input="secret plans")
    other = sdk(app, BOB)
    with pytest.raises(openai.NotFoundError):
        await other.responses.retrieve(mine.id)
    with pytest.raises(openai.NotFoundError):
        await other.responses.delete(mine.id)
    with pytest.raises(openai.NotFoundError) as info:
        await other.responses.create(model="mock/demo", input="more", previous_response_id=mine.id)
    assert info.value.body["param"] == "previous_response_id"  # type: ignore[index]
    assert (await sdk(app).responses.retrieve(mine.id)).id == mine.id


async def test_store_false(app: Gateway) -> None:
    client = sdk(app)
    response = await client.responses.create(model="mock/demo", input="Hi", store=False)
    with pytest.raises(openai.NotFoundError):
        await client.responses.retrieve(response.id)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"input": "x", "max_tokens": 5}, "unknown_parameter"),
        ({"input": "x", "background": True}, "unsupported_parameter"),
        ({"input": "x", "tools": [{"type": "code_interpreter"}]}, "unsupported_tool"),
        ({"input": 5}, "invalid_value"),
    ],
)
async def test_bad_requests_in_openais_shape(app: Gateway, body: dict[str, Any], code: str) -> None:
    async with raw(app) as http:
        response = await http.post(
            "/v1/responses", json={"model": "mock/demo", **body}, headers={"authorization": f"Bearer {ALICE}"}
        )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["code"] == code


async def test_too_many_input_items(app: Gateway) -> None:
    async with raw(app) as http:
        body = {"model": "mock/demo", "input": [{"role": "user", "content": "x"}] * 10_001}
        response = await http.post("/v1/responses", json=body, headers={"authorization": f"Bearer {ALICE}"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "request_too_complex"


async def test_an_upstream_error_before_the_stream_keeps_its_status(app: Gateway) -> None:
    client = sdk(app)
    script = json.dumps([{"error": 429, "message": "slow down"}])
    with pytest.raises(openai.RateLimitError):
        await client.responses.create(
            model="mock/demo", input="Hi", stream=True, extra_headers={"x-mock-script": script}
        )


async def test_a_stream_that_fails_midway_ends_with_response_failed(app: Gateway) -> None:
    script = json.dumps([{"text": "Partial answ", "error": 500}])
    async with raw(app) as http:
        response = await http.post(
            "/v1/responses",
            json={"model": "mock/demo", "input": "Hi", "stream": True},
            headers={"authorization": f"Bearer {ALICE}", "x-mock-script": script},
        )
    events = [json.loads(b.split("data: ", 1)[1]) for b in response.text.split("\n\n") if b]
    assert [e["type"] for e in events[-2:]] == ["error", "response.failed"]
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    for event in events:
        EVENT.validate_python(event)
    assert events[-1]["response"]["status"] == "failed"


async def test_openai_targets_go_natively(app: Gateway, openai_upstream: FakeOpenAI) -> None:
    client = sdk(app)
    response = await client.responses.create(
        model="oa/native", input="Hi", tools=[{"type": "web_search"}], reasoning={"effort": "low"}
    )
    assert response.output_text == "Native." and response.id == "resp_native_1"
    sent = openai_upstream.requests[0]
    assert sent.url == "http://openai.test/v1/responses"
    assert sent.headers["authorization"] == f"Bearer {UPSTREAM_KEY}"
    assert json.loads(sent.content) == {
        "model": "gpt-4.1",
        "input": "Hi",
        "tools": [{"type": "web_search"}],
        "reasoning": {"effort": "low"},
    }
    assert (await client.responses.retrieve("resp_native_1")).output_text == "Native."
    async with client.responses.stream(model="oa/native", input="Hi") as stream:
        final = await stream.get_final_response()
    assert final.output_text == "Native."


async def test_a_native_stream_that_breaks(app: Gateway) -> None:
    async with raw(app) as http:
        response = await http.post(
            "/v1/responses",
            json={"model": "oa/broken", "input": "Hi", "stream": True},
            headers={"authorization": f"Bearer {ALICE}"},
        )
    events = [json.loads(b.split("data: ", 1)[1]) for b in response.text.split("\n\n") if b]
    assert [e["type"] for e in events] == ["response.created", "error", "response.failed"]
    assert [e["sequence_number"] for e in events] == [0, 1, 2]
    assert UPSTREAM_KEY not in response.text


async def test_unknown_model_and_methods(app: Gateway) -> None:
    async with raw(app) as http:
        auth = {"authorization": f"Bearer {ALICE}"}
        assert (await http.post("/v1/responses", json={"model": "nope", "input": "x"}, headers=auth)).status_code == 400
        assert (await http.get("/v1/responses", headers=auth)).status_code == 405
        assert (await http.put("/v1/responses/resp_x", headers=auth)).status_code == 405
        assert (await http.get("/v1/responses/resp_x/other", headers=auth)).status_code == 404
        assert (await http.get("/v1/responses/resp_x")).status_code == 401


async def test_a_client_that_leaves_mid_stream_closes_the_upstream(app: Gateway, openai_upstream: FakeOpenAI) -> None:
    before = asyncio.all_tasks()
    leave = asyncio.Event()
    first_body = asyncio.Event()
    sent: list[dict[str, Any]] = []
    pending = [json.dumps({"model": "oa/slow", "input": "Hi", "stream": True}).encode()]

    async def receive() -> dict[str, Any]:
        if pending:
            return {"type": "http.request", "body": pending.pop(), "more_body": False}
        await leave.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and message.get("body"):
            first_body.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/responses",
        "raw_path": b"/v1/responses",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"authorization", f"Bearer {ALICE}".encode()), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 5000),
        "server": ("gw", 80),
    }
    task = asyncio.ensure_future(app(scope, receive, send))  # type: ignore[arg-type]
    await asyncio.wait_for(first_body.wait(), 5)
    assert sent[0]["status"] == 200 and b"response.created" in sent[1]["body"]
    leave.set()
    await asyncio.wait_for(task, 2)  # promptly, although the upstream would hold the stream forever
    assert openai_upstream.closed == 1
    assert asyncio.all_tasks() == before
