"""modelmux's own HTTP client: keep-alive reuse, limits, pool timeout, keep-alive expiry, idle connections the
server closed, the one retry, cancellation, and its use as the default pooled async transport (127.0.0.1 only)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from fastclient_helpers import Seen, answer, client, keep_answering, pool_of, read_request, serving

import modelmux
from modelmux import _http
from modelmux._fastclient import FastTransport

pytestmark = pytest.mark.anyio


async def test_keep_alive_reuses_one_connection_and_sends_every_header_as_httpx_has_it() -> None:
    seen = Seen()
    async with serving(keep_answering(seen)) as port, client() as http:
        for _ in range(5):
            reply = await http.post(f"http://127.0.0.1:{port}/v1?q=a b", json={"a": 1}, headers={"X-Custom": "v"})
            assert reply.status_code == 200 and reply.content == b"ok" and reply.http_version == "HTTP/1.1"
        assert pool_of(http) == (1, 1)
    assert seen.connections == 1
    head = seen.heads[0].decode()
    assert head.startswith(f"POST /v1?q=a%20b HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n")
    assert "\r\nX-Custom: v\r\n" in head and "\r\nContent-Length: 7\r\n" in head
    assert seen.bodies == [b'{"a":1}'] * 5


async def test_the_connection_limit_holds_and_a_waiting_request_times_out() -> None:
    release = asyncio.Event()
    seen = Seen()

    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        while True:
            await read_request(reader)
            await release.wait()
            writer.write(answer(b"ok"))
            await writer.drain()

    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=30)
    async with serving(slow) as port, client(limits=limits) as http:
        first = asyncio.ensure_future(http.get(f"http://127.0.0.1:{port}/"))
        await asyncio.sleep(0.05)
        with pytest.raises(httpx.PoolTimeout):
            await http.get(f"http://127.0.0.1:{port}/", timeout=httpx.Timeout(5, pool=0.1))
        third = asyncio.ensure_future(http.get(f"http://127.0.0.1:{port}/"))  # waits for the slot, then gets it
        await asyncio.sleep(0.05)
        release.set()
        assert (await first).status_code == 200 and (await third).status_code == 200
        assert pool_of(http) == (1, 1)
    assert seen.connections == 1


async def test_an_idle_connection_past_keepalive_expiry_is_not_reused() -> None:
    seen = Seen()
    limits = httpx.Limits(max_connections=10, max_keepalive_connections=10, keepalive_expiry=0.1)
    async with serving(keep_answering(seen)) as port, client(limits=limits) as http:
        await http.get(f"http://127.0.0.1:{port}/")
        await http.get(f"http://127.0.0.1:{port}/")
        assert seen.connections == 1
        await asyncio.sleep(0.2)
        await http.get(f"http://127.0.0.1:{port}/")
        assert seen.connections == 2 and pool_of(http) == (1, 1)


async def test_max_keepalive_closes_the_surplus_connections() -> None:
    seen = Seen()
    limits = httpx.Limits(max_connections=10, max_keepalive_connections=1, keepalive_expiry=30)
    async with serving(keep_answering(seen)) as port, client(limits=limits) as http:
        replies = await asyncio.gather(*(http.get(f"http://127.0.0.1:{port}/") for _ in range(3)))
        assert [r.status_code for r in replies] == [200] * 3
        assert seen.connections == 3 and pool_of(http) == (1, 1)


async def test_an_idle_connection_the_server_closed_is_never_reused() -> None:
    seen = Seen()

    async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        await read_request(reader)
        writer.write(answer(b"ok"))  # keep-alive by default, but it closes right after
        await writer.drain()
        writer.close()

    async with serving(once) as port, client() as http:
        for _ in range(3):
            assert (await http.get(f"http://127.0.0.1:{port}/")).status_code == 200
            await asyncio.sleep(0.05)  # the close reaches the client: the connection leaves the pool
            assert pool_of(http) == (0, 0)
    assert seen.connections == 3


async def test_a_reused_connection_closed_before_any_answer_byte_is_retried_once_on_a_new_one() -> None:
    seen = Seen()

    async def answers_then_drops(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        _head, body = await read_request(reader)
        seen.bodies.append(body)
        writer.write(answer(b"ok"))
        await writer.drain()
        if seen.connections == 1:  # the second request on this connection: read, then dropped unanswered
            await read_request(reader)
        writer.close()

    async with serving(answers_then_drops) as port, client() as http:
        assert (await http.post(f"http://127.0.0.1:{port}/", content=b"one")).content == b"ok"
        assert (await http.post(f"http://127.0.0.1:{port}/", content=b"two")).content == b"ok"
    assert seen.connections == 2 and seen.bodies == [b"one", b"two"]


async def test_a_new_connection_closed_before_any_answer_is_an_error_not_retried() -> None:
    seen = Seen()

    async def drops(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        await read_request(reader)
        writer.close()

    async with serving(drops) as port, client() as http:
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
            await http.post(f"http://127.0.0.1:{port}/", content=b"x")
        assert pool_of(http) == (0, 0)
    assert seen.connections == 1


@pytest.mark.parametrize("stage", ["head", "body"])
async def test_a_cancelled_request_closes_its_connection_and_keeps_the_counts_right(stage: str) -> None:
    seen = Seen()
    closed = asyncio.Event()

    async def stalls(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        await read_request(reader)
        if stage == "body":
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npart")
            await writer.drain()
        await reader.read()  # until the client closes
        closed.set()

    async def call(http: httpx.AsyncClient, port: int) -> None:
        async with http.stream("GET", f"http://127.0.0.1:{port}/") as reply:
            async for _ in reply.aiter_raw():
                pass

    async with serving(stalls) as port, client() as http:
        task = asyncio.ensure_future(call(http, port))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.wait_for(closed.wait(), 2)  # the server saw the connection close
        assert pool_of(http) == (0, 0)


async def test_a_cancelled_pool_waiter_leaves_no_slot_behind() -> None:
    release = asyncio.Event()

    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await read_request(reader)
            await release.wait()
            writer.write(answer(b"ok"))
            await writer.drain()

    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=30)
    async with serving(slow) as port, client(limits=limits) as http:
        first = asyncio.ensure_future(http.get(f"http://127.0.0.1:{port}/"))
        await asyncio.sleep(0.05)
        waiting = asyncio.ensure_future(http.get(f"http://127.0.0.1:{port}/"))
        await asyncio.sleep(0.05)
        waiting.cancel()
        release.set()
        assert (await first).status_code == 200
        assert (await http.get(f"http://127.0.0.1:{port}/")).status_code == 200
        assert pool_of(http) == (1, 1)
        assert transport_waiters(http) == 0


def transport_waiters(http: httpx.AsyncClient) -> int:
    transport = http._transport
    assert isinstance(transport, FastTransport)
    return len(transport.pool._waiters)


COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4o-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "pong"}, "finish_reason": "stop"}],
}


def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


async def test_it_is_the_default_pooled_async_transport_one_pool_per_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_proxies(monkeypatch)
    monkeypatch.delenv("MODELMUX_HTTP_CLIENT", raising=False)
    seen = Seen()
    async with serving(keep_answering(seen, lambda h, b: answer(json.dumps(COMPLETION).encode()))) as port:
        base = f"http://127.0.0.1:{port}/v1"

        async def one() -> Any:
            return await modelmux.acompletion("openai/gpt-4o-mini", [{"role": "user", "content": "x"}], api_base=base)

        for _ in range(3):  # from separate tasks: still one pool, one connection
            reply = await asyncio.ensure_future(one())
            assert reply.choices[0].message.content == "pong"
        pooled = _http._async_pooled(base)
        assert isinstance(pooled, FastTransport) and _http.clips(None)
        limits = _http._LIMITS
        assert (pooled.pool._max, pooled.pool._max_idle, pooled.pool._expiry) == (
            limits.max_connections,
            limits.max_keepalive_connections,
            limits.keepalive_expiry,
        )
    assert seen.connections == 1


async def test_modelmux_http_client_httpx_opts_out(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_proxies(monkeypatch)
    monkeypatch.setenv("MODELMUX_HTTP_CLIENT", "httpx")
    assert isinstance(_http._async_pooled("http://127.0.0.1:9/v1"), httpx.AsyncHTTPTransport)


async def test_a_socks_proxy_in_the_environment_falls_back_to_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_proxies(monkeypatch)
    monkeypatch.delenv("MODELMUX_HTTP_CLIENT", raising=False)
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")
    assert not _http._fast_client()
    with pytest.raises(ValueError, match="http://"):
        FastTransport()


async def test_a_streamed_body_is_not_sent_twice_when_the_reused_connection_drops() -> None:
    seen = Seen()

    async def answers_then_drops(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        await read_request(reader)
        writer.write(answer(b"ok"))
        await writer.drain()
        await read_request(reader)  # the second request: read, then dropped unanswered
        writer.close()

    async def parts() -> Any:
        yield b"streamed"

    async with serving(answers_then_drops) as port, client() as http:
        assert (await http.post(f"http://127.0.0.1:{port}/", content=b"one")).content == b"ok"
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post(f"http://127.0.0.1:{port}/", content=parts())
        assert pool_of(http) == (0, 0)
    assert seen.connections == 1


async def test_an_idle_connection_that_receives_unasked_bytes_is_not_reused() -> None:
    seen = Seen()

    async def chatty(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        while True:
            await read_request(reader)
            writer.write(answer(b"ok"))
            await writer.drain()
            await asyncio.sleep(0.02)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nstale")  # an answer nobody asked for

    async with serving(chatty) as port, client() as http:
        for _ in range(2):
            assert (await http.get(f"http://127.0.0.1:{port}/")).content == b"ok"
            await asyncio.sleep(0.1)
        assert pool_of(http) == (0, 0)  # each connection was closed when the stale answer arrived
    assert seen.connections == 2


async def test_at_the_limit_an_idle_connection_to_another_origin_makes_room_and_aclose_closes_idle_ones() -> None:
    first, second = Seen(), Seen()
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=30)
    async with serving(keep_answering(first)) as port_a, serving(keep_answering(second)) as port_b:
        http = client(limits=limits)
        assert (await http.get(f"http://127.0.0.1:{port_a}/")).content == b"ok"
        assert (await http.get(f"http://127.0.0.1:{port_b}/", timeout=httpx.Timeout(5, pool=0.2))).content == b"ok"
        assert pool_of(http) == (1, 1)
        await http.aclose()
        assert pool_of(http) == (0, 0)
    assert first.connections == second.connections == 1
