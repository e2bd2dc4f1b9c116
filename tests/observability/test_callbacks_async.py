"""Callbacks on acompletion and the other operations; async hooks in sync and async calls."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest
from obs_fakes import KEY, MSG, Recorder, chat_json, error, sse

import modelmux
from modelmux import callbacks
from modelmux._streaming import AsyncChatStream
from modelmux.callbacks import Callback, CallEvent

GPT = "openai/gpt-4o"


def _atransport(*script: httpx.Response) -> httpx.MockTransport:
    queue = list(script)

    async def handle(request: httpx.Request) -> httpx.Response:
        if queue:
            return queue.pop(0)
        if b'"stream":true' in request.content:
            return httpx.Response(200, content=sse("hel", "lo"), headers={"content-type": "text/event-stream"})
        return httpx.Response(200, json=chat_json())

    return httpx.MockTransport(handle)


class AsyncRecorder(Callback):
    def __init__(self) -> None:
        self.hooks: list[str] = []
        self.loop_threads: set[str] = set()

    async def on_start(self, event: CallEvent) -> None:
        await asyncio.sleep(0)
        self.hooks.append("start")

    async def on_success(self, event: CallEvent) -> None:
        await asyncio.sleep(0)
        self.loop_threads.add(threading.current_thread().name)
        self.hooks.append("success")

    async def on_failure(self, event: CallEvent) -> None:
        self.hooks.append("failure")

    async def on_stream_end(self, event: CallEvent) -> None:
        await asyncio.sleep(0)
        self.hooks.append("stream_end")


def test_acompletion_awaits_async_hooks_before_returning() -> None:
    rec = AsyncRecorder()

    async def run() -> None:
        await modelmux.acompletion(GPT, MSG, api_key=KEY, transport=_atransport(), callbacks=[rec])
        assert rec.hooks == ["start", "success"]  # done by the time the call returned
        with pytest.raises(modelmux.InternalServerError):
            await modelmux.acompletion(GPT, MSG, api_key=KEY, transport=_atransport(error(500)), callbacks=[rec])

    asyncio.run(run())
    assert rec.hooks == ["start", "success", "start", "failure"]


def test_an_async_stream_keeps_drain_and_fires_its_end_once() -> None:
    rec = Recorder()

    async def run() -> list[str]:
        t = _atransport()
        stream = await modelmux.acompletion(GPT, MSG, api_key=KEY, transport=t, stream=True, callbacks=[rec])
        assert isinstance(stream, AsyncChatStream)
        texts = []
        first = await stream.__anext__()
        texts.append(first.choices[0].delta.content)
        for chunk in stream.drain():  # the gateway's batching still works through the observing layer
            texts.append(chunk.choices[0].delta.content if chunk.choices else "")
        async for chunk in stream:
            texts.append(chunk.choices[0].delta.content if chunk.choices else "")
        await stream.aclose()
        return texts

    texts = asyncio.run(run())
    assert "".join(t or "" for t in texts) == "hello"
    assert rec.hooks == ["start", "stream_end"]
    event = rec.last
    assert event.completed and event.response.choices[0].message.content == "hello"
    assert event.usage.total_tokens == 1500


def test_an_async_hook_in_a_sync_call_runs_on_the_callback_thread_without_blocking() -> None:
    release = threading.Event()
    done: list[str] = []

    class Slow(Callback):
        async def on_success(self, event: CallEvent) -> None:
            while not release.is_set():  # would deadlock the call if it were awaited inline
                await asyncio.sleep(0.01)
            done.append(threading.current_thread().name)

    modelmux.completion("mock/demo", MSG, callbacks=[Slow()])
    assert done == []  # the call returned before the hook finished
    release.set()
    assert callbacks.flush(timeout=5.0)
    assert done == ["modelmux-callbacks"]


def test_a_failing_async_hook_in_a_sync_call_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    class Broken(Callback):
        async def on_success(self, event: CallEvent) -> None:
            raise ValueError("nope")

    modelmux.completion("mock/demo", MSG, callbacks=[Broken()])
    assert callbacks.flush(timeout=5.0)
    assert any("Broken.on_success" in r.getMessage() for r in caplog.records)


def test_a_cancelled_acompletion_is_a_failure_without_waiting_for_async_hooks() -> None:
    rec = AsyncRecorder()
    sync_rec = Recorder()

    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        raise AssertionError("not cancelled")

    async def run() -> None:
        task = asyncio.create_task(
            modelmux.acompletion(GPT, MSG, api_key=KEY, transport=httpx.MockTransport(hang), callbacks=[rec, sync_rec])
        )
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0.01)  # the scheduled async hook runs

    asyncio.run(run())
    assert sync_rec.hooks == ["start", "failure"] and isinstance(sync_rec.last.error, asyncio.CancelledError)
    assert rec.hooks == ["start", "failure"]


@pytest.mark.parametrize(
    ("call", "operation"),
    [
        (lambda cb: modelmux.embedding("mock/emb", "hello", callbacks=cb), "embedding"),
        (lambda cb: modelmux.image_generation("mock/img", "a cat", callbacks=cb), "image_generation"),
        (lambda cb: modelmux.moderation("hello", model="mock/mod", callbacks=cb), "moderation"),
        (lambda cb: modelmux.rerank("mock/rr", "q", ["a", "b"], callbacks=cb), "rerank"),
    ],
)
def test_other_operations_tell_success(call, operation) -> None:  # type: ignore[no-untyped-def]
    rec = Recorder()
    result = call([rec])
    assert rec.hooks == ["start", "success"]
    event = rec.last
    assert event.operation == operation and event.response is result and event.provider == "mock"
    assert event.duration is not None


def test_async_operations_tell_success_and_failure() -> None:
    rec = Recorder()

    async def run() -> None:
        await modelmux.aembedding("mock/emb", ["a", "b"], callbacks=[rec])
        with pytest.raises(modelmux.APIError):
            await modelmux.aembedding(
                "openai/text-embedding-3-small", "a", api_key=KEY, callbacks=[rec],
                transport=_atransport(error(500)),
            )  # fmt: skip

    asyncio.run(run())
    assert rec.hooks == ["start", "success", "start", "failure"]
    assert rec.calls[0][1].kwargs["input"] == ["a", "b"]
    assert rec.last.kwargs["api_key"] == callbacks.REDACTED and rec.last.model == "openai/text-embedding-3-small"
