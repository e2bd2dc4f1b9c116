"""Fault suite, bounds: slow drips and silent upstreams end near the configured timeout (a total deadline, not a
limit per read); huge answers and huge events end in UpstreamError after a bounded read, not unbounded memory."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fake_upstream import Conn, FakeUpstream, Request, head

import modelmux
from modelmux._http import DEFAULT_TIMEOUT, limits_of, timeout_of

MSG = [{"role": "user", "content": "hi"}]
TIMEOUT = 1.0
#: Generous: the machine is shared; a per-read timeout would run for ever against a drip.
SLACK = 1.5


def drip(content_type: str, byte: bytes = b" ") -> Callable[[Request, Conn], None]:
    """Answer at once, then send one byte every 50 ms for as long as the client listens."""

    def script(request: Request, conn: Conn) -> None:
        conn.send(head(200, [("content-type", content_type)]))
        while conn.send(byte) and conn.sleep(0.05):
            pass

    return script


def drip_before_headers(request: Request, conn: Conn) -> None:
    """The status line itself arrives one byte every 50 ms."""
    for byte in b"HTTP/1.1 200 OK\r\nx-slow: " + b"a" * 80:  # 5 s in all: a failure shows, not a hang
        if not (conn.send(bytes([byte])) and conn.sleep(0.05)):
            return


def silent(request: Request, conn: Conn) -> None:
    conn.sleep(30)


def call(url: str, stream: bool, is_async: bool, **kwargs: Any) -> None:
    model = "openai/gpt-4o"
    if not is_async:
        out = modelmux.completion(model, MSG, api_key="k", api_base=url, stream=stream, timeout=TIMEOUT, **kwargs)
        if stream:
            list(out)  # type: ignore[call-overload]
        return

    async def go() -> None:
        out = await modelmux.acompletion(
            model, MSG, api_key="k", api_base=url, stream=stream, timeout=TIMEOUT, **kwargs
        )
        if stream:
            async for _ in out:  # type: ignore[union-attr]
                pass

    asyncio.run(go())


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize(
    ("script", "stream"),
    [
        (drip("application/json"), False),
        (drip("text/event-stream"), True),
        (drip("text/event-stream", b":"), True),  # SSE comment bytes: never an event
        (drip_before_headers, False),
        (drip_before_headers, True),
        (silent, False),
        (silent, True),
    ],
    ids=["drip-body", "drip-stream", "drip-comments", "drip-headers", "drip-headers-stream", "silent", "silent-stream"],
)
def test_the_timeout_bounds_the_whole_call(script: Any, stream: bool, is_async: bool) -> None:
    with FakeUpstream(script) as up:
        started = time.monotonic()
        with pytest.raises(modelmux.APITimeoutError):
            call(up.url, stream, is_async)
        elapsed = time.monotonic() - started
    assert TIMEOUT * 0.9 <= elapsed <= TIMEOUT + SLACK, elapsed


def test_defaults_are_finite_and_documented() -> None:
    limits = limits_of(timeout_of(None), None, None)
    assert limits.total == 600.0 and DEFAULT_TIMEOUT.connect == 10.0
    assert limits.max_response_bytes == 32 * 2**20 and limits.max_event_bytes == 8 * 2**20
    assert timeout_of(5).connect == 5 and timeout_of(30).connect == 10  # connecting never takes the whole budget
    assert limits_of(httpx.Timeout(5, read=20), None, None).total == 20
    assert limits_of(httpx.Timeout(None), None, None).total is None  # explicitly unbounded


@pytest.mark.parametrize("bad", [-1, "soon", float("nan")])
def test_a_bad_timeout_is_a_bad_request(bad: Any) -> None:
    with pytest.raises(modelmux.BadRequestError):
        modelmux.completion("openai/gpt-4o", MSG, api_key="k", timeout=bad)


def endless(content_type: str, prefix: bytes = b"", piece: bytes = b"a" * 65536) -> Callable[[Request, Conn], None]:
    def script(request: Request, conn: Conn) -> None:
        conn.send(head(200, [("content-type", content_type)]) + prefix)
        while conn.send(piece):
            pass

    return script


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_an_endless_answer_stops_at_max_response_bytes(is_async: bool) -> None:
    script = endless("application/json", b'{"id": "')
    with FakeUpstream(script) as up:
        with pytest.raises(modelmux.UpstreamError, match="max_response_bytes"):
            call(up.url, False, is_async)
        sent = sum(1 for _ in up.requests)
    assert sent == 1


def test_the_default_limit_holds_against_a_huge_body() -> None:
    served: list[Conn] = []

    def script(request: Request, conn: Conn) -> None:
        served.append(conn)
        endless("application/json", b"[")(request, conn)

    with FakeUpstream(script) as up, pytest.raises(modelmux.UpstreamError):
        modelmux.completion("openai/gpt-4o", MSG, api_key="k", api_base=up.url, timeout=30)
    # The client stopped reading near 32 MiB (plus what sits in socket buffers), not at the end of time.
    assert served and served[0].sent < 64 * 2**20


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_an_endless_event_stops_at_max_event_bytes(is_async: bool) -> None:
    script = endless("text/event-stream", b"data: ", b"x" * 4096)
    with FakeUpstream(script) as up, pytest.raises(modelmux.UpstreamError, match="max_event_bytes"):
        call(up.url, True, is_async, max_event_bytes=256 * 1024)


def test_a_huge_declared_length_is_refused_before_reading() -> None:
    def script(request: Request, conn: Conn) -> None:
        conn.send(head(200, [("content-type", "application/json")], length=10**12) + b"{")
        conn.sleep(30)

    with FakeUpstream(script) as up:
        started = time.monotonic()
        with pytest.raises(modelmux.UpstreamError):
            modelmux.completion("openai/gpt-4o", MSG, api_key="k", api_base=up.url, timeout=20)
    assert time.monotonic() - started < 5


def test_the_pooled_transports_clip_socket_operations_to_the_deadline() -> None:
    """If httpx's internals move, the install reports it (and this fails) instead of silently not clipping."""
    from modelmux import _http
    from modelmux._deadline import install

    for transport in (httpx.HTTPTransport(), httpx.AsyncHTTPTransport(), httpx.Client(), httpx.AsyncClient()):
        assert install(transport), transport
    assert type(_http._new_sync()._pool._network_backend).__name__ == "_Backend"  # type: ignore[union-attr]
    assert _http.clips(None) and not _http.clips(httpx.MockTransport(lambda r: httpx.Response(200)))
