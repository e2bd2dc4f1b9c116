"""The httpx fallback of the pooled async transports (``MODELMUX_HTTP_CLIENT=httpx``, or no httptools): httpcore on
the plain-asyncio network backend. TLS verification, timeouts, connection errors, pool limits, idle connections
the server closed, and an HTTP proxy from the environment — on 127.0.0.1 only. (modelmux's own client, the
default when httptools is importable, is tested in tests/transport/.)"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpcore
import httpx
import pytest
import trustme

import modelmux
from modelmux import _http
from modelmux._asyncio_backend import AsyncioBackend
from modelmux.errors import APIConnectionError, APITimeoutError

pytestmark = pytest.mark.anyio

COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4o-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "pong"}, "finish_reason": "stop"}],
}
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _httpx_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """The calls through modelmux below use the httpx fallback this file is about."""
    monkeypatch.setenv("MODELMUX_HTTP_CLIENT", "httpx")


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            await reader.readexactly(int(line.split(b":", 1)[1]))
    return head


def _answer(body: bytes, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n%s\r\n%s" % (
        len(body),
        extra,
        body,
    )


async def _answer_forever(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            await _read_request(reader)
            writer.write(_answer(json.dumps(COMPLETION).encode()))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


@asynccontextmanager
async def serving(handler: Handler, ssl_context: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=ssl_context)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


def _pool(**kwargs: Any) -> httpcore.AsyncConnectionPool:
    return httpcore.AsyncConnectionPool(network_backend=AsyncioBackend(), **kwargs)


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


def _server_tls(ca: trustme.CA, *names: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    return context


async def test_tls_is_verified_against_the_trusted_roots(ca: trustme.CA) -> None:
    async with serving(_answer_forever, _server_tls(ca, "127.0.0.1")) as port:
        trusting = ssl.create_default_context()
        ca.configure_trust(trusting)
        async with _pool(ssl_context=trusting) as pool:
            response = await pool.request("POST", f"https://127.0.0.1:{port}/v1/chat/completions", content=b"{}")
            assert response.status == 200 and json.loads(response.content) == COMPLETION
        async with _pool(ssl_context=ssl.create_default_context()) as pool:  # the system roots: not our CA
            with pytest.raises(httpcore.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await pool.request("POST", f"https://127.0.0.1:{port}/", content=b"{}")


async def test_a_certificate_for_another_name_is_refused(ca: trustme.CA) -> None:
    async with serving(_answer_forever, _server_tls(ca, "elsewhere.example")) as port:
        trusting = ssl.create_default_context()
        ca.configure_trust(trusting)
        async with _pool(ssl_context=trusting) as pool:
            with pytest.raises(httpcore.ConnectError, match=r"CERTIFICATE_VERIFY_FAILED|match"):
                await pool.request("POST", f"https://127.0.0.1:{port}/", content=b"{}")


async def test_tls_through_modelmux_trusts_ssl_cert_file(ca: trustme.CA, tmp_path: Any, monkeypatch: Any) -> None:
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))  # read when the pool for this origin is made
    async with serving(_answer_forever, _server_tls(ca, "127.0.0.1")) as port:
        reply = await modelmux.acompletion(
            "openai/gpt-4o-mini", [{"role": "user", "content": "ping"}], api_base=f"https://127.0.0.1:{port}/v1"
        )
    assert reply.choices[0].message.content == "pong"


async def test_a_silent_server_is_a_read_timeout_and_a_timeout_error_through_modelmux() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        await asyncio.sleep(5)
        writer.close()

    async with serving(silent) as port:
        async with _pool() as pool:
            with pytest.raises(httpcore.ReadTimeout):
                await pool.request(
                    "POST", f"http://127.0.0.1:{port}/", content=b"{}", extensions={"timeout": {"read": 0.1}}
                )
        with pytest.raises(APITimeoutError):
            await modelmux.acompletion(
                "openai/gpt-4o-mini",
                [{"role": "user", "content": "x"}],
                api_base=f"http://127.0.0.1:{port}/v1",
                timeout=0.3,
            )


async def test_a_refused_connection_is_a_connect_error() -> None:
    async with serving(_answer_forever) as port:
        pass  # closed: nothing listens there any more
    async with _pool() as pool:
        with pytest.raises(httpcore.ConnectError):
            await pool.request("GET", f"http://127.0.0.1:{port}/")
    with pytest.raises(APIConnectionError):
        await modelmux.acompletion(
            "openai/gpt-4o-mini", [{"role": "user", "content": "x"}], api_base=f"http://127.0.0.1:{port}/v1"
        )


async def test_a_reset_mid_answer_is_a_read_error() -> None:
    async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\npartial")
        await writer.drain()
        writer.transport.abort()

    async with serving(reset) as port, _pool() as pool:
        with pytest.raises((httpcore.ReadError, httpcore.RemoteProtocolError)):
            await pool.request("GET", f"http://127.0.0.1:{port}/")


async def test_the_pool_limit_holds_and_a_waiting_request_times_out() -> None:
    release = asyncio.Event()
    connections = 0

    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await _read_request(reader)
        await release.wait()
        writer.write(_answer(b"{}"))
        await writer.drain()
        writer.close()

    async with serving(slow) as port, _pool(max_connections=1) as pool:
        first = asyncio.ensure_future(pool.request("GET", f"http://127.0.0.1:{port}/"))
        await asyncio.sleep(0.05)
        with pytest.raises(httpcore.PoolTimeout):
            await pool.request("GET", f"http://127.0.0.1:{port}/", extensions={"timeout": {"pool": 0.1}})
        release.set()
        assert (await first).status == 200
    assert connections == 1


async def test_an_idle_connection_the_server_closed_is_not_reused() -> None:
    connections = 0

    async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await _read_request(reader)
        writer.write(_answer(b"{}"))  # keep-alive by default, but it closes right after
        await writer.drain()
        writer.close()

    async with serving(once) as port, _pool() as pool:
        for _ in range(3):
            assert (await pool.request("GET", f"http://127.0.0.1:{port}/")).status == 200
            await asyncio.sleep(0.05)  # the close reaches the client: the connection is seen as gone
    assert connections == 3


async def test_keep_alive_reuses_one_connection() -> None:
    connections = 0

    async def counting(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await _answer_forever(reader, writer)

    async with serving(counting) as port, _pool() as pool:
        for _ in range(5):
            assert (await pool.request("POST", f"http://127.0.0.1:{port}/", content=b"{}")).status == 200
    assert connections == 1


async def test_an_http_proxy_from_the_environment_carries_the_call(monkeypatch: Any) -> None:
    seen: list[bytes] = []

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await _read_request(reader)
        seen.append(head.split(b"\r\n", 1)[0])
        writer.write(_answer(json.dumps(COMPLETION).encode(), b"connection: close\r\n"))
        await writer.drain()
        writer.close()

    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    async with serving(proxy) as port:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
        reply = await modelmux.acompletion(
            "openai/gpt-4o-mini", [{"role": "user", "content": "x"}], api_base="http://upstream.invalid/v1"
        )
    assert reply.choices[0].message.content == "pong"
    assert seen == [b"POST http://upstream.invalid/v1/chat/completions HTTP/1.1"]  # absolute form: a proxy request
    pooled = _http._async_pooled("http://upstream.invalid/v1")
    assert isinstance(pooled, httpx.AsyncClient)


async def test_the_pooled_async_transport_uses_this_backend_under_the_deadline_clip(monkeypatch: Any) -> None:
    from modelmux._deadline_backend import _AsyncBackend

    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    pooled = _http._async_pooled("http://127.0.0.1:9/v1")
    backend = pooled._pool._network_backend  # type: ignore[union-attr]
    assert isinstance(backend, _AsyncBackend) and isinstance(backend._inner, AsyncioBackend)
