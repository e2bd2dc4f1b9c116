"""Streaming: chunks go out as they come, a failure mid-stream is an error event, a client that leaves cancels."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import openai
import pytest
from gateway_fakes import FakeUpstream
from gateway_helpers import ALICE, keyed_config, make_app, raw, sdk

from modelmux.asgi import Gateway

pytestmark = pytest.mark.anyio

USER = [{"role": "user", "content": "hi"}]


class Client:
    """Drives the app through raw ASGI messages, so the test decides when the client disconnects."""

    def __init__(self, app: Gateway, body: dict[str, Any]) -> None:
        self.app = app
        self.body = json.dumps(body).encode()
        self.sent: list[dict[str, Any]] = []
        self.leave = asyncio.Event()
        self.first_body = asyncio.Event()

    async def receive(self) -> dict[str, Any]:
        if self.body is not None:
            body, self.body = self.body, None  # type: ignore[assignment]
            return {"type": "http.request", "body": body, "more_body": False}
        await self.leave.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)
        if message["type"] == "http.response.body" and message.get("body"):
            self.first_body.set()

    def run(self) -> asyncio.Task[None]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/v1/chat/completions",
            "raw_path": b"/v1/chat/completions",
            "root_path": "",
            "query_string": b"",
            "headers": [(b"authorization", f"Bearer {ALICE}".encode()), (b"content-type", b"application/json")],
            "client": ("127.0.0.1", 5000),
            "server": ("gw", 80),
        }
        return asyncio.ensure_future(self.app(scope, self.receive, self.send))  # type: ignore[arg-type]


def _one_at_a_time(upstream: FakeUpstream) -> Gateway:
    return make_app(keyed_config(limits={"max_concurrent": 1}), transport=upstream)


async def _slot_is_free(app: Gateway) -> None:
    reply = await sdk(app).chat.completions.create(model="mock/demo", messages=USER)
    assert reply.choices[0].message.content


async def test_a_failure_mid_stream_is_an_error_event_then_a_clean_end(app: Gateway) -> None:
    async with raw(app) as client:
        response = await client.post(
            "/v1/chat/completions",
            json={"model": "up/midstream", "messages": USER, "stream": True},
            headers={"authorization": f"Bearer {ALICE}"},
        )
    assert response.status_code == 200
    events = [e for e in response.text.split("\n\n") if e]
    assert "[DONE]" not in response.text
    last = json.loads(events[-1].removeprefix("data: "))
    assert last["error"]["type"] == "upstream_error"
    assert set(last["error"]) == {"message", "type", "param", "code"}
    assert len(events) == 4  # three chunks made it before the break


async def test_the_sdk_raises_on_the_error_event(app: Gateway) -> None:
    text = ""
    with pytest.raises(openai.APIError) as caught:
        stream = await sdk(app).chat.completions.create(model="up/midstream", messages=USER, stream=True)
        async for chunk in stream:
            text += chunk.choices[0].delta.content or ""
    assert text == "Hello from"
    assert "upstream" in caught.value.message
    await _slot_is_free(app)


async def test_chunks_are_flushed_before_the_upstream_finishes(upstream: FakeUpstream) -> None:
    app = make_app(transport=upstream)
    client = Client(app, {"model": "up/slow", "messages": USER, "stream": True})
    task = client.run()
    await asyncio.wait_for(client.first_body.wait(), 2)  # the upstream still holds the rest
    assert not task.done()
    assert client.sent[0]["status"] == 200
    upstream.release.set()
    await asyncio.wait_for(task, 2)
    assert client.sent[-1] == {"type": "http.response.body", "body": b"data: [DONE]\n\n", "more_body": False}


async def test_a_disconnect_mid_stream_cancels_the_upstream(upstream: FakeUpstream) -> None:
    before = asyncio.all_tasks()
    app = _one_at_a_time(upstream)
    client = Client(app, {"model": "up/slow", "messages": USER, "stream": True})
    task = client.run()
    await asyncio.wait_for(client.first_body.wait(), 2)
    client.leave.set()
    await asyncio.wait_for(task, 1)  # promptly, although the upstream would hold the stream forever
    assert upstream.closed == 1  # the upstream response was closed
    assert asyncio.all_tasks() == before  # nothing left running
    await _slot_is_free(app)  # and the concurrency slot was given back


async def test_a_disconnect_before_the_first_chunk_cancels_the_upstream_call(upstream: FakeUpstream) -> None:
    before = asyncio.all_tasks()
    app = _one_at_a_time(upstream)
    upstream.gate = asyncio.Event()  # the upstream never answers
    for stream in (True, False):
        client = Client(app, {"model": "up/ok", "messages": USER, "stream": stream})
        task = client.run()
        while not upstream.arrived:
            await asyncio.sleep(0.01)
        client.leave.set()
        await asyncio.wait_for(task, 1)
        assert client.sent == []  # nothing was sent to a client that is gone
        upstream.arrived = 0
    assert asyncio.all_tasks() == before
    upstream.gate = None
    await _slot_is_free(app)


async def test_a_stream_that_ends_normally_releases_its_slot(upstream: FakeUpstream) -> None:
    app = _one_at_a_time(upstream)
    for _ in range(3):
        stream = await sdk(app).chat.completions.create(model="up/ok", messages=USER, stream=True)
        assert [c async for c in stream]
    assert upstream.closed == 3
