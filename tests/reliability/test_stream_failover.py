"""Streams retry and fall back only before the first chunk reaches the caller; never replay content after it."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from reliability_fakes import MSG, Upstream, error, fake_clock, openai_sse

import modelmux
from modelmux.errors import APIConnectionError, UpstreamError

GPT = "openai/gpt-4o"
SSE = {"content-type": "text/event-stream"}


def _text(chunks: list[modelmux.ChatCompletionChunk]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def test_a_failure_before_the_first_chunk_is_retried_then_falls_back() -> None:
    empty = httpx.Response(200, content=b"", headers=SSE)  # ends without a single event: an UpstreamError
    up = Upstream().script("gpt-4o", error(503), empty)
    with fake_clock():
        stream = modelmux.completion(
            GPT, MSG, api_key="k", transport=up.transport, stream=True, num_retries=1, fallbacks=["openai/b"]
        )
    assert up.models == ["gpt-4o", "gpt-4o", "b"]  # all before completion() returned: the first chunk was read
    assert stream._hidden_params["model"] == "openai/b"  # type: ignore[attr-defined]
    assert stream._hidden_params["attempts"] == 3  # type: ignore[attr-defined]
    assert _text(list(stream)) == "hello b"  # the first chunk once, then the rest
    assert up.models == ["gpt-4o", "gpt-4o", "b"]


def test_a_failure_after_the_first_chunk_ends_the_stream_and_is_never_replayed() -> None:
    cut = httpx.Response(200, content=openai_sse("one ", "two ", done=False), headers=SSE)
    up = Upstream().script("gpt-4o", cut)
    with fake_clock():
        stream = modelmux.completion(
            GPT, MSG, api_key="k", transport=up.transport, stream=True, num_retries=3, fallbacks=["openai/b"]
        )
    received: list[modelmux.ChatCompletionChunk] = []
    with pytest.raises(UpstreamError):
        for chunk in stream:
            received.append(chunk)
    assert _text(received) == "one two " and up.models == ["gpt-4o"]


def test_a_stream_without_retries_returns_before_reading() -> None:
    up = Upstream().script("gpt-4o", httpx.Response(200, content=b"", headers=SSE))
    stream = modelmux.completion(GPT, MSG, api_key="k", transport=up.transport, stream=True)
    assert stream._hidden_params["attempts"] == 1  # type: ignore[attr-defined]
    with pytest.raises(UpstreamError):  # the failure surfaces while iterating, as without the loop
        list(stream)


def test_closing_the_resumed_stream_closes_the_upstream() -> None:
    up = Upstream()
    with fake_clock():
        stream = modelmux.completion(GPT, MSG, api_key="k", transport=up.transport, stream=True, num_retries=1)
    first = next(stream)
    assert first.choices[0].delta.content == "hello "
    stream.close()
    assert stream.response is not None and stream.response.is_closed
    assert list(stream) == []


def test_async_stream_failover_before_and_after_the_first_chunk() -> None:
    cut = httpx.Response(200, content=openai_sse("one ", done=False), headers=SSE)
    up = Upstream().script("gpt-4o", httpx.ReadError("connection reset")).script("b", cut)

    async def main() -> tuple[list[modelmux.ChatCompletionChunk], BaseException | None, object]:
        stream = await modelmux.acompletion(
            GPT, MSG, api_key="k", transport=up.atransport, stream=True, fallbacks=["openai/b", "openai/c"]
        )
        got: list[modelmux.ChatCompletionChunk] = []
        failure: BaseException | None = None
        try:
            async for chunk in stream:
                got.append(chunk)
        except UpstreamError as exc:
            failure = exc
        return got, failure, stream._hidden_params  # type: ignore[attr-defined]

    with fake_clock():
        got, failure, hidden = asyncio.run(main())
    assert up.models == ["gpt-4o", "b"]  # "c" is never tried: "b" already delivered its first chunk
    assert _text(got) == "one " and isinstance(failure, UpstreamError)
    assert hidden["model"] == "openai/b" and hidden["failures"][0]["error"] == APIConnectionError.__name__  # type: ignore[index]


def test_async_stream_succeeds_after_a_retry_without_duplicates() -> None:
    up = Upstream().script("gpt-4o", error(500))

    async def main() -> list[modelmux.ChatCompletionChunk]:
        stream = await modelmux.acompletion(GPT, MSG, api_key="k", transport=up.atransport, stream=True, num_retries=1)
        return [chunk async for chunk in stream]

    with fake_clock():
        chunks = asyncio.run(main())
    assert _text(chunks) == "hello gpt-4o" and len(up.sent) == 2
