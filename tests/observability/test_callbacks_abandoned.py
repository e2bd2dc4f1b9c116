"""A stream the caller drops unfinished, without closing it, still ends its call: hooks and spans are not left open."""

from __future__ import annotations

import asyncio
import gc

import httpx
from obs_fakes import KEY, MSG, Recorder, Upstream
from test_otel import Otel

import modelmux

GPT = "openai/gpt-4o"


def test_a_sync_stream_dropped_midway_ends_its_call_once() -> None:
    rec, otel = Recorder(), Otel()
    stream = modelmux.completion(
        GPT, MSG, api_key=KEY, transport=Upstream().transport, stream=True, callbacks=[rec, otel.handler]
    )
    for _ in stream:
        break  # the caller stops reading and never closes the stream
    del stream
    gc.collect()
    assert rec.hooks == ["start", "stream_end"] and rec.last.completed is False
    assert otel.call_span().end_time is not None and len(otel.finished()) == 2  # the call's span and its attempt's


def test_a_loop_over_the_call_itself_ends_the_call_when_it_breaks_and_not_before() -> None:
    rec = Recorder()
    for _ in modelmux.completion(GPT, MSG, api_key=KEY, transport=Upstream().transport, stream=True, callbacks=[rec]):
        assert rec.hooks == ["start"]  # the stream object itself is gone already: only the loop holds its chunks
        break
    gc.collect()
    assert rec.hooks == ["start", "stream_end"] and rec.last.completed is False
    for _ in modelmux.completion(GPT, MSG, api_key=KEY, transport=Upstream().transport, stream=True, callbacks=[rec]):
        pass
    assert rec.hooks[2:] == ["start", "stream_end"] and rec.last.completed is True


def test_a_stream_read_with_next_then_dropped_ends_its_call() -> None:
    rec = Recorder()
    stream = modelmux.completion(GPT, MSG, api_key=KEY, transport=Upstream().transport, stream=True, callbacks=[rec])
    next(stream)
    del stream
    gc.collect()
    assert rec.hooks == ["start", "stream_end"] and rec.last.completed is False


def test_an_async_stream_dropped_midway_ends_its_call_once() -> None:
    rec, otel = Recorder(), Otel()

    async def main() -> None:
        transport = httpx.MockTransport(Upstream().handle)
        stream = await modelmux.acompletion(
            GPT, MSG, api_key=KEY, transport=transport, stream=True, callbacks=[rec, otel.handler]
        )
        async for _ in stream:
            break
        del stream
        gc.collect()

    asyncio.run(main())
    assert rec.hooks == ["start", "stream_end"] and rec.last.completed is False
    assert otel.call_span().end_time is not None


def test_a_stream_read_to_its_end_then_dropped_tells_nothing_more() -> None:
    rec = Recorder()
    stream = modelmux.completion(GPT, MSG, api_key=KEY, transport=Upstream().transport, stream=True, callbacks=[rec])
    list(stream)
    del stream
    gc.collect()
    assert rec.hooks == ["start", "stream_end"] and rec.last.completed is True
