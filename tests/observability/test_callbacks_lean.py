"""What a call's callbacks cost is only what its handlers may read: a stream notes nothing per chunk when no hook
can reach the chunks' usage or finish reasons, an event sets only what its call has of its own (the rest is read
from its class), and the record of a call made once is made when ``event.attempts`` is read — all without changing
what a handler sees."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from obs_fakes import KEY, MSG, Recorder, Upstream, error

import modelmux
from modelmux.callbacks import Attempt, Callback, CallEvent
from modelmux.callbacks._handlers import plan_of


class Quiet(Callback):
    def on_stream_end(self, event: CallEvent) -> None:
        self.seen = (event.time_to_first_chunk, event.duration, event.model, event.completed)


class ReadsUsage(Callback):
    def on_stream_end(self, event: CallEvent) -> None:
        self.seen = event.usage


class ReadsFinish(Callback):
    def on_failure(self, event: CallEvent) -> None:
        self.seen = event.finish_reasons


class ReadsCost(Callback):
    def on_start(self, event: CallEvent) -> None:
        pass

    def on_stream_end(self, event: CallEvent) -> None:
        self.seen = event.cost


class KeepsEvent(Callback):
    def on_start(self, event: CallEvent) -> None:
        self.event = event  # read later, from anywhere

    def on_stream_end(self, event: CallEvent) -> None:
        pass


@pytest.mark.parametrize(
    ("handler", "notes"),
    [
        (Quiet(), False),
        (ReadsUsage(), True),
        (ReadsFinish(), True),  # a stream failing midway tells on_failure what it saw
        (ReadsCost(), True),
        (KeepsEvent(), True),
        (lambda event: None, True),
    ],
)
def test_chunks_are_noted_only_when_some_hook_may_read_what_they_tell(handler: Any, notes: bool) -> None:
    assert plan_of([handler]).note_chunks is notes
    assert plan_of([Quiet(), handler]).note_chunks is notes


def _stream(handlers: list[Any], upstream: Upstream | None = None) -> Any:
    transport = (upstream or Upstream()).transport
    return modelmux.completion("openai/gpt-4o", MSG, api_key=KEY, transport=transport, stream=True, callbacks=handlers)


def test_a_quiet_handler_still_gets_timing_and_the_stream_every_chunk() -> None:
    quiet, recorder = Quiet(), Recorder()
    plain = [c.model_dump() for c in _stream([])]
    assert [c.model_dump() for c in _stream([quiet])] == plain  # a for loop over the observing generator
    first, duration, model, completed = quiet.seen
    assert first is not None and duration is not None and first <= duration and completed
    assert (model, len(plain)) == ("openai/gpt-4o", 4)
    stream = _stream([quiet, recorder])
    assert [next(stream).model_dump() for _ in range(4)] == plain  # next() alike
    with pytest.raises(StopIteration):
        next(stream)
    assert recorder.hooks == ["start", "stream_end"]


class _CutAfterOneChunk(httpx.SyncByteStream):
    def __iter__(self) -> Any:
        yield (
            b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m",'
            b'"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":"length"}]}\n\n'
        )
        raise httpx.ReadError("cut")


def test_usage_and_finish_reasons_reach_the_hooks_that_read_them() -> None:
    usage, finish = ReadsUsage(), ReadsFinish()
    list(_stream([usage, Quiet()]))
    assert usage.seen is not None and usage.seen.total_tokens == 1500
    cut = httpx.Response(200, stream=_CutAfterOneChunk(), headers={"content-type": "text/event-stream"})
    with pytest.raises(modelmux.errors.APIConnectionError):
        list(_stream([finish], Upstream(cut)))  # the connection breaks after a chunk with a finish reason
    assert finish.seen == ["length"]


def test_an_async_quiet_stream_notes_nothing_and_a_reading_one_does() -> None:
    async def main() -> None:
        quiet, usage = Quiet(), ReadsUsage()
        for handlers in ([quiet], [usage]):
            stream = await modelmux.acompletion(
                "openai/gpt-4o", MSG, api_key=KEY, transport=_AsyncUpstream(), stream=True, callbacks=handlers
            )
            assert len([c async for c in stream]) == 4
        assert quiet.seen[0] is not None and usage.seen.total_tokens == 1500

    asyncio.run(main())


class _AsyncUpstream(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = Upstream().handle(request)
        return httpx.Response(response.status_code, content=response.content, headers=response.headers)


# ------------------------------------------------------------------ the event


def test_an_event_reads_its_defaults_from_its_class_and_refuses_unknown_names() -> None:
    event = CallEvent("completion", "openai/gpt-4o", {"api_key": KEY})
    assert (event.end_time, event.error, event.first_chunk_time, event.duration) == (None, None, None, None)
    assert event.completed is True and event.response is None and event.usage is None and event.finish_reasons == []
    assert event.hidden_params == {} and event.attempts == []
    event.hidden_params["x"] = 1
    assert CallEvent("completion", "m", {}).hidden_params == {}  # one dict per event
    with pytest.raises(AttributeError):
        event.no_such_attribute  # noqa: B018 - the point of the test
    assert "running" in repr(event)


def test_the_one_attempt_of_a_call_is_recorded_when_read() -> None:
    recorder = Recorder()
    modelmux.completion("openai/gpt-4o", MSG, api_key=KEY, transport=Upstream().transport, callbacks=[recorder])
    event = recorder.last
    assert event._attempts is None  # not made until read
    (attempt,) = event.attempts
    assert isinstance(attempt, Attempt) and attempt.model == "openai/gpt-4o" and attempt.error is None
    assert attempt.start_time == event.start_time and attempt.end_time == event.end_time
    assert event.attempts is event.attempts
    event.attempts = []  # still assignable, as when it was a plain attribute
    assert event.attempts == []


def test_a_failed_call_s_attempt_carries_its_error_and_one_read_at_start_is_completed_at_the_end() -> None:
    class ReadsAtStart(Recorder):
        def on_start(self, event: CallEvent) -> None:
            assert event.attempts == []
            super().on_start(event)

    for handler in (Recorder(), ReadsAtStart()):
        with pytest.raises(modelmux.errors.APIError):
            modelmux.completion(
                "openai/gpt-4o", MSG, api_key=KEY, transport=Upstream(error(400)).transport, callbacks=[handler]
            )
        (attempt,) = handler.last.attempts
        assert attempt.error is handler.last.error and attempt.end_time == handler.last.end_time


def test_a_cache_hit_has_no_attempt() -> None:
    cache, recorder = modelmux.Cache(), Recorder()
    upstream = Upstream()
    for _ in range(2):
        modelmux.completion(
            "openai/gpt-4o", MSG, api_key=KEY, transport=upstream.transport, cache=cache, callbacks=[recorder]
        )
    assert len(upstream.sent) == 1
    assert recorder.last.hidden_params.get("cache_hit") and recorder.last.attempts == []
