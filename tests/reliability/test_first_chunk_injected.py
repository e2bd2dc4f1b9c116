"""``first_chunk_timeout`` on a SYNC ``completion(..., stream=True, transport=...)``.

What bounds it (``modelmux._stream_first``): an injected ``httpx.HTTPTransport``'s sockets stop at it (a real bound,
against a loopback upstream); any other injected transport is checked after its send and after each read until the
first chunk (a stall made of keep-alives or partial bytes fails within one read of it; a late first chunk is never
handed over). The stalls here are short: a few reads of 20 ms each.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "faults"))
from fake_upstream import Conn, FakeUpstream, Request, head

import modelmux
from modelmux.errors import APITimeoutError

MSG = [{"role": "user", "content": "hi"}]
CHUNK = (
    b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m",'
    b'"choices":[{"index":0,"delta":{"content":"%s"}}]}\n\n'
)
END = (
    b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m",'
    b'"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
)
SSE = {"content-type": "text/event-stream"}
#: Generous: the machine is shared.
SLACK = 1.5


class Stalling(httpx.SyncByteStream):
    """Keep-alive comments every ``gap`` seconds (``reads`` of them) before the first chunk, then the answer."""

    def __init__(self, reads: int, gap: float = 0.02) -> None:
        self.reads, self.gap, self.sent = reads, gap, 0
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(self.reads):
            time.sleep(self.gap)
            self.sent += 1
            yield b": keep-alive\n\n"
        yield CHUNK % b"one" + CHUNK % b"two" + END

    def close(self) -> None:
        self.closed = True


def texts(stream: modelmux.ChatStream) -> list[str]:
    return [c.choices[0].delta.content or "" for c in stream]


def test_a_stall_before_the_first_chunk_times_out_through_a_mock_transport() -> None:
    bodies: list[Stalling] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(Stalling(reads=500))  # 10 s of keep-alives: far past the first-chunk timeout
        return httpx.Response(200, headers=SSE, stream=bodies[-1])

    started = time.monotonic()
    with pytest.raises(APITimeoutError, match="first_chunk_timeout"):
        modelmux.completion(
            "openai/gpt-4o",
            MSG,
            stream=True,
            api_key="k",
            timeout=30,
            first_chunk_timeout=0.15,
            transport=httpx.MockTransport(handler),
        )
    elapsed = time.monotonic() - started
    assert 0.15 <= elapsed <= 0.15 + SLACK, elapsed
    assert bodies[0].closed and bodies[0].sent < 500  # stopped reading at the deadline, response closed


def test_a_missed_first_chunk_is_retried_through_a_mock_transport() -> None:
    plans = [500, 0]  # the first attempt stalls, the second answers at once

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=SSE, stream=Stalling(reads=plans.pop(0)))

    stream = modelmux.completion(
        "openai/gpt-4o",
        MSG,
        stream=True,
        api_key="k",
        timeout=30,
        num_retries=1,
        first_chunk_timeout=0.15,
        transport=httpx.MockTransport(handler),
    )
    assert texts(stream) == ["one", "two", ""]  # nothing of the stalled attempt, nothing twice
    assert stream._hidden_params["attempts"] == 2  # type: ignore[attr-defined]


def test_a_send_that_returns_after_the_deadline_is_not_handed_on() -> None:
    # A handler that blocks in its own code is not cut short (documented), but what it returns late is refused.
    def handler(request: httpx.Request) -> httpx.Response:
        time.sleep(0.2)
        return httpx.Response(200, headers=SSE, content=CHUNK % b"late" + END)

    with pytest.raises(APITimeoutError, match="first_chunk_timeout"):
        modelmux.completion(
            "openai/gpt-4o",
            MSG,
            stream=True,
            api_key="k",
            first_chunk_timeout=0.1,
            transport=httpx.MockTransport(handler),
        )


def test_a_first_chunk_in_time_streams_and_later_gaps_are_not_bounded_by_it() -> None:
    class SlowAfterFirst(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield CHUNK % b"one"
            time.sleep(0.2)  # longer than first_chunk_timeout: fine after the first chunk
            yield CHUNK % b"two" + END

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=SSE, stream=SlowAfterFirst())

    stream = modelmux.completion(
        "openai/gpt-4o",
        MSG,
        stream=True,
        api_key="k",
        first_chunk_timeout=0.1,
        transport=httpx.MockTransport(handler),
    )
    assert texts(stream) == ["one", "two", ""]


def test_an_injected_http_transport_is_cut_short_at_the_first_chunk_deadline() -> None:
    def script(request: Request, conn: Conn) -> None:
        conn.send(head(200, [("content-type", "text/event-stream")]))
        if conn.sleep(10.0):  # one blocking read on our side: only a socket timeout ends it
            conn.send(CHUNK % b"one" + END)

    transport = httpx.HTTPTransport()
    try:
        with FakeUpstream(script) as up:
            started = time.monotonic()
            with pytest.raises(APITimeoutError, match="first_chunk_timeout"):
                modelmux.completion(
                    "openai/gpt-4o",
                    MSG,
                    stream=True,
                    api_key="k",
                    api_base=up.url,
                    timeout=30,
                    first_chunk_timeout=0.3,
                    transport=transport,
                )
            elapsed = time.monotonic() - started
    finally:
        transport.close()
    assert 0.3 <= elapsed <= 0.3 + SLACK, elapsed


def test_an_injected_http_transport_still_works_without_deadlines() -> None:
    def script(request: Request, conn: Conn) -> None:
        conn.send(head(200, [("content-type", "text/event-stream")]))
        conn.send(CHUNK % b"one" + END)

    with httpx.HTTPTransport() as transport, FakeUpstream(script) as up:
        stream = modelmux.completion(
            "openai/gpt-4o", MSG, stream=True, api_key="k", api_base=up.url, transport=transport
        )
        assert texts(stream) == ["one", ""]
        with httpx.Client(transport=transport) as client:  # the user's own use of it is unchanged
            assert client.post(up.url + "/x").status_code == 200
