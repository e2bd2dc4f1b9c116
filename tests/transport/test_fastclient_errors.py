"""modelmux's own HTTP client: timeouts and the deadline clip, the read hook, hostile or broken answers, connection
errors, and no header value (a credential) in any error — on 127.0.0.1 only."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from fastclient_helpers import Seen, answer, client, keep_answering, pool_of, read_request, serving

import modelmux
from modelmux._deadline import DEADLINE
from modelmux._read_hook import BEFORE_READ
from modelmux.errors import APIConnectionError, APITimeoutError

pytestmark = pytest.mark.anyio
SECRET = "sk-proj-SECRETsecretSECRET0123456789"


async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    await asyncio.sleep(30)


async def test_a_silent_server_is_a_read_timeout() -> None:
    async with serving(silent) as port, client() as http:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            await http.get(f"http://127.0.0.1:{port}/", timeout=httpx.Timeout(5, read=0.1))
        assert time.monotonic() - started < 1 and pool_of(http) == (0, 0)


async def test_a_stalled_body_is_a_read_timeout() -> None:
    async def stalls(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc")
        await asyncio.sleep(30)

    async with serving(stalls) as port, client() as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get(f"http://127.0.0.1:{port}/", timeout=httpx.Timeout(5, read=0.1))
        assert pool_of(http) == (0, 0)


async def test_the_deadline_clips_every_read_of_a_dripping_answer() -> None:
    async def drips(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        for byte in b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n" + b"x" * 1000:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.01)

    async with serving(drips) as port, client() as http:
        token = DEADLINE.set(time.monotonic() + 0.3)  # each read alone is fast: only the deadline stops it
        try:
            started = time.monotonic()
            with pytest.raises(httpx.ReadTimeout):
                await http.get(f"http://127.0.0.1:{port}/", timeout=httpx.Timeout(5))
            assert time.monotonic() - started < 1
        finally:
            DEADLINE.reset(token)


async def test_a_passed_deadline_stops_connect_and_pool_waits_too() -> None:
    async with serving(silent) as port, client() as http:
        token = DEADLINE.set(time.monotonic() - 1)
        try:
            with pytest.raises(httpx.ConnectTimeout):
                await http.get(f"http://127.0.0.1:{port}/")
        finally:
            DEADLINE.reset(token)
        assert pool_of(http) == (0, 0)


async def test_a_connect_that_never_completes_is_a_connect_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    async def never(*args: object, **kwargs: object) -> None:
        await asyncio.sleep(30)

    async with client() as http:
        monkeypatch.setattr(asyncio.get_running_loop(), "create_connection", never)
        with pytest.raises(httpx.ConnectTimeout):
            await http.get("http://127.0.0.1:9/", timeout=httpx.Timeout(5, connect=0.1))
        assert pool_of(http) == (0, 0)


async def test_a_server_that_does_not_read_is_a_write_timeout() -> None:
    async def deaf(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)

    async with serving(deaf) as port, client() as http:
        with pytest.raises(httpx.WriteTimeout):
            await http.post(
                f"http://127.0.0.1:{port}/", content=b"x" * 64 * 1024 * 1024, timeout=httpx.Timeout(5, write=0.2)
            )
        assert pool_of(http) == (0, 0)


async def test_the_read_hook_is_awaited_before_each_network_read_of_the_body() -> None:
    parts = [b"one", b"two", b"three"]

    async def paced(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        for part in parts:
            writer.write(b"%x\r\n%s\r\n" % (len(part), part))
            await writer.drain()
            await asyncio.sleep(0.03)
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    log: list[str] = []

    async def hook() -> None:
        log.append("hook")

    async with serving(paced) as port, client() as http, http.stream("GET", f"http://127.0.0.1:{port}/") as reply:
        token = BEFORE_READ.set(hook)
        try:
            async for part in reply.aiter_raw():
                log.append(part.decode())
        finally:
            BEFORE_READ.reset(token)
    assert log == ["hook", "one", "hook", "two", "hook", "three", "hook"]


@pytest.mark.parametrize(
    "reply",
    [
        b"HTTP/1.1 200 OK\r\n" + b"".join(b"x-h%d: v\r\n" % i for i in range(101)) + b"\r\n",
        b"HTTP/1.1 200 OK\r\nx-big: " + b"v" * 70_000 + b"\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nx-endless: " + b"v" * 300_000,
        b"HTTP/1.1 200 " + b"R" * 70_000,
        b"garbage\r\n\r\n",
        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nok",
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 101 Switching Protocols\r\nupgrade: x\r\nconnection: upgrade\r\n\r\n",
    ],
    ids=[
        "101-headers",
        "70k-header",
        "endless-header",
        "endless-status",
        "garbage",
        "two-lengths",
        "bad-chunk",
        "upgrade",
    ],
)
async def test_a_hostile_or_malformed_answer_is_a_remote_protocol_error(reply: bytes) -> None:
    async def hostile(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(reply)
        await writer.drain()
        await asyncio.sleep(30)

    async with serving(hostile) as port, client() as http:
        with pytest.raises(httpx.RemoteProtocolError) as info:
            await http.get(f"http://127.0.0.1:{port}/", timeout=httpx.Timeout(2))
        assert "vvv" not in str(info.value) and "RRR" not in str(info.value)
        assert pool_of(http) == (0, 0)


async def test_100_headers_are_accepted() -> None:
    many = b"".join(b"x-h%d: v\r\n" % i for i in range(99))
    seen = Seen()
    async with serving(keep_answering(seen, lambda h, b: answer(b"ok", many))) as port, client() as http:
        assert (await http.get(f"http://127.0.0.1:{port}/")).headers["x-h98"] == "v"


@pytest.mark.parametrize("chunked", [False, True])
async def test_an_end_before_the_body_is_complete_is_a_remote_protocol_error(chunked: bool) -> None:
    async def premature(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        framing = (
            b"transfer-encoding: chunked\r\n\r\n5\r\nhello\r\n" if chunked else b"content-length: 100\r\n\r\nhello"
        )
        writer.write(b"HTTP/1.1 200 OK\r\n" + framing)
        await writer.drain()
        writer.close()

    async with serving(premature) as port, client() as http:
        with pytest.raises(httpx.RemoteProtocolError, match="peer closed connection without sending complete"):
            await http.get(f"http://127.0.0.1:{port}/")
        assert pool_of(http) == (0, 0)


async def test_a_reset_mid_body_is_a_read_error_and_a_refused_connection_a_connect_error() -> None:
    async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\npartial")
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.transport.abort()

    async with serving(reset) as port, client() as http:
        with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
            await http.get(f"http://127.0.0.1:{port}/")
    async with client() as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(f"http://127.0.0.1:{port}/")  # closed: nothing listens there any more
        with pytest.raises(httpx.ConnectError):
            await http.get("http://name.invalid/")  # no name resolution (the suite's guard refuses it)
        assert pool_of(http) == (0, 0)


async def test_a_header_value_with_a_line_break_is_refused_without_quoting_it() -> None:
    async with client() as http:
        request = httpx.Request("POST", "http://127.0.0.1:9/", content=b"{}")
        request.headers["authorization"] = "Bearer " + SECRET + "\r\nx-injected: 1"
        with pytest.raises(httpx.LocalProtocolError) as info:
            await http._transport.handle_async_request(request)
        assert SECRET not in str(info.value) and SECRET not in repr(info.value)


async def test_no_error_through_modelmux_shows_the_authorization_header(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "MODELMUX_HTTP_CLIENT",
    ):
        monkeypatch.delenv(name, raising=False)
    msgs = [{"role": "user", "content": "x"}]

    async def hostile(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head, _ = await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nx-echo: " + head.replace(b"\r\n", b" ") * 400 + b"\r\n\r\n")
        await writer.drain()
        writer.close()

    errors: list[BaseException] = []
    async with serving(hostile) as port:
        with pytest.raises(APIConnectionError) as info:
            await modelmux.acompletion(
                "openai/gpt-4o-mini", msgs, api_key=SECRET, api_base=f"http://127.0.0.1:{port}/v1"
            )
        errors.append(info.value)
    async with serving(silent) as port:
        with pytest.raises(APITimeoutError) as timeout_info:
            await modelmux.acompletion(
                "openai/gpt-4o-mini", msgs, api_key=SECRET, api_base=f"http://127.0.0.1:{port}/v1", timeout=0.2
            )
        errors.append(timeout_info.value)
    with pytest.raises(APIConnectionError) as refused:
        await modelmux.acompletion("openai/gpt-4o-mini", msgs, api_key=SECRET, api_base=f"http://127.0.0.1:{port}/v1")
    errors.append(refused.value)
    for error in errors:
        assert SECRET not in str(error) and SECRET not in repr(error) and SECRET not in str(vars(error))
