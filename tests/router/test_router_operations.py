"""Every operation through the router (offline mock deployments): each fails over and says how it was answered."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest
from router_fakes import fake_clock

import modelmux

GROUP = [
    {"group": "g", "model": "mock/error-503", "id": "broken", "order": 1},
    {"group": "g", "model": "mock/ok", "id": "ok", "order": 2},
]
AUDIO = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 64


def _check(result: Any) -> None:
    hidden = result._hidden_params
    assert hidden["model_id"] == "ok" and hidden["attempts"] == 2
    assert [f["model_id"] for f in hidden["failures"]] == ["broken"]


@pytest.mark.parametrize(
    ("operation", "args"),
    [
        ("embedding", ("hello",)),
        ("image_generation", ("a cat",)),
        ("moderation", ("hello",)),
        ("rerank", ("query", ["a", "b"])),
    ],
)
def test_each_operation_fails_over(operation: str, args: tuple[Any, ...]) -> None:
    with fake_clock() as clock:
        router = modelmux.Router(GROUP)
        _check(getattr(router, operation)("g", *args))
        assert clock.sleeps == []

        async def run() -> Any:
            return await getattr(modelmux.Router(GROUP), "a" + operation)("g", *args)

        _check(asyncio.run(run()))


def test_an_upload_is_read_once_so_a_retry_sends_the_same_bytes() -> None:
    with fake_clock():
        router = modelmux.Router(GROUP)
        answer = router.transcription("g", ("speech.wav", io.BytesIO(AUDIO)))
        _check(answer)
        assert answer.text
