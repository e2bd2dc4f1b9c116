"""Same-dialect pass-through: a streamed chat on an OpenAI route forwards OpenAI's own event bytes (recorded streams
replayed as a real loopback upstream come out byte for byte), and still ends with the gateway's error event on an
in-band error, a cut stream or an oversized event; routes that need the chunks (callbacks) keep the parsed path."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from gateway_helpers import ENV, make_app

from conformance.cassette import Interaction, chat_interactions, iter_cassettes
from conformance.replay import ReplayServer
from modelmux._raw_stream import aopen_raw_chat_stream
from modelmux.callbacks import Callback
from modelmux.errors import UpstreamError
from modelmux.providers.openai.errors import error_from_event

pytestmark = pytest.mark.anyio

USER = [{"role": "user", "content": "hi"}]
DONE = b"data: [DONE]\n\n"


def _recorded_streams() -> list[Interaction]:
    found = []
    for path in iter_cassettes(provider_classes={"openai-chat"}):
        for interaction in chat_interactions(path):
            if interaction.status == 200 and interaction.is_stream:
                found.append(interaction)
    return found


STREAMS = _recorded_streams()


def raw(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost")


def _route(api_base: str, timeout: float = 5) -> dict[str, Any]:
    route = {"model": "openai/gpt-4o-mini", "api_base": api_base, "api_key_env": "UPSTREAM_KEY", "timeout": timeout}
    return {"models": {"up": route}}


def test_the_corpus_has_openai_streams() -> None:
    assert len(STREAMS) >= 3


@pytest.mark.parametrize("interaction", STREAMS, ids=lambda i: f"{i.cassette.stem if i.cassette else ''}#{i.index}")
async def test_a_recorded_openai_stream_comes_out_byte_for_byte(interaction: Interaction) -> None:
    recorded = interaction.decoded_body().replace(b"\r\n", b"\n")
    assert recorded.rstrip(b"\n").endswith(b"data: [DONE]")
    sent = interaction.request_json if isinstance(interaction.request_json, dict) else {}
    body = {"model": "up", "messages": sent.get("messages", USER), "stream": True}
    if "stream_options" in sent:
        body["stream_options"] = sent["stream_options"]
    with ReplayServer(interaction, max_piece=48, seed=7) as upstream:  # cut at random offsets: events split
        async with raw(make_app(_route(upstream.url + "/v1"))) as client:
            response = await client.post("/v1/chat/completions", json=body)
    assert response.status_code == 200, response.text
    # Not re-made: OpenAI's own spacing and its null fields (the parsed path drops them) are all there.
    assert response.content == recorded.rstrip(b"\n") + b"\n\n"
    assert b'"finish_reason":null' in response.content


class Upstream:
    """An OpenAI-style SSE server on 127.0.0.1 sending ``pieces`` (one socket write each) with a 200."""

    def __init__(self, *pieces: bytes, status: int = 200, stall: float = 0.0) -> None:
        self.pieces = pieces
        self.stall = stall  # seconds of silence after the first piece
        self.status = status
        self.url = ""
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> str:
        if self._server is None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
            self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/v1"
        return self.url

    async def __aenter__(self) -> Upstream:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.lower().split(b"\r\n")
        await reader.readexactly(next(int(line.split(b":")[1]) for line in lines if line.startswith(b"content-length")))
        kind = b"text/event-stream" if self.status == 200 else b"application/json"
        writer.write(b"HTTP/1.1 %d X\r\ncontent-type: %s\r\ntransfer-encoding: chunked\r\n\r\n" % (self.status, kind))
        for piece in self.pieces:
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            await writer.drain()
            await asyncio.sleep(self.stall or 0.01)
            self.stall = 0.0
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        writer.close()


def _event(text: str, finish: str | None = None, **extra: Any) -> bytes:
    chunk = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "delta": {"content": text}, "logprobs": None, "finish_reason": finish}],
        **extra,
    }
    return b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n"


async def _stream(*pieces: bytes, status: int = 200, data: dict[str, Any] | None = None) -> httpx.Response:
    async with Upstream(*pieces, status=status) as upstream, raw(make_app(data or _route(upstream.url))) as client:
        body = {"model": "up", "messages": USER, "stream": True}
        return await client.post("/v1/chat/completions", json=body)


def _error(response: httpx.Response) -> dict[str, Any]:
    last = response.content.rstrip(b"\n").rsplit(b"\n\n", 1)[-1]
    assert last.startswith(b"data: ") and DONE not in response.content
    error: dict[str, Any] = json.loads(last[6:])["error"]
    return error


async def test_an_in_band_error_ends_the_stream_with_the_error_event_after_the_bytes_before_it() -> None:
    good = _event("Hel") + _event("lo")
    bad = b'data: {"error":{"message":"The server had an error","type":"server_error","code":null}}\n\n'
    response = await _stream(good, bad + _event("never"))
    assert response.status_code == 200
    assert response.content.startswith(good) and b"never" not in response.content
    error = _error(response)
    assert "server_error, HTTP 500" in error["message"]


async def test_an_error_event_named_error_is_an_error_too() -> None:
    response = await _stream(_event("a"), b'event: error\ndata: {"error":{"message":"overloaded"}}\n\n')
    assert "failed (HTTP 500)" in _error(response)["message"]


async def test_an_error_as_the_first_event_keeps_its_status() -> None:
    bad = b'data: {"error":{"message":"Rate limit reached","type":"requests","code":429}}\n\n'
    response = await _stream(bad)
    assert response.status_code == 429
    assert "rate limiting" in response.json()["error"]["message"]


async def test_an_error_status_is_mapped_as_before() -> None:
    body = b'{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}'
    response = await _stream(body, status=401)
    assert response.status_code in (401, 502) and response.json()["error"]["message"]


async def test_a_stream_cut_short_ends_with_the_truncation_error() -> None:
    response = await _stream(_event("Hel"), _event("lo"))  # no finish_reason, no [DONE]
    assert response.content.startswith(_event("Hel") + _event("lo"))
    assert "no finish_reason and no [DONE]" in _error(response)["message"]


async def test_a_finish_reason_without_done_is_a_complete_stream() -> None:
    response = await _stream(_event("Hi"), _event("", "stop"))
    assert response.content == _event("Hi") + _event("", "stop") + DONE


async def test_a_cut_inside_an_event_is_an_error_and_the_half_event_is_not_sent() -> None:
    half = _event("lo", "stop")[:100]
    response = await _stream(_event("Hel"), half)
    assert response.content.count(b"chatcmpl-1") == 1  # only the whole event before the cut
    assert "malformed" in _error(response)["message"]


async def test_an_event_over_max_event_bytes_is_an_error() -> None:
    huge = _event("x" * (8 * 1024 * 1024 + 10), "stop")
    response = await _stream(_event("a"), huge[: len(huge) // 2], huge[len(huge) // 2 :])
    assert response.content.startswith(_event("a"))
    assert "max_event_bytes" in _error(response)["message"]


async def test_garbage_is_an_error_not_forwarded() -> None:
    response = await _stream(_event("a"), b"data: {not json\n\n")
    assert b"not json" not in response.content
    assert "malformed" in _error(response)["message"]


async def test_an_html_answer_is_an_error() -> None:
    response = await _stream(b"<html><body>Bad gateway</body></html>")
    assert response.status_code == 502


async def test_a_route_with_callbacks_keeps_the_parsed_path() -> None:
    class Seen(Callback):
        ends = 0

        def on_stream_end(self, event: Any) -> None:
            Seen.ends += 1

    from modelmux.asgi import create_app
    from modelmux.asgi.config import parse_config

    async with Upstream(_event("Hi"), _event("", "stop") + DONE) as upstream:
        app = create_app(parse_config(_route(upstream.url), environ=ENV), callbacks=[Seen()])
        async with raw(app) as client:
            response = await client.post("/v1/chat/completions", json={"model": "up", "messages": USER, "stream": True})
    assert Seen.ends == 1
    assert b'"logprobs":null' not in response.content  # re-made from the parsed chunks (nulls left out)
    assert response.content.endswith(DONE)


class Noop(Callback):
    def on_stream_end(self, event: Any) -> None:
        pass


FAULTS = {
    "in-band error": (_event("a"), b'data: {"error":{"message":"boom","type":"server_error"}}\n\n'),
    "vllm error object": (
        _event("a"),
        b'data: {"object":"error","message":"boom","type":"BadRequestError","code":400}\n\n',
    ),
    "event error": (_event("a"), b"event: error\ndata: overloaded\n\n"),
    "cut short": (_event("a"), _event("b")),
    "cut mid-event": (_event("a"), _event("b", "stop")[:90]),
    "garbage": (_event("a"), b"data: {not json\n\n"),
    "not an object": (_event("a"), b"data: [1, 2]\n\n"),
    "nothing": (b": keep-alive\n\n",),
}


@pytest.mark.parametrize("pieces", FAULTS.values(), ids=list(FAULTS))
async def test_a_faulty_stream_ends_as_the_parsed_path_ends_it(pieces: tuple[bytes, ...]) -> None:
    from modelmux.asgi import create_app
    from modelmux.asgi.config import parse_config

    async with Upstream(*pieces) as upstream:
        parsed = create_app(parse_config(_route(upstream.url), environ=ENV), callbacks=[Noop()])
        async with raw(parsed) as client:
            expected = await client.post("/v1/chat/completions", json={"model": "up", "messages": USER, "stream": True})
    passed = await _stream(*pieces)
    assert passed.status_code == expected.status_code
    if expected.status_code != 200:
        assert passed.json() == expected.json()
        return
    assert _error(passed) == _error(expected)
    assert passed.content.count(b"chatcmpl-1") == expected.content.count(b"chatcmpl-1")


async def test_a_stream_that_stalls_past_the_route_timeout_ends_with_the_timeout_error() -> None:
    upstream = Upstream(_event("a"), _event("b", "stop") + DONE, stall=3.0)
    async with upstream, raw(make_app(_route(await upstream.start(), timeout=0.5))) as client:
        response = await client.post("/v1/chat/completions", json={"model": "up", "messages": USER, "stream": True})
    assert response.status_code == 200 and response.content.startswith(_event("a"))
    assert "did not answer in time" in _error(response)["message"]


# ---------------------------------------------------------------- the library's raw stream


async def _raw_blocks(body: bytes, **options: Any) -> tuple[list[bytes], Any, BaseException | None]:
    async def content() -> AsyncIterator[bytes]:
        for i in range(0, len(body), 17):  # split everywhere, events included
            yield body[i : i + 17]

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=content(), headers={"content-type": "text/event-stream"})

    stream = await aopen_raw_chat_stream(
        "openai/gpt-4o-mini", USER, error_from_event, api_key="sk-x", transport=httpx.MockTransport(handle), **options
    )
    blocks: list[bytes] = []
    failure: BaseException | None = None
    try:
        async for block in stream:
            blocks.append(block)
    except Exception as exc:
        failure = exc
    finally:
        await stream.aclose()
    return blocks, stream, failure


async def test_the_raw_stream_reads_usage_and_leaves_done_to_the_relay() -> None:
    usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    body = _event("Hi") + _event("", "stop") + _event("", usage=usage).replace(b'"choices":[{', b'"x":[{') + DONE
    blocks, stream, failure = await _raw_blocks(body)
    assert failure is None
    assert b"".join(blocks) == body[: -len(DONE)]
    assert stream.usage == usage and stream.model == "gpt-4o-mini-2024-07-18"


async def test_the_raw_stream_bounds_each_event_by_max_event_bytes() -> None:
    body = _event("a") + _event("b" * 500, "stop") + DONE
    blocks, _, failure = await _raw_blocks(body, max_event_bytes=200)
    assert isinstance(failure, UpstreamError) and "max_event_bytes (200" in str(failure)
    assert b"".join(blocks) == _event("a")


async def test_the_raw_stream_collects_text_when_asked() -> None:
    async def content() -> AsyncIterator[bytes]:
        yield _event("Hel") + _event("lo", "stop") + DONE

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=content(), headers={"content-type": "text/event-stream"})

    stream = await aopen_raw_chat_stream(
        "openai/gpt-4o-mini",
        USER,
        error_from_event,
        collect_text=True,
        api_key="sk-x",
        transport=httpx.MockTransport(handle),
    )
    out = b"".join([block async for block in stream])
    assert out == _event("Hel") + _event("lo", "stop") and stream.texts == ["Hel", "lo"]


async def test_the_raw_stream_records_each_choices_finish_reason() -> None:
    second = _event("b", "length").replace(b'"index":0', b'"index":1')
    body = _event("a") + _event("", "stop") + second + DONE
    blocks, stream, failure = await _raw_blocks(body)
    assert failure is None and b"".join(blocks) == body[: -len(DONE)]
    assert stream.finish_reasons == {0: "stop", 1: "length"}


async def test_a_whole_stream_in_one_read_takes_the_fast_path_to_its_done(monkeypatch: pytest.MonkeyPatch) -> None:
    from modelmux._raw_stream import RawChatStream

    usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    events = [_event(str(i)) for i in range(50)] + [_event("", "stop"), _event("", usage=usage)]
    body = b"".join(events) + DONE

    async def one_read() -> AsyncIterator[bytes]:
        yield body

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=one_read(), headers={"content-type": "text/event-stream"})

    def slow(*args: Any) -> Any:
        raise AssertionError("each event parsed: the read ending in [DONE] missed the fast path")

    monkeypatch.setattr(RawChatStream, "_scan_each", slow)
    stream = await aopen_raw_chat_stream(
        "openai/gpt-4o-mini", USER, error_from_event, api_key="sk-x", transport=httpx.MockTransport(handle)
    )
    out = b"".join([block async for block in stream])
    assert out == body[: -len(DONE)]  # [DONE] is the relay's to send
    assert stream.usage == usage and stream.finish_reasons == {0: "stop"}


async def test_done_inside_a_read_or_twice_still_goes_event_by_event() -> None:
    body = _event("a") + DONE + _event("late", "stop") + DONE
    blocks, _, failure = await _raw_blocks(body)
    assert failure is None
    assert b"".join(blocks) == _event("a") + _event("late", "stop")  # as before: events after [DONE] still checked


@pytest.mark.parametrize(
    ("body", "plain"),
    [
        (b"", True),
        (b'data: {"a":1}\n\n', True),
        (b'data: {"a":1}\n\ndata: {"b":2}\n\n', True),
        (b'data: {"a":1}\n\n: keep-alive\n\n', False),  # a comment: checked event by event
        (b'data: {"a":1}\n\n\ndata: {"b":2}\n\n', False),  # a stray line break
        (b'data: {"a":1}\nid: 7\n\n', False),  # two lines in one event
        (b"data: [1]\n\n", False),  # not an object
        (b'event: x\ndata: {"a":1}\n\n', False),  # a named event
        (b'data: {"a":1}\n\ndata: {"b":2} \n\n', False),  # does not end its object on its line
    ],
)
def test_plain_events_are_told_by_counting(body: bytes, plain: bool) -> None:
    from modelmux._raw_stream import _plain_events

    assert _plain_events(body) is plain
