"""modelmux's own HTTP client: response bodies (sized, chunked, until close; one buffer per network read;
content-encoding left to httpx), request bodies (bytes, multipart, chunked iterables), early close, flow control."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import zstandard
from fastclient_helpers import Seen, answer, client, keep_answering, pool_of, read_request, serving

from modelmux._fastclient import connection

pytestmark = pytest.mark.anyio


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


async def test_a_chunked_body_yields_one_buffer_per_network_read_and_the_connection_is_reused() -> None:
    seen = Seen()
    events = [b"data: %d\n\n" % i for i in range(6)]

    async def chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        while True:
            await read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
            writer.write(b"".join(chunk(e) for e in events[:3]))  # three HTTP chunks in one write
            await writer.drain()
            await asyncio.sleep(0.05)
            for event in events[3:]:  # then one per write, apart
                writer.write(chunk(event))
                await writer.drain()
                await asyncio.sleep(0.05)
            writer.write(b"0\r\n\r\n")
            await writer.drain()

    async with serving(chunked) as port, client() as http:
        for _ in range(2):
            async with http.stream("GET", f"http://127.0.0.1:{port}/") as reply:
                reads = [part async for part in reply.aiter_raw()]
            assert reads == [b"".join(events[:3]), *events[3:]]
        assert pool_of(http) == (1, 1)
    assert seen.connections == 1


async def test_a_sized_body_split_across_reads_is_whole() -> None:
    body = bytes(range(256)) * 1000

    async def split(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        data = answer(body)
        for i in range(0, len(data), 7000):
            writer.write(data[i : i + 7000])
            await writer.drain()
            await asyncio.sleep(0)
        await reader.read()

    async with serving(split) as port, client() as http:
        reply = await http.get(f"http://127.0.0.1:{port}/")
        assert reply.content == body and reply.headers["content-length"] == str(len(body))
        assert pool_of(http) == (1, 1)


async def test_a_body_delimited_by_the_end_of_the_connection_is_read_and_the_connection_not_kept() -> None:
    async def until_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nall of ")
        await writer.drain()
        await asyncio.sleep(0.02)
        writer.write(b"it")
        await writer.drain()
        writer.close()

    async with serving(until_close) as port, client() as http:
        reply = await http.get(f"http://127.0.0.1:{port}/")
        assert reply.content == b"all of it"
        assert pool_of(http) == (0, 0)


async def test_http_1_0_and_connection_close_answers_are_not_kept() -> None:
    async def old(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head, _ = await read_request(reader)
        version = b"HTTP/1.0" if b"/old" in head else b"HTTP/1.1"
        writer.write(version + b" 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
        await writer.drain()
        writer.close()

    async with serving(old) as port, client() as http:
        reply = await http.get(f"http://127.0.0.1:{port}/old")
        assert reply.content == b"ok" and reply.http_version == "HTTP/1.0"
        assert (await http.get(f"http://127.0.0.1:{port}/new")).content == b"ok"
        assert pool_of(http) == (0, 0)


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [("gzip", gzip.compress), ("deflate", zlib.compress), ("zstd", zstandard.ZstdCompressor().compress)],
)
async def test_content_encoding_is_decoded_by_httpx(encoding: str, compress: object) -> None:
    text = b'{"message": "' + b"pong " * 500 + b'"}'
    packed = compress(text)  # type: ignore[operator]
    seen = Seen()
    reply_bytes = answer(packed, b"content-encoding: " + encoding.encode())
    async with serving(keep_answering(seen, lambda h, b: reply_bytes)) as port, client() as http:
        reply = await http.get(f"http://127.0.0.1:{port}/")
        assert reply.content == text
        async with http.stream("GET", f"http://127.0.0.1:{port}/") as streamed:
            assert b"".join([p async for p in streamed.aiter_raw()]) == packed


async def test_interim_answers_are_skipped_and_204_has_no_body() -> None:
    async def interim(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head, _ = await read_request(reader)
            if b"/nothing" in head:
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
            else:
                writer.write(
                    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: x\r\n\r\n" + answer(b"ok")
                )
            await writer.drain()

    async with serving(interim) as port, client() as http:
        reply = await http.get(f"http://127.0.0.1:{port}/")
        assert reply.status_code == 200 and reply.content == b"ok" and "link" not in reply.headers
        reply = await http.get(f"http://127.0.0.1:{port}/nothing")
        assert reply.status_code == 204 and reply.content == b""
        assert (await http.get(f"http://127.0.0.1:{port}/")).content == b"ok"
        assert pool_of(http) == (1, 1)


async def test_closing_a_response_before_its_end_closes_the_connection() -> None:
    seen = Seen()

    async def long(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        while True:
            await read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n" + b"x" * 1000)
            await writer.drain()

    async with serving(long) as port, client() as http:
        async with http.stream("GET", f"http://127.0.0.1:{port}/") as reply:
            async for _ in reply.aiter_raw():
                break
        assert pool_of(http) == (0, 0)
        async with http.stream("GET", f"http://127.0.0.1:{port}/") as reply:
            pass  # not read at all
        assert pool_of(http) == (0, 0)
    assert seen.connections == 2


async def test_request_bodies_bytes_multipart_and_iterables_go_out_as_httpx_framed_them() -> None:
    seen = Seen()

    async def agen() -> AsyncIterator[bytes]:
        yield b"async "
        yield b""
        yield b"parts"

    def gen() -> Iterator[bytes]:
        yield b"sync "
        yield b"parts"

    async with serving(keep_answering(seen)) as port, client() as http:
        url = f"http://127.0.0.1:{port}/"
        await http.post(url, content=b"raw bytes")
        await http.post(url, files={"file": ("a.txt", b"file body")}, data={"purpose": "x"})
        await http.post(url, content=agen())
        direct = await http._transport.handle_async_request(httpx.Request("POST", url, content=gen()))  # no client:
        await direct.aread()  # httpx's AsyncClient refuses sync iterables, a transport takes them
        await http.post(url, content=b"y" * 200_000)  # past the size joined to the head
    assert seen.connections == 1
    assert seen.bodies[0] == b"raw bytes"
    assert b"content-length:" in seen.heads[1].lower() and b"file body" in seen.bodies[1]
    assert b'name="purpose"' in seen.bodies[1]
    assert b"transfer-encoding: chunked" in seen.heads[2].lower() and seen.bodies[2] == b"async parts"
    assert b"transfer-encoding: chunked" in seen.heads[3].lower() and seen.bodies[3] == b"sync parts"
    assert seen.bodies[4] == b"y" * 200_000


async def test_a_slow_reader_pauses_the_socket_past_the_high_water_mark(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "HIGH_WATER", 64 * 1024)
    total = 4 * 1024 * 1024
    sent = 0
    done = asyncio.Event()

    async def firehose(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal sent
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % total)
        block = b"z" * 65536
        while sent < total:
            writer.write(block)
            await writer.drain()
            sent += len(block)
        done.set()

    async with serving(firehose) as port, client() as http:
        async with http.stream("GET", f"http://127.0.0.1:{port}/") as reply:
            await asyncio.sleep(0.3)  # nobody reads: the server is soon stuck on a full socket
            assert sent < total and not done.is_set()
            received = sum([len(p) async for p in reply.aiter_raw()])
        assert received == total and done.is_set()
        assert pool_of(http) == (1, 1)


async def test_what_h11_accepted_is_accepted_bare_lf_trailing_space_and_chunked_over_length() -> None:
    replies = [
        b"HTTP/1.1 200 OK\ncontent-length: 2\nx-a: v  \n\nok",
        b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
    ]

    async def lenient(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for reply in replies:
            await read_request(reader)
            writer.write(reply)
            await writer.drain()
        await reader.read()

    async with serving(lenient) as port, client() as http:
        first = await http.get(f"http://127.0.0.1:{port}/")
        assert first.content == b"ok" and first.headers["x-a"] == "v"
        assert (await http.get(f"http://127.0.0.1:{port}/")).content == b"ok"


async def test_a_head_request_reads_no_body_and_does_not_keep_the_connection() -> None:
    async def heads(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head, _ = await read_request(reader)
        assert head.startswith(b"HEAD / HTTP/1.1\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n")  # the length a GET would get
        await writer.drain()
        await reader.read()

    async with serving(heads) as port, client() as http:
        reply = await http.head(f"http://127.0.0.1:{port}/")
        assert reply.status_code == 200 and reply.content == b"" and reply.headers["content-length"] == "1000"
        assert pool_of(http) == (0, 0)


async def test_an_answer_sent_before_the_whole_upload_was_read_is_returned() -> None:
    async def refuses(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")  # the head only: the body is never read
        writer.write(answer(b"too large", status=b"413 Payload Too Large"))
        await writer.drain()
        writer.transport.abort()

    async def upload() -> AsyncIterator[bytes]:
        for _ in range(400):
            yield b"u" * 65536
            await asyncio.sleep(0)

    async with serving(refuses) as port, client() as http:
        reply = await http.post(f"http://127.0.0.1:{port}/", content=upload())
        assert reply.status_code == 413 and reply.content == b"too large"
        assert pool_of(http) == (0, 0)


async def test_read_all_takes_a_body_across_reads_and_stops_past_its_limit() -> None:
    body = bytes(range(256)) * 400  # 102,400 bytes, sent in pieces

    async def split(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await read_request(reader)
            data = answer(body)
            for i in range(0, len(data), 7000):
                writer.write(data[i : i + 7000])
                await writer.drain()
                await asyncio.sleep(0)

    async with serving(split) as port, client() as http:
        transport = http._transport  # the bare transport: an AsyncClient wraps the stream
        request = http.build_request("GET", f"http://127.0.0.1:{port}/")
        reply = await transport.handle_async_request(request)
        assert await reply.stream.read_all(len(body)) == body  # type: ignore[attr-defined]
        assert pool_of(http) == (1, 1)  # read to its end: back to the pool
        reply = await transport.handle_async_request(request)
        cut = await reply.stream.read_all(50_000)  # type: ignore[attr-defined]
        assert 50_000 < len(cut) < len(body) and body.startswith(cut)
        assert pool_of(http) == (0, 0)  # the rest is not read: the connection is closed
