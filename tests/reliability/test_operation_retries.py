"""num_retries / timeout / Retry-After / fallbacks for embedding, image_generation, transcription, moderation and
rerank: chat's one retry loop, against a scripted upstream (sync and async) and a fake clock (no real waits)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from reliability_fakes import FakeClock, error, fake_clock

import modelmux
from modelmux.errors import APIError, InternalServerError
from operation_fakes import OPERATIONS, Scripted, invoke

ALL = pytest.mark.parametrize("operation", list(OPERATIONS))
BOTH = pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])


@ALL
@BOTH
def test_transient_failures_are_retried_with_backoff(operation: str, use_async: bool) -> None:
    up = Scripted(error(500), error(503), httpx.ConnectError("reset"))
    with fake_clock() as clock:
        result = invoke(operation, up, num_retries=3, use_async=use_async)
    assert len(up.requests) == 4
    assert clock.sleeps == [0.5, 1.0, 2.0]  # capped exponential backoff (jitter draw 1.0: the whole window)
    hidden = result._hidden_params
    assert hidden["attempts"] == 4 and [f["status"] for f in hidden["failures"]] == [500, 503, None]


@ALL
def test_no_retries_by_default(operation: str) -> None:
    up = Scripted(error(500))
    with fake_clock(), pytest.raises(InternalServerError):
        invoke(operation, up)
    assert len(up.requests) == 1


@ALL
@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422])
def test_client_errors_are_never_retried(operation: str, status: int) -> None:
    up = Scripted(error(status))
    with fake_clock() as clock, pytest.raises(APIError) as info:
        invoke(operation, up, num_retries=3)
    assert info.value.status_code == status
    assert len(up.requests) == 1 and clock.sleeps == []


@ALL
@BOTH
def test_retry_after_is_honoured(operation: str, use_async: bool) -> None:
    up = Scripted(error(429, headers={"retry-after": "7"}), error(429, headers={"retry-after-ms": "1500"}))
    with fake_clock() as clock:
        invoke(operation, up, num_retries=2, use_async=use_async)
    assert clock.sleeps == [7.0, 1.5] and len(up.requests) == 3


@ALL
def test_gives_up_after_num_retries_with_the_last_error(operation: str) -> None:
    up = Scripted(error(500), error(502), error(500))
    with fake_clock(), pytest.raises(APIError) as info:
        invoke(operation, up, num_retries=1)
    assert info.value.status_code == 502 and len(up.requests) == 2


@ALL
def test_one_deadline_bounds_every_attempt_and_wait(operation: str) -> None:
    up = Scripted(error(429, headers={"retry-after": "8"}), error(500))
    clock = FakeClock()
    from modelmux._retry import pacing

    with pacing(clock.pacer()), pytest.raises(APIError) as info:
        invoke(operation, up, num_retries=5, timeout=5)
    # The 8 s wait would pass the 5 s deadline: the 429 is raised at once, nothing more is sent.
    assert info.value.status_code == 429 and len(up.requests) == 1 and clock.sleeps == []


@ALL
def test_each_attempt_gets_the_time_left(operation: str) -> None:
    up = Scripted(error(500))
    with fake_clock():
        invoke(operation, up, num_retries=1, timeout=30)
    timeouts = [r.extensions["timeout"]["read"] for r in up.requests]
    assert timeouts[0] == pytest.approx(30) and timeouts[1] == pytest.approx(29.5)


@ALL
def test_fallbacks_are_tried_after_the_retries(operation: str) -> None:
    _, _, model, _ = OPERATIONS[operation]
    up = Scripted(error(500), error(500))
    backup = {"model": model, "api_base": "https://backup.example.com/v1", "api_key": "k2"}
    with fake_clock():
        result = invoke(operation, up, num_retries=1, fallbacks=[backup])
    assert len(up.requests) == 3 and up.hosts()[-1] == "backup.example.com"
    assert result._hidden_params["attempts"] == 3


def test_a_file_object_is_read_once_so_a_retry_sends_the_same_audio(tmp_path: Any) -> None:
    path = tmp_path / "a.wav"
    path.write_bytes(b"RIFF....WAVEdata")
    up = Scripted(error(500))
    with fake_clock(), path.open("rb") as f:
        result = modelmux.transcription(
            "openai/whisper-1", f, api_key="k", num_retries=1, transport=httpx.MockTransport(up.handle)
        )
    assert result.text == "hello"
    assert all(b"RIFF....WAVEdata" in r.content for r in up.requests) and len(up.requests) == 2


def test_a_text_transcription_is_retried_too() -> None:
    answers = [error(500), httpx.Response(200, text="hi", headers={"content-type": "text/plain"})]
    sent: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return answers.pop(0)

    with fake_clock():
        text = modelmux.transcription(
            "openai/whisper-1",
            ("a.wav", b"RIFF"),
            response_format="text",
            api_key="k",
            num_retries=1,
            transport=httpx.MockTransport(handle),
        )
    assert text == "hi" and len(sent) == 2  # a str cannot carry _hidden_params; the retry still happened
