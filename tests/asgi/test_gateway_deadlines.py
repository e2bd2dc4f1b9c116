"""Deadlines inside the app, under any ASGI server: a body that never finishes arriving and an answer nobody reads
both end the request and give the key's concurrency slot back; every model has a finite upstream timeout."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from gateway_helpers import BOB, keyed_config, make_app

from modelmux.asgi.config import DEFAULT_TIMEOUT, parse_config
from modelmux.asgi.upstreams import Upstreams

pytestmark = pytest.mark.anyio

BODY = b'{"model": "mock/demo", "messages": [{"role": "user", "content": "hi"}]}'


def _scope(length: int | None = None) -> dict[str, Any]:
    headers = [(b"authorization", f"Bearer {BOB}".encode()), (b"content-type", b"application/json")]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    return {"type": "http", "method": "POST", "path": "/v1/chat/completions", "headers": headers, "query_string": b""}


async def _whole(app: Any) -> tuple[int, dict[str, str]]:
    sent: list[dict[str, Any]] = []
    messages = [{"type": "http.request", "body": BODY, "more_body": False}]

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await asyncio.Event().wait()
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await asyncio.wait_for(app(_scope(len(BODY)), receive, send), 5)
    headers = {k.decode(): v.decode() for k, v in sent[0].get("headers", [])}
    return sent[0]["status"], headers


def _app(**server: Any) -> Any:
    return make_app({**keyed_config(max_concurrent=1), "server": server})


async def test_a_half_sent_body_is_408_and_frees_the_slot() -> None:
    app = _app(body_timeout=0.3)
    sent: list[dict[str, Any]] = []
    first = [{"type": "http.request", "body": BODY[:10], "more_body": True}]

    async def receive() -> dict[str, Any]:
        if first:
            return first.pop()
        await asyncio.Event().wait()  # the rest never comes
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    started = time.monotonic()
    stalled = asyncio.ensure_future(app(_scope(len(BODY)), receive, send))
    await asyncio.sleep(0.1)
    assert (await _whole(app))[0] == 429  # bob's one slot is held by the stalled upload...
    await asyncio.wait_for(stalled, 5)
    assert time.monotonic() - started < 2
    assert sent[0]["status"] == 408
    assert (b"connection", b"close") in sent[0]["headers"]  # the unread rest must not become a request
    assert b'"request_timeout"' in sent[1]["body"]
    assert (await _whole(app))[0] == 200  # ...and given back by the deadline


async def test_a_client_that_never_reads_its_answer_is_dropped_and_frees_the_slot() -> None:
    app = _app(send_timeout=0.3)
    messages = [{"type": "http.request", "body": BODY, "more_body": False}]

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await asyncio.Event().wait()  # connected, silent
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            await asyncio.Event().wait()  # the server's write buffer is full and stays full

    started = time.monotonic()
    await asyncio.wait_for(app(_scope(len(BODY)), receive, send), 5)
    assert time.monotonic() - started < 2
    assert (await _whole(app))[0] == 200


async def test_a_steady_body_within_the_deadline_is_read() -> None:
    app = _app(body_timeout=1.0)
    pieces = [BODY[i : i + 10] for i in range(0, len(BODY), 10)]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(0.02)
        piece = pieces.pop(0)
        return {"type": "http.request", "body": piece, "more_body": bool(pieces)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await asyncio.wait_for(app(_scope(), receive, send), 5)
    assert sent[0]["status"] == 200


def test_every_model_has_a_finite_timeout_and_the_gateway_passes_it() -> None:
    config = parse_config(keyed_config(), environ={"ALICE_KEY": "a" * 20, "UPSTREAM_KEY": "k" * 20})
    upstreams = Upstreams(config)
    for route in config.models.values():
        expected = 2.0 if route.name.startswith("up/") else DEFAULT_TIMEOUT
        assert route.timeout == expected
        assert upstreams.options(route)["timeout"] == expected
    assert DEFAULT_TIMEOUT == 600.0


@pytest.mark.parametrize("timeout", [0, -1, float("inf"), float("nan"), "60", True])
def test_a_bad_timeout_is_a_config_error(timeout: Any) -> None:
    from modelmux.asgi.config import ConfigError

    data = {"models": {"m": {"model": "mock/demo", "timeout": timeout}}}
    with pytest.raises(ConfigError, match="timeout"):
        parse_config(data, environ={})
