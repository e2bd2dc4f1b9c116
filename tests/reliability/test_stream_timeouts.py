"""The three separate time limits besides the whole-call ``timeout``, against a real loopback upstream:
``first_chunk_timeout`` (sending to the first stream chunk, per attempt; retried and failed over),
``httpx.Timeout(read=...)`` (the idle gap between reads, also after the first chunk) and
``httpx.Timeout(connect=...)`` (capped at 10 s by default)."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "faults"))
from fake_upstream import Conn, FakeUpstream, Request, head

import modelmux
from modelmux.errors import APITimeoutError, BadRequestError

MSG = [{"role": "user", "content": "hi"}]
CHUNK = (
    b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m",'
    b'"choices":[{"index":0,"delta":{"content":"%s"}}]}\n\n'
)
END = (
    b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m",'
    b'"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
)
#: Generous: the machine is shared.
SLACK = 1.5


def scripted(*pauses: tuple[str, float]) -> Any:
    """Per request, in turn: ("head", s) waits s before the headers, ("first", s) before the first chunk,
    ("gap", s) between the first and second chunks, ("fast", 0) answers at once."""
    plan = list(pauses)

    def script(request: Request, conn: Conn) -> None:
        kind, seconds = plan.pop(0) if plan else ("fast", 0.0)
        if kind == "head" and not conn.sleep(seconds):
            return
        conn.send(head(200, [("content-type", "text/event-stream")]))
        if kind == "first" and not conn.sleep(seconds):
            return
        conn.send(CHUNK % b"one")
        if kind == "gap" and not conn.sleep(seconds):
            return
        conn.send(CHUNK % b"two" + END)

    return script


def run(url: str, use_async: bool, **kwargs: Any) -> list[str]:
    kwargs = {"api_key": "k", "api_base": url, "stream": True, "timeout": 20, **kwargs}
    if not use_async:
        return [c.choices[0].delta.content or "" for c in modelmux.completion("openai/gpt-4o", MSG, **kwargs)]

    async def go() -> list[str]:
        stream = await modelmux.acompletion("openai/gpt-4o", MSG, **kwargs)
        return [c.choices[0].delta.content or "" async for c in stream]

    return asyncio.run(go())


BOTH = pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])


@BOTH
@pytest.mark.parametrize("where", ["head", "first"])
def test_a_late_first_chunk_times_out_at_first_chunk_timeout(use_async: bool, where: str) -> None:
    with FakeUpstream(scripted((where, 5.0))) as up:
        started = time.monotonic()
        with pytest.raises(APITimeoutError, match="first_chunk_timeout"):
            run(up.url, use_async, first_chunk_timeout=0.4)
        elapsed = time.monotonic() - started
    assert 0.35 <= elapsed <= 0.4 + SLACK, elapsed


@BOTH
def test_a_missed_first_chunk_is_retried(use_async: bool) -> None:
    with FakeUpstream(scripted(("first", 5.0))) as up:
        started = time.monotonic()
        assert run(up.url, use_async, first_chunk_timeout=0.4, num_retries=1) == ["one", "two", ""]
        assert time.monotonic() - started <= 0.4 + 0.5 + SLACK  # one timeout, a short backoff, a fast answer


@BOTH
def test_after_the_first_chunk_only_the_idle_gap_and_the_total_apply(use_async: bool) -> None:
    with FakeUpstream(scripted(("gap", 0.8))) as up:  # a gap longer than first_chunk_timeout is fine
        assert run(up.url, use_async, first_chunk_timeout=0.4) == ["one", "two", ""]


@BOTH
def test_the_idle_gap_between_reads_is_httpx_read_timeout(use_async: bool) -> None:
    with FakeUpstream(scripted(("gap", 5.0))) as up:
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            run(up.url, use_async, timeout=httpx.Timeout(20, read=0.4))
        elapsed = time.monotonic() - started
    assert 0.35 <= elapsed <= 0.4 + SLACK, elapsed


def test_first_chunk_timeout_is_checked_and_ignored_without_a_stream() -> None:
    with pytest.raises(BadRequestError, match="first_chunk_timeout"):
        modelmux.completion("mock/x", MSG, stream=True, first_chunk_timeout=0)
    with pytest.raises(BadRequestError, match="first_chunk_timeout"):
        modelmux.completion("mock/x", MSG, stream=True, first_chunk_timeout="soon")
    reply = modelmux.completion("mock/x", MSG, first_chunk_timeout=0.5, mock_response="ok")
    assert reply.choices[0].message.content == "ok"
    with pytest.raises(TypeError):  # the other operations have no stream: an unknown keyword there
        modelmux.embedding("mock/e", "hi", first_chunk_timeout=1)


def test_connect_is_capped_and_separately_settable() -> None:
    from modelmux._http import timeout_of

    assert timeout_of(60).connect == 10 and timeout_of(60).read == 60
    assert timeout_of(httpx.Timeout(60, connect=2, read=5)).connect == 2
