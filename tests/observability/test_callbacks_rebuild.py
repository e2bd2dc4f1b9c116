"""Whether a stream's chunks are kept for ``event.response``: inferred from the handlers' hooks, conservatively."""

from __future__ import annotations

from typing import Any

import pytest
from obs_fakes import KEY, MSG, Upstream

import modelmux
from modelmux.callbacks import Callback, CallEvent
from modelmux.callbacks._handlers import plan_of


class Timing(Callback):
    def on_stream_end(self, event: CallEvent) -> None:
        self.seen = (event.time_to_first_chunk, event.usage.total_tokens, event.finish_reasons, event.cost)


class ReadsResponse(Callback):
    def on_stream_end(self, event: CallEvent) -> None:
        self.text = event.response.choices[0].message.content


class PassesItOn(Callback):
    def on_stream_end(self, event: CallEvent) -> None:
        print(event)


class StoresItAtStart(Callback):
    def on_start(self, event: CallEvent) -> None:
        self.event = event

    def on_stream_end(self, event: CallEvent) -> None:
        pass


class ByName(Callback):
    async def on_stream_end(self, event: CallEvent) -> Any:
        return getattr(event, "response")  # noqa: B009 - the point of the test


class Captures(Callback):
    def on_stream_end(self, event: CallEvent) -> Any:
        return lambda: event.response


class SaysSo(Timing):
    rebuild_stream = True


@pytest.mark.parametrize(
    ("handler", "kept"),
    [
        (Timing(), False),
        (ReadsResponse(), True),
        (PassesItOn(), True),
        (StoresItAtStart(), True),
        (ByName(), True),
        (Captures(), True),
        (SaysSo(), True),
        (lambda event: None, True),  # a plain function: LiteLLM-style ones read the response
    ],
)
def test_chunks_are_kept_unless_no_hook_can_reach_the_response(handler: Any, kept: bool) -> None:
    assert plan_of([handler]).rebuild_stream is kept
    assert plan_of([Timing(), handler]).rebuild_stream is kept  # any handler that may read it keeps them


def test_a_handler_reading_only_timing_and_usage_still_gets_them_without_kept_chunks() -> None:
    timing, reads = Timing(), ReadsResponse()
    for handlers in ([timing], [timing, reads]):
        list(
            modelmux.completion(
                "openai/gpt-4o", MSG, api_key=KEY, transport=Upstream().transport, stream=True, callbacks=handlers
            )
        )
        first, tokens, finish, cost = timing.seen
        assert first is not None and tokens == 1500 and finish == ["stop"] and cost == pytest.approx(0.0075)
    assert reads.text == "hello"
