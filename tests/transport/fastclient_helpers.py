"""Loopback servers for the tests of modelmux's own HTTP client (``modelmux._fastclient``)."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
import trustme

from modelmux._fastclient import FastTransport

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@dataclass
class Seen:
    """What a server saw: connections opened, raw request heads and bodies."""

    connections: int = 0
    heads: list[bytes] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One request's head and body (content-length or chunked)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.lower().split(b"\r\n")
    body = b""
    for line in lines:
        if line.startswith(b"content-length:"):
            body = await reader.readexactly(int(line.split(b":", 1)[1]))
    if b"transfer-encoding: chunked" in lines:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            parts.append(await reader.readexactly(size + 2))
            if size == 0:
                break
        body = b"".join(p[:-2] for p in parts)
    return head, body


def answer(body: bytes, *extra: bytes, status: bytes = b"200 OK") -> bytes:
    headers = b"".join(h + b"\r\n" for h in extra)
    return b"HTTP/1.1 %s\r\ncontent-length: %d\r\n%s\r\n%s" % (status, len(body), headers, body)


def keep_answering(seen: Seen, reply: Callable[[bytes, bytes], bytes] | None = None) -> Handler:
    """A keep-alive server: every request gets ``reply(head, body)`` (default: 'ok')."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        try:
            while True:
                head, body = await read_request(reader)
                seen.heads.append(head)
                seen.bodies.append(body)
                writer.write(reply(head, body) if reply else answer(b"ok"))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return handler


@asynccontextmanager
async def serving(handler: Handler, ssl_context: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    tasks: set[asyncio.Task[None]] = set()

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            writer.close()
        except asyncio.CancelledError:  # the test is over (ending normally: asyncio logs a cancelled handler)
            writer.transport.abort()

    server = await asyncio.start_server(tracked, "127.0.0.1", 0, ssl=ssl_context)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def server_tls(ca: trustme.CA, *names: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    return context


def client(**kwargs: object) -> httpx.AsyncClient:
    """An httpx client on the transport under test (no proxies from the environment unless asked)."""
    trust_env = bool(kwargs.pop("trust_env", False))
    return httpx.AsyncClient(transport=FastTransport(trust_env=trust_env, **kwargs), timeout=5.0)  # type: ignore[arg-type]


def pool_of(http: httpx.AsyncClient) -> tuple[int, int]:
    """(open connections, idle connections) of the client's transport."""
    transport = http._transport
    assert isinstance(transport, FastTransport)
    return transport.pool.open, transport.pool.idle
