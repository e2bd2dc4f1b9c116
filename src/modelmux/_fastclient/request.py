"""An ``httpx.Request`` on the wire: its head (exactly the headers httpx set, Host included) and its body.

A body httpx already holds as bytes (JSON) goes out with the head in one write; a streamed body (multipart,
sync or async iterables) is written a part at a time, framed as chunks when httpx chose
``Transfer-Encoding: chunked`` and sent as is when it set ``Content-Length``.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from .connection import Connection

__all__ = ["build_head", "replayable_body", "write_request"]

#: A body up to this size is joined to the head (one write, one syscall); a larger one is written after it.
_JOIN_LIMIT = 64 * 1024


def build_head(
    method: str, raw_headers: list[tuple[bytes, bytes]], target: bytes, extra: list[tuple[bytes, bytes]] | None = None
) -> bytes:
    """The request line and headers; ``httpx.LocalProtocolError`` (never quoting a value) for a CR, LF or NUL
    in any of them, which would let a value end its line and start another."""
    headers = raw_headers if extra is None else [*raw_headers, *extra]
    lines = [method.encode("ascii"), b" ", target, b" HTTP/1.1\r\n"]
    for name, value in headers:
        lines += (name, b": ", value, b"\r\n")
    lines.append(b"\r\n")
    head = b"".join(lines)
    if head.count(b"\n") != len(headers) + 2 or head.count(b"\r") != len(headers) + 2 or b"\0" in head:
        raise httpx.LocalProtocolError("a header name or value, or the request target, holds a CR, LF or NUL")
    return head


def replayable_body(request: httpx.Request) -> bytes | None:
    """The body as bytes when httpx holds it so (it can be sent again); None for a streamed one."""
    try:
        return request.content
    except httpx.RequestNotRead:
        return None


def _is_chunked(request: httpx.Request) -> bool:
    return str(request.headers.get("transfer-encoding", "")).lower() == "chunked"


async def write_request(
    conn: Connection,
    request: httpx.Request | None,
    head: bytes,
    body: bytes | None,
    timeout: Callable[[], float | None],
) -> None:
    """Write the head and body (``body`` bytes, else ``request``'s stream); ``timeout()`` gives the write timeout,
    asked only when the socket is full."""
    if body is not None:
        if not body:
            conn.write(head)
        elif len(body) <= _JOIN_LIMIT:
            conn.write(head + body)
        else:
            conn.write(head)
            conn.write(body)
        await conn.drained(timeout)
        return
    if request is None:
        raise httpx.LocalProtocolError("no request body to write")
    conn.write(head)
    chunked = _is_chunked(request)
    stream = request.stream
    if isinstance(stream, httpx.AsyncByteStream):
        async for part in stream:
            await _write_part(conn, part, chunked, timeout)
    elif isinstance(stream, httpx.SyncByteStream):
        for part in stream:
            await _write_part(conn, part, chunked, timeout)
    else:
        raise httpx.LocalProtocolError("the request body is neither a sync nor an async byte stream")
    if chunked:
        conn.write(b"0\r\n\r\n")
    await conn.drained(timeout)


async def _write_part(conn: Connection, part: bytes, chunked: bool, timeout: Callable[[], float | None]) -> None:
    if not part:
        return
    conn.write(b"%x\r\n%b\r\n" % (len(part), part) if chunked else part)
    await conn.drained(timeout)
