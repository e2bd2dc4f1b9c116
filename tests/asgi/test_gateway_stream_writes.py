"""Through the pooled transport a stream goes out one write per network read of the upstream, and what one read
brought is written before the gateway waits for the next; a client that leaves still cancels the upstream."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from gateway_helpers import make_app

pytestmark = pytest.mark.anyio

USER = [{"role": "user", "content": "hi"}]


def _event(i: int, finish: str | None = None) -> bytes:
    chunk = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": {"content": f"w{i} "}, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(chunk).encode() + b"\n\n"


def _chunks(events: list[bytes]) -> bytes:
    """One HTTP chunk per event (what makes per-event writes expensive), all in one socket write."""
    return b"".join(b"%x\r\n%s\r\n" % (len(e), e) for e in events)


class Upstream:
    """An OpenAI-style SSE server on 127.0.0.1: ``first`` events in one write, then, once ``release`` is set, the
    rest and ``[DONE]``; ``closed`` is set when the gateway drops the connection."""

    def __init__(self, first: int, rest: int) -> None:
        self.first, self.rest = first, rest
        self.release = asyncio.Event()
        self.closed = asyncio.Event()
        self.requests = 0
        self.url = ""
        self._server: asyncio.AbstractServer | None = None

    async def __aenter__(self) -> Upstream:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/v1"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.lower().split(b"\r\n")
        length = next(int(line.split(b":")[1]) for line in lines if line.startswith(b"content-length:"))
        await reader.readexactly(length)
        self.requests += 1
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
        writer.write(_chunks([_event(i) for i in range(self.first)]))
        await writer.drain()
        release = asyncio.ensure_future(self.release.wait())
        gone = asyncio.ensure_future(reader.read(1))  # b"" once the gateway closes the connection
        await asyncio.wait((release, gone), return_when=asyncio.FIRST_COMPLETED)
        if gone.done():
            release.cancel()
            self.closed.set()
            writer.close()
            return
        gone.cancel()
        last = self.first + self.rest - 1
        events = [_event(i, "stop" if i == last else None) for i in range(self.first, last + 1)]
        writer.write(_chunks([*events, b"data: [DONE]\n\n"]) + b"0\r\n\r\n")
        await writer.drain()
        writer.close()


def _app(upstream: Upstream) -> Any:
    return make_app({"models": {"up": {"model": "openai/gpt-4o-mini", "api_base": upstream.url, "timeout": 5}}})


class Recorder:
    def __init__(self, body: dict[str, Any]) -> None:
        self._body: bytes | None = json.dumps(body).encode()
        self.writes: list[bytes] = []
        self.leave = asyncio.Event()
        self.wrote = asyncio.Event()

    async def receive(self) -> dict[str, Any]:
        if self._body is not None:
            body, self._body = self._body, None
            return {"type": "http.request", "body": body, "more_body": False}
        await self.leave.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            self.writes.append(message["body"])
            self.wrote.set()

    def events(self, writes: list[bytes]) -> list[bytes]:
        return [e for w in writes for e in w.split(b"\n\n") if e]


def _scope() -> dict[str, Any]:
    return {
        "type": "http",
        "method": "POST",
        "path": "/v1/chat/completions",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"host", b"localhost")],
    }


async def _until(predicate: Any) -> None:
    for _ in range(400):
        if predicate():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("timed out")


async def test_each_network_read_is_one_write_sent_before_the_next_read_waits() -> None:
    async with Upstream(first=40, rest=30) as upstream:
        client = Recorder({"model": "up", "messages": USER, "stream": True})
        task = asyncio.ensure_future(_app(upstream)(_scope(), client.receive, client.send))
        # The upstream holds the rest back: everything it sent so far must already be out, in few writes.
        await _until(lambda: len(client.events(client.writes)) == 40)
        assert not task.done()
        assert len(client.writes) <= 3  # the first chunk alone, then the rest of the read (not 40 writes)
        held = len(client.writes)
        upstream.release.set()
        await asyncio.wait_for(task, 5)
    tail = client.writes[held:]
    assert len(tail) == 1  # the second read and [DONE]: one write
    events = client.events(client.writes)
    assert len(events) == 71 and events[-1] == b"data: [DONE]"
    texts = [json.loads(e[6:])["choices"][0]["delta"]["content"] for e in events[:-1]]
    assert texts == [f"w{i} " for i in range(70)]


async def test_a_client_that_leaves_a_batched_stream_closes_the_upstream_connection() -> None:
    async with Upstream(first=10, rest=10) as upstream:
        client = Recorder({"model": "up", "messages": USER, "stream": True})
        task = asyncio.ensure_future(_app(upstream)(_scope(), client.receive, client.send))
        await _until(lambda: len(client.events(client.writes)) == 10)
        client.leave.set()
        await asyncio.wait_for(task, 2)
        await asyncio.wait_for(upstream.closed.wait(), 2)  # the upstream request was dropped, not read on
        assert upstream.requests == 1


async def test_a_client_that_leaves_a_pending_non_streamed_call_closes_the_upstream_connection() -> None:
    async with Upstream(first=0, rest=1) as upstream:  # answers a head, then holds the body back
        client = Recorder({"model": "up", "messages": USER})
        task = asyncio.ensure_future(_app(upstream)(_scope(), client.receive, client.send))
        await _until(lambda: upstream.requests == 1)
        await asyncio.sleep(0.05)
        client.leave.set()
        await asyncio.wait_for(task, 2)  # the request task itself ends: its work was cancelled, not awaited
        await asyncio.wait_for(upstream.closed.wait(), 2)
    assert client.writes == []  # nothing was sent to a client that is gone
