"""The stream pipeline: chunks before a failure are delivered first, however the bytes were split; answers to a
stream request that are not a stream are errors; events and documents are bounded; decoding is linear."""

from __future__ import annotations

import asyncio
import gzip
import json
import zlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import modelmux
from modelmux._sse import SSEDecoder
from modelmux._streaming import AsyncChatStream
from modelmux.providers._shapes import ChunkFactory

MSG = [{"role": "user", "content": "x"}]


def sse(*payloads: Any) -> bytes:
    return b"".join(b"data: " + (p if isinstance(p, bytes) else json.dumps(p).encode()) + b"\n\n" for p in payloads)


def delta(text: str, finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}],
    }


ERROR = {"error": {"message": "overloaded", "type": "server_error", "code": 503}}
BEFORE_ERROR = sse(delta("one "), delta("two "), ERROR, delta("never"))
BEFORE_GARBAGE = sse(delta("one "), delta("two ")) + b"data: {not json\n\n" + sse(delta("never"))


def split(body: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c for c in cuts if 0 < c < len(body)})
    return [body[a:b] for a, b in zip([0, *points], [*points, len(body)], strict=True)]


def sync_transport(pieces: list[bytes], headers: dict[str, str] | None = None) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=headers or {"content-type": "text/event-stream"}, content=iter(pieces))

    return httpx.MockTransport(handle)


def async_transport(pieces: list[bytes], headers: dict[str, str] | None = None) -> httpx.MockTransport:
    async def body() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    async def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=headers or {"content-type": "text/event-stream"}, content=body())

    return httpx.MockTransport(handle)


def collect(
    pieces: list[bytes], headers: dict[str, str] | None = None, **kwargs: Any
) -> tuple[list[str], BaseException | None]:
    texts: list[str] = []
    stream = modelmux.completion(
        "openai/gpt-4o", MSG, api_key="k", transport=sync_transport(pieces, headers), stream=True, **kwargs
    )
    try:
        for chunk in stream:
            texts.append(chunk.choices[0].delta.content or "" if chunk.choices else "")
    except modelmux.APIError as exc:
        return texts, exc
    return texts, None


def acollect(
    pieces: list[bytes], headers: dict[str, str] | None = None, **kwargs: Any
) -> tuple[list[str], BaseException | None]:
    async def go() -> tuple[list[str], BaseException | None]:
        texts: list[str] = []
        stream = await modelmux.acompletion(
            "openai/gpt-4o", MSG, api_key="k", transport=async_transport(pieces, headers), stream=True, **kwargs
        )
        try:
            async for chunk in stream:
                texts.append(chunk.choices[0].delta.content or "" if chunk.choices else "")
        except modelmux.APIError as exc:
            return texts, exc
        return texts, None

    return asyncio.run(go())


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(BEFORE_ERROR)), max_size=8))
def test_chunks_before_an_error_event_arrive_first_sync(cuts: list[int]) -> None:
    texts, err = collect(split(BEFORE_ERROR, cuts))
    assert texts == ["one ", "two "]
    assert isinstance(err, modelmux.ServiceUnavailableError)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(BEFORE_GARBAGE)), max_size=8))
def test_chunks_before_a_malformed_event_arrive_first_async(cuts: list[int]) -> None:
    texts, err = acollect(split(BEFORE_GARBAGE, cuts))
    assert texts == ["one ", "two "]
    assert isinstance(err, modelmux.UpstreamError)


@pytest.mark.parametrize("runner", [collect, acollect])
def test_whole_stream_in_one_read_with_an_error_event(runner: Any) -> None:
    texts, err = runner([BEFORE_ERROR])
    assert texts == ["one ", "two "] and isinstance(err, modelmux.ServiceUnavailableError)


@pytest.mark.parametrize("runner", [collect, acollect])
@pytest.mark.parametrize("encoding", ["gzip", "deflate", "identity"])
def test_a_compressed_stream_is_decompressed_before_decoding(runner: Any, encoding: str) -> None:
    """The loops read the raw body when nothing is to be undone; a Content-Encoding still is, in any split."""
    body = sse(delta("one "), delta("two ", "stop"), b"[DONE]")
    packed = {"gzip": gzip.compress, "deflate": zlib.compress, "identity": bytes}[encoding](body)
    headers = {"content-type": "text/event-stream", "content-encoding": encoding}
    for pieces in ([packed], split(packed, [3, 10, len(packed) // 2])):
        texts, err = runner(pieces, headers)
        assert err is None and texts == ["one ", "two "]


@pytest.mark.parametrize("runner", [collect, acollect])
@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", modelmux.UpstreamError),
        (b"\n  <html>maintenance</html>", modelmux.UpstreamError),
        (json.dumps({"error": {"message": "slow down", "code": 429}}).encode(), modelmux.RateLimitError),
        (json.dumps({"error": {"message": "bad", "type": "invalid_request_error"}}).encode(), modelmux.APIError),
        (
            json.dumps({"id": "x", "object": "chat.completion", "choices": [{"index": 0, "message": {}}]}).encode(),
            modelmux.UpstreamError,
        ),
        (b"", modelmux.UpstreamError),
        (b"   \n\n", modelmux.UpstreamError),
        (b"upstream connect error or disconnect/reset before headers", modelmux.UpstreamError),
    ],
)
def test_a_200_that_is_not_a_stream_is_an_error(runner: Any, body: bytes, error: type[Exception]) -> None:
    texts, err = runner([body])
    assert texts == [] and isinstance(err, error), err


def test_html_content_type_is_an_error_before_any_byte_is_read() -> None:
    pieces = [b"data: " + json.dumps(delta("x")).encode() + b"\n\n"]

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/html; charset=utf-8"}, content=iter(pieces))

    stream = modelmux.completion("openai/gpt-4o", MSG, api_key="k", transport=httpx.MockTransport(handle), stream=True)
    with pytest.raises(modelmux.UpstreamError, match="HTML"):
        list(stream)


def test_a_json_array_stream_still_works() -> None:
    body = json.dumps([delta("a"), delta("b", "stop")]).encode()
    texts, err = collect([body[:5], body[5:]])
    assert texts == ["a", "b"] and err is None


@pytest.mark.parametrize("runner", [collect, acollect])
def test_an_event_over_max_event_bytes_is_an_upstream_error_after_the_ones_before(runner: Any) -> None:
    big = sse(delta("ok"), delta("x" * 5000), delta("never"))
    texts, err = runner([big], max_event_bytes=1000)
    assert texts == ["ok"] and isinstance(err, modelmux.UpstreamError) and "max_event_bytes" in str(err)
    # The same event arriving in small pieces never buffers past the limit.
    texts, err = runner(split(big, list(range(0, len(big), 7))), max_event_bytes=1000)
    assert texts == ["ok"] and isinstance(err, modelmux.UpstreamError)


def test_a_json_document_over_max_response_bytes_is_refused() -> None:
    body = json.dumps([delta("x" * 100)] * 50).encode()
    texts, err = collect([body[i : i + 100] for i in range(0, len(body), 100)], max_response_bytes=1000)
    assert texts == [] and isinstance(err, modelmux.UpstreamError)


def test_a_non_streamed_answer_over_max_response_bytes_is_refused() -> None:
    served = {"n": 0}

    def pieces() -> Iterator[bytes]:
        for _ in range(10_000):
            served["n"] += 1
            yield b" " * 1000

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=pieces())

    with pytest.raises(modelmux.UpstreamError, match="max_response_bytes"):
        modelmux.completion(
            "openai/gpt-4o", MSG, api_key="k", transport=httpx.MockTransport(handle), max_response_bytes=50_000
        )
    assert served["n"] <= 52  # read incrementally: stopped right after the limit, not at the end


def test_a_declared_content_length_over_the_limit_is_refused_before_reading() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-length": str(10**9)}, content=iter([b"{}"]))

    with pytest.raises(modelmux.UpstreamError):
        modelmux.completion("openai/gpt-4o", MSG, api_key="k", transport=httpx.MockTransport(handle))


@pytest.mark.parametrize("bad", [0, -1, 1.5, "big", True])
def test_limits_must_be_positive_integers(bad: Any) -> None:
    with pytest.raises(modelmux.BadRequestError):
        modelmux.completion("openai/gpt-4o", MSG, api_key="k", max_response_bytes=bad)


class CountingBuffer(bytearray):
    """Counts the bytes the decoder searches and appends: a rescan of the whole buffer per chunk shows up
    as a quadratic count, whatever the speed of the machine."""

    searched = 0
    appended = 0

    def rfind(self, sub: Any, start: Any = None, *args: Any) -> int:  # type: ignore[override]
        CountingBuffer.searched += len(self) - (start or 0)
        return super().rfind(sub, start or 0, *args)

    def __iadd__(self, other: Any) -> CountingBuffer:  # type: ignore[override]
        CountingBuffer.appended += len(other)
        super().__iadd__(other)
        return self


@pytest.mark.parametrize("piece", [1, 7, 100])
@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_sse_decoding_is_linear_in_the_bytes(piece: int, newline: bytes) -> None:
    size = 200_000 if piece == 1 else 2_000_000
    event = b"data: " + b"x" * size + newline + newline
    stream = (b"data: small" + newline + newline) + event + event
    decoder = SSEDecoder(max_event_bytes=10 * size)
    decoder._buf = CountingBuffer()  # type: ignore[misc]
    CountingBuffer.searched = CountingBuffer.appended = 0
    events: list[tuple[str, str]] = []
    for i in range(0, len(stream), piece):
        events += decoder.feed(stream[i : i + piece])
    events += decoder.flush()
    assert [len(data) for _, data in events] == [5, size, size]
    assert type(decoder._buf) is CountingBuffer  # still counting: the buffer was grown in place, never replaced
    assert CountingBuffer.searched <= 3 * len(stream) and CountingBuffer.appended <= 2 * len(stream)


def test_a_10_mib_event_in_100_byte_pieces_is_decoded_once_within_the_limit() -> None:
    event = b"data: " + b"y" * (10 * 2**20) + b"\n\n"
    decoder = SSEDecoder(max_event_bytes=11 * 2**20)
    decoder._buf = CountingBuffer()  # type: ignore[misc]
    CountingBuffer.searched = 0
    out: list[tuple[str, str]] = []
    for i in range(0, len(event), 100):
        out += decoder.feed(event[i : i + 100])
    assert len(out) == 1 and len(out[0][1]) == 10 * 2**20 and type(decoder._buf) is CountingBuffer
    assert CountingBuffer.searched <= 2 * len(event)


def test_an_oversized_event_fails_while_arriving_not_at_its_end() -> None:
    decoder = SSEDecoder(max_event_bytes=1000)
    with pytest.raises(modelmux.UpstreamError):
        for _ in range(100):
            decoder.feed(b"data: " + b"z" * 100)


class _CountingTranslator:
    """Feeds counted; ``bad`` fails as a garbage event does."""

    def __init__(self) -> None:
        self.fed = 0
        self.factory = ChunkFactory("c", "m", 1)

    def feed(self, event: str, data: str) -> list[Any]:
        self.fed += 1
        if data == "bad":
            raise ValueError("garbage")
        return [self.factory.text("content", data)]

    def finish(self) -> list[Any]:
        return []


def _one_read_stream(payloads: list[str]) -> tuple[AsyncChatStream, _CountingTranslator, httpx.Response]:
    body = b"".join(f"data: {p}\n\n".encode() for p in payloads)

    async def content() -> AsyncIterator[bytes]:
        yield body

    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=content())
    translator = _CountingTranslator()
    return AsyncChatStream(response, translator, lambda e: e), translator, response


def test_async_events_of_a_read_are_translated_as_their_chunks_are_asked_for() -> None:
    async def go() -> None:
        stream, translator, _ = _one_read_stream([f"w{i}" for i in range(100)])
        first = await stream.__anext__()
        assert first.choices[0].delta.content == "w0" and translator.fed == 1  # not the whole read at once
        rest = stream.drain()  # the rest of the read, translated now, for one write
        assert [c.choices[0].delta.content for c in rest] == [f"w{i}" for i in range(1, 100)]
        assert translator.fed == 100 and stream.drain() == []
        assert [c async for c in stream] == []

    asyncio.run(go())


@pytest.mark.parametrize("drain", [False, True])
def test_async_failing_event_is_raised_after_the_chunks_before_it_and_the_response_closed(drain: bool) -> None:
    async def go() -> None:
        stream, translator, response = _one_read_stream(["a", "b", "bad", "never"])
        texts = [(await stream.__anext__()).choices[0].delta.content]
        if drain:
            texts += [c.choices[0].delta.content for c in stream.drain()]
        with pytest.raises(modelmux.UpstreamError):
            while True:
                texts.append((await stream.__anext__()).choices[0].delta.content)
        assert texts == ["a", "b"] and translator.fed == 3 and response.is_closed
        with pytest.raises(StopAsyncIteration):
            await stream.__anext__()

    asyncio.run(go())
