"""Gateway clients never see an upstream key or an upstream's internals, however the upstream fails."""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.parse
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from gateway_fakes import UPSTREAM_KEY, chunk_event
from gateway_helpers import ALICE, make_app, raw

pytestmark = pytest.mark.anyio

USER = [{"role": "user", "content": "hi"}]
AUTH = {"authorization": f"Bearer {ALICE}"}
INTERNAL = "db-7.internal.example:5432 account 4242"  # what a provider's 5xx page might say
REQUEST_ID = "req_abc123"


def _echo(status: int) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        key = request.headers["authorization"].removeprefix("Bearer ")
        escaped = urllib.parse.quote(key, safe="")
        error = {"message": f"{INTERNAL}: key {key} / {escaped}", "type": key, "param": key, "code": key}
        headers = {"x-request-id": REQUEST_ID, "retry-after": key, "x-echo": key}
        return httpx.Response(status, json={"error": error}, headers=headers)

    return httpx.MockTransport(handle)


def _clean(response: httpx.Response) -> dict[str, Any]:
    escaped = urllib.parse.quote(UPSTREAM_KEY, safe="")
    for text in (response.text, json.dumps(list(response.headers.items()))):
        assert UPSTREAM_KEY not in text and escaped not in text
    return dict(response.json()["error"])


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504, 529])
@pytest.mark.parametrize("stream", [False, True])
async def test_an_upstream_echoing_its_key_never_reaches_the_client(
    status: int, stream: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app = make_app(transport=_echo(status))
    async with raw(app) as client:
        body = {"model": "up/ok", "messages": USER, "stream": stream}
        response = await client.post("/v1/chat/completions", json=body, headers=AUTH)
    assert 400 <= response.status_code < 600 and response.status_code != 500
    error = _clean(response)
    assert set(error) == {"message", "type", "param", "code"}
    if response.status_code >= 500:
        assert INTERNAL not in error["message"]  # a 5xx body is never passed on
        assert error["type"] == "upstream_error"
    if response.status_code == 429:
        assert "retry-after" not in response.headers  # the "hint" was the key: dropped
    assert UPSTREAM_KEY not in caplog.text


@pytest.mark.parametrize("status", [500, 503, 529])
async def test_a_5xx_keeps_its_kind_status_and_request_id(status: int, caplog: pytest.LogCaptureFixture) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        body = {"type": "error", "error": {"type": "overloaded_error", "message": INTERNAL}}
        return httpx.Response(status, json=body, headers={"x-request-id": REQUEST_ID})

    caplog.set_level(logging.DEBUG, logger="modelmux.asgi")
    app = make_app(transport=httpx.MockTransport(handle))
    async with raw(app) as client:
        response = await client.post("/v1/chat/completions", json={"model": "up/ok", "messages": USER}, headers=AUTH)
    error = _clean(response)
    assert response.status_code == 502
    assert f"HTTP {status}" in error["message"] and REQUEST_ID in error["message"]
    assert INTERNAL not in error["message"]
    assert INTERNAL in caplog.text  # the operator still finds the provider's words, at debug


async def test_a_mid_stream_failure_is_a_short_message() -> None:
    dump = "x" * 5000 + UPSTREAM_KEY

    async def stream() -> AsyncIterator[bytes]:
        yield chunk_event("m", {"role": "assistant", "content": "Hel"})
        await asyncio.sleep(0.01)
        bad = b'data: {"id": "c", "object": "chat.completion.chunk", "choices": [{"index": "' + dump.encode()
        yield bad + b'"}]}\n\n'

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=stream(), headers={"content-type": "text/event-stream"})

    app = make_app(transport=httpx.MockTransport(handle))
    async with raw(app) as client:
        body = {"model": "up/ok", "messages": USER, "stream": True}
        response = await client.post("/v1/chat/completions", json=body, headers=AUTH)
    assert response.status_code == 200
    events = [line[6:] for line in response.text.split("\n") if line.startswith("data: ")]
    error = json.loads(events[-1])["error"]
    assert len(error["message"]) < 300, error["message"]
    assert "xxxxxxxxxx" not in error["message"] and UPSTREAM_KEY not in response.text


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        ("7", "7"),
        ("0.2", "1"),
        ("86400", "3600"),
        ("-3", None),
        ("nan", None),
        ("soon", None),
        ("Fri, 31 Dec 9999 23:59:59 GMT", "3600"),
    ],
)
async def test_upstream_retry_after_is_capped_and_sane(hint: str, expected: str | None) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        error = {"error": {"message": "slow down", "type": "rate_limit"}}
        return httpx.Response(429, json=error, headers={"retry-after": hint})

    app = make_app(transport=httpx.MockTransport(handle))
    async with raw(app) as client:
        response = await client.post("/v1/chat/completions", json={"model": "up/ok", "messages": USER}, headers=AUTH)
    assert response.status_code == 429
    assert response.headers.get("retry-after") == expected
