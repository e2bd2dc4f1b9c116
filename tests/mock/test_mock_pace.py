"""Stream pace on an injected clock; errors and options checked; one generous real-time bound."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

import modelmux
from modelmux.providers._base import CallContext
from modelmux.providers.mock import MockProvider

MSG = [{"role": "user", "content": "one two three four"}]
PARAMS: dict[str, Any] = {"messages": MSG}


def ctx(**options: Any) -> CallContext:
    return CallContext(provider="mock", model="echo", api_base="", extra_body=options)


def test_mock_delay_waits_before_every_chunk_but_the_first() -> None:
    waits: list[float] = []
    chunks = list(MockProvider(sleep=waits.append).stream(PARAMS, ctx(mock_delay=0.25)))
    assert len(waits) == len(chunks) - 1 and set(waits) == {0.25}


def test_tokens_per_second_paces_by_the_chunk_text() -> None:
    waits: list[float] = []
    chunks = list(MockProvider(sleep=waits.append).stream(PARAMS, ctx(mock_tokens_per_second=10)))
    words = [c.choices[0].delta.content for c in chunks if c.choices[0].delta.content]
    assert words == ["one ", "two ", "three ", "four"]
    text_waits = [w for w in waits if w]
    assert len(text_waits) == 4 and all(0.05 <= w <= 0.3 for w in text_waits)
    assert sum(waits) == pytest.approx(sum(text_waits))  # the role and finish chunks carry no text: no wait


def test_async_stream_uses_the_async_sleep() -> None:
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    async def run() -> str:
        mock = MockProvider(sleep=lambda s: pytest.fail("sync sleep on the async path"), asleep=fake_sleep)
        out = [c.choices[0].delta.content or "" async for c in mock.astream(PARAMS, ctx(mock_delay=0.5))]
        done = await mock.acomplete(PARAMS, ctx(mock_script=[{"text": "hi", "delay": 1.5}]))
        return "".join(out) + "|" + (done.choices[0].message.content or "")

    assert asyncio.run(run()) == "one two three four|hi"
    assert waits.count(0.5) >= 4 and waits[-1] == 1.5


def test_no_pace_means_no_waits() -> None:
    waits: list[float] = []
    list(MockProvider(sleep=waits.append).stream(PARAMS, ctx()))
    assert waits == []


@pytest.mark.parametrize("options", [{"mock_delay": -1}, {"mock_delay": 61}, {"mock_tokens_per_second": "fast"}])
def test_bad_pace_options_are_bad_requests(options: dict[str, Any]) -> None:
    with pytest.raises(modelmux.BadRequestError) as info:
        modelmux.completion("mock/echo", MSG, stream=True, **options)
    assert info.value.param in options


def test_a_paced_stream_really_takes_time_generous_bound() -> None:
    start = time.monotonic()
    list(modelmux.completion("mock/echo", MSG, stream=True, mock_delay=0.02))
    assert time.monotonic() - start >= 0.08  # 5 waits of 0.02 s; no upper bound (shared machines)


def test_errors_raise_when_the_call_is_made_not_at_the_first_chunk() -> None:
    with pytest.raises(modelmux.RateLimitError) as info:
        modelmux.completion("mock/error-429", MSG, stream=True)
    assert (info.value.provider, info.value.model, info.value.status_code) == ("mock", "error-429", 429)
