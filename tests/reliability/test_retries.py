"""completion(num_retries=...) against a scripted upstream, with a fake clock (no real waits)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest
from reliability_fakes import MSG, Upstream, anthropic_error, error, fake_clock

import modelmux
from modelmux.errors import (
    APIConnectionError,
    BadRequestError,
    InternalServerError,
    RateLimitError,
    ServiceUnavailableError,
)

GPT = "openai/gpt-4o"


def test_no_retries_by_default_and_the_result_says_how_it_was_obtained() -> None:
    up = Upstream().script("gpt-4o", error(500))
    with pytest.raises(InternalServerError):
        modelmux.completion(GPT, MSG, api_key="k", transport=up.transport)
    assert len(up.sent) == 1
    with fake_clock() as clock:
        answer = modelmux.completion(GPT, MSG, api_key="k", transport=up.transport)
    hidden = answer._hidden_params  # type: ignore[attr-defined]
    assert hidden == {"attempts": 1, "model": GPT, "elapsed_s": 0.0, "failures": []}
    assert "_hidden_params" not in answer.model_dump_json() and clock.sleeps == []


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({"retry-after": "2"}, 2.0),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"x-ms-retry-after-ms": "1500", "retry-after": "9"}, 1.5),  # an OpenAI-compatible endpoint on Azure
        ({"retry-after": "0"}, 0.0),
        ({"retry-after": "7200"}, 60.0),  # capped
        ({}, 0.5),  # no hint: the backoff (full window with the fake draw 1.0)
    ],
)
def test_429_waits_as_the_provider_says(headers: dict[str, str], wait: float) -> None:
    up = Upstream().script("gpt-4o", error(429, code="rate_limit_exceeded", headers=headers))
    with fake_clock() as clock:
        answer = modelmux.completion(GPT, MSG, api_key="k", transport=up.transport, num_retries=2)
    assert answer.choices[0].message.content == "hello gpt-4o"
    assert clock.sleeps == ([wait] if wait else [])
    assert answer._hidden_params["attempts"] == 2  # type: ignore[attr-defined]
    assert answer._hidden_params["failures"] == [{"model": GPT, "error": "RateLimitError", "status": 429}]  # type: ignore[attr-defined]


def test_429_retry_after_as_an_http_date() -> None:
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    up = Upstream().script("gpt-4o", error(429, headers={"retry-after": when}))
    with fake_clock() as clock:
        modelmux.completion(GPT, MSG, api_key="k", transport=up.transport, num_retries=1)
    assert len(clock.sleeps) == 1 and 27.0 <= clock.sleeps[0] <= 30.0


@pytest.mark.parametrize(
    ("hint", "wait"),
    [("250", 0.25)] + [(garbage, 3.0) for garbage in ["nan", "-1000", "inf", "1e400", "soon"]],
)
def test_azure_x_ms_retry_after_ms_and_garbage_dropped_for_the_next_hint(hint: str, wait: float) -> None:
    up = Upstream().script("dep", error(429, headers={"x-ms-retry-after-ms": hint, "retry-after": "3"}))
    with fake_clock() as clock:
        modelmux.completion(
            "azure/dep",
            MSG,
            api_key="k",
            api_base="https://x.openai.azure.com",
            api_version="2024-10-21",
            transport=up.transport,
            num_retries=1,
        )
    assert clock.sleeps == [wait] and len(up.sent) == 2


@pytest.mark.parametrize("status", [408, 409, 500, 502, 503, 504])
def test_transient_statuses_are_retried_with_growing_backoff(status: int) -> None:
    up = Upstream().script("gpt-4o", error(status), error(status), error(status))
    with fake_clock() as clock:
        answer = modelmux.completion(GPT, MSG, api_key="k", transport=up.transport, num_retries=3)
    assert clock.sleeps == [0.5, 1.0, 2.0] and len(up.sent) == 4
    assert answer._hidden_params["attempts"] == 4  # type: ignore[attr-defined]


def test_anthropic_529_overloaded_is_retried() -> None:
    up = Upstream().script("claude-x", anthropic_error(529, "overloaded_error"))
    with fake_clock() as clock:
        answer = modelmux.completion("anthropic/claude-x", MSG, api_key="k", transport=up.transport, num_retries=1)
    assert answer.choices[0].message.content == "hello claude-x" and len(up.sent) == 2 and len(clock.sleeps) == 1


def test_connection_reset_is_retried() -> None:
    reset = httpx.ReadError("[Errno 104] Connection reset by peer")
    up = Upstream().script("gpt-4o", reset, httpx.ConnectError("refused"))
    with fake_clock():
        answer = modelmux.completion(GPT, MSG, api_key="k", transport=up.transport, num_retries=2)
    assert answer._hidden_params["attempts"] == 3  # type: ignore[attr-defined]
    assert [f["error"] for f in answer._hidden_params["failures"]] == ["APIConnectionError"] * 2  # type: ignore[attr-defined]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422])
def test_client_errors_are_never_retried(status: int) -> None:
    up = Upstream().script("gpt-4o", error(status))
    with fake_clock() as clock, pytest.raises(modelmux.APIStatusError) as info:
        modelmux.completion(GPT, MSG, api_key="k", transport=up.transport, num_retries=5)
    assert info.value.status_code == status and len(up.sent) == 1 and clock.sleeps == []


def test_retries_exhausted_raise_the_last_error() -> None:
    up = Upstream().script("gpt-4o", *[error(503, f"down {i}") for i in range(10)])
    with fake_clock() as clock, pytest.raises(ServiceUnavailableError, match="down 2"):
        modelmux.completion(GPT, MSG, api_key="k", transport=up.transport, num_retries=2)
    assert len(up.sent) == 3 and clock.sleeps == [0.5, 1.0]


def test_the_overall_deadline_bounds_attempts_and_waits() -> None:
    up = Upstream().script("gpt-4o", *[error(429, headers={"retry-after": "4"}) for _ in range(10)])
    with fake_clock() as clock, pytest.raises(RateLimitError):
        modelmux.completion(GPT, MSG, api_key="k", transport=up.transport, num_retries=10, timeout=10)
    assert clock.sleeps == [4.0, 4.0]  # a third wait would end at 12 s > 10 s: the error is raised at once
    assert sum(clock.sleeps) <= 10
    # each attempt got the time left (the fake clock advanced 4 s per wait)
    assert [s.timeout["read"] for s in up.sent] == [10.0, 6.0, 2.0]
    assert [s.timeout["connect"] for s in up.sent] == [10.0, 6.0, 2.0]


def test_a_timeout_object_is_clipped_per_attempt() -> None:
    up = Upstream().script("gpt-4o", error(500))
    with fake_clock(rand=0.5):
        modelmux.completion(
            GPT, MSG, api_key="k", transport=up.transport, num_retries=1, timeout=httpx.Timeout(20.0, connect=3.0)
        )
    assert [s.timeout["connect"] for s in up.sent] == [3.0, 3.0]
    assert [s.timeout["read"] for s in up.sent] == [20.0, 19.75]


def test_invalid_num_retries() -> None:
    for value in (-1, 1.5, "2", True, 101, 10**9, float("inf")):  # an absurd count: a clear error, not a hang
        with pytest.raises(BadRequestError) as info:
            modelmux.completion(GPT, MSG, api_key="k", mock_response="x", num_retries=value)  # type: ignore[arg-type]
        assert info.value.param == "num_retries"


def test_mock_answers_go_through_the_loop() -> None:
    answer = modelmux.completion(GPT, MSG, mock_response="hi", num_retries=2)
    assert answer.choices[0].message.content == "hi" and answer._hidden_params["attempts"] == 1  # type: ignore[attr-defined]


def test_async_retries_share_the_policy_and_only_sleep_differently() -> None:
    up = Upstream().script("gpt-4o", error(429, headers={"retry-after-ms": "100"}), _peer_closed())

    async def main() -> modelmux.ChatCompletion:
        return await modelmux.acompletion(GPT, MSG, api_key="k", transport=up.atransport, num_retries=2)

    with fake_clock() as clock:
        answer = asyncio.run(main())
    assert clock.sleeps == [0.1, 1.0] and len(up.sent) == 3
    assert answer._hidden_params["attempts"] == 3  # type: ignore[attr-defined]


def _peer_closed() -> Exception:
    return httpx.RemoteProtocolError("peer closed connection without sending complete message body")


def test_a_connection_error_type_is_what_the_caller_sees_when_retries_run_out() -> None:
    up = Upstream().script("gpt-4o", httpx.ConnectError("refused"), httpx.ConnectError("refused"))
    with fake_clock(), pytest.raises(APIConnectionError):
        modelmux.completion(GPT, MSG, api_key="k", transport=up.transport, num_retries=1)
    assert len(up.sent) == 2


@pytest.mark.parametrize("model", ["anthropic/claude-x", "gemini/gemini-2.0-flash", "openai/gpt-4o"])
def test_a_429_with_a_plain_text_body_still_honours_retry_after(model: str) -> None:
    sent: list[str] = []

    def reply(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return httpx.Response(429, text="Too Many Requests", headers={"retry-after": "2"})  # a proxy's answer

    with fake_clock() as clock, pytest.raises(modelmux.RateLimitError) as caught:
        modelmux.completion(model, MSG, api_key="k", transport=httpx.MockTransport(reply), num_retries=1)
    assert caught.value.retry_after == 2.0 and clock.sleeps == [2.0] and len(sent) == 2
