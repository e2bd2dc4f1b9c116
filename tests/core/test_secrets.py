"""No API key in any message, repr or log line, whichever way a call ends."""

from __future__ import annotations

import json
import logging
import threading
import urllib.parse
import warnings
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

import modelmux
from modelmux._registry import get_provider
from modelmux.errors import parse_retry_after, redact
from modelmux.providers._base import CallContext

KEYS = {
    "openai/gpt-4o": "sk-proj-SECRETsecretSECRET0123456789",
    "anthropic/claude-sonnet-4-5": "sk-ant-api03-SECRETsecretSECRET0123456789",
    "gemini/gemini-2.5-flash": "AIzaSyDSECRETsecretSECRET0123456789ab",
}


def echo_key_error(request: httpx.Request) -> httpx.Response:
    # A hostile or buggy upstream that quotes the credentials back in its error.
    seen = " ".join(f"{k}={v}" for k, v in request.headers.items()) + " url=" + str(request.url)
    return httpx.Response(401, json={"error": {"message": f"bad credentials: {seen}", "type": "authentication_error"}})


@pytest.mark.parametrize("model", sorted(KEYS))
@pytest.mark.parametrize("stream", [False, True])
def test_error_paths_never_show_the_key(model: str, stream: bool, caplog: pytest.LogCaptureFixture) -> None:
    key = KEYS[model]
    caplog.set_level(logging.DEBUG)
    with pytest.raises(modelmux.APIError) as info:
        modelmux.completion(
            model,
            [{"role": "user", "content": "x"}],
            api_key=key,
            transport=httpx.MockTransport(echo_key_error),
            stream=stream,
        )
    err = info.value
    surfaces: list[Any] = [str(err), repr(err), err.args, err.message, err.body, caplog.text]
    assert all(key not in str(s) for s in surfaces)


def test_context_and_request_reprs_hide_the_key() -> None:
    key = KEYS["anthropic/claude-sonnet-4-5"]
    ctx = CallContext(
        provider="anthropic", model="claude-sonnet-4-5", api_base="https://api.anthropic.com", api_key=key
    )
    req = get_provider("anthropic").build_chat_request({"messages": [{"role": "user", "content": "x"}]}, ctx)
    assert key in req.headers.values()  # it is sent...
    assert key not in repr(ctx) and key not in repr(req)  # ...but never shown


def test_dropped_param_warning_has_no_key(recwarn: pytest.WarningsRecorder) -> None:
    key = KEYS["anthropic/claude-sonnet-4-5"]

    def ok(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "id": "m",
                "type": "message",
                "role": "assistant",
                "model": "c",
                "content": [],
                "stop_reason": "end_turn",
                "usage": {},
            },
        )

    warnings.simplefilter("always")
    modelmux.completion(
        "anthropic/claude-sonnet-4-5",
        [{"role": "user", "content": "x"}],
        api_key=key,
        transport=httpx.MockTransport(ok),
        seed=3,
        drop_params=True,
    )
    assert recwarn and all(key not in str(w.message) for w in recwarn)


# ---------------------------------------------------------------- a real loopback upstream that echoes the key


class _Echo(BaseHTTPRequestHandler):
    """Answers every request with an error that quotes the credentials it got in every field it can, in each
    provider's error shape at once, and in its response headers."""

    status = 400
    echo_in_headers = True

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        key = self.headers.get("x-api-key") or self.headers.get("x-goog-api-key") or ""
        key = key or (self.headers.get("authorization") or "").removeprefix("Bearer ")
        escaped = urllib.parse.quote(key, safe="")
        error = {
            "message": f"bad key {key} (escaped {escaped})",
            "type": key,
            "param": key,
            "code": key,
            "status": key,
            "details": [{"reason": key}],
        }
        body = json.dumps({"type": "error", "error": error, "request_id": key}).encode()
        self.send_response(type(self).status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        if self.echo_in_headers:
            self.send_header("x-request-id", key)
            self.send_header("request-id", key)
            self.send_header("retry-after", key)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(params=[(400, True), (429, True), (500, True), (400, False)], ids=str)
def echo_server(request: pytest.FixtureRequest) -> Iterator[tuple[str, bool]]:
    status, in_headers = request.param
    handler = type("Echo", (_Echo,), {"status": status, "echo_in_headers": in_headers})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", in_headers
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("model", sorted(KEYS))
@pytest.mark.parametrize("stream", [False, True])
def test_an_upstream_echoing_the_key_everywhere_never_shows_it(
    model: str, stream: bool, echo_server: tuple[str, bool], caplog: pytest.LogCaptureFixture
) -> None:
    api_base, in_headers = echo_server
    key = KEYS[model]
    for name in ("", "httpx", "httpcore", "modelmux"):
        caplog.set_level(logging.DEBUG, logger=name)
    with pytest.raises(modelmux.APIError) as info:
        modelmux.completion(model, [{"role": "user", "content": "x"}], api_key=key, api_base=api_base, stream=stream)
    err = info.value
    assert err.status_code is not None and err.status_code >= 400
    assert any(r.name.startswith("httpcore") for r in caplog.records)  # the transport's debug log was on
    fields = [err.message, err.param, err.code, err.request_id, err.native_type, err.body, err.args]
    # httpcore's own DEBUG trace prints every *response* header as received; with an upstream that echoes the key
    # in a header that one line quotes it (the request side never does). Everything else must be clean.
    logged = [caplog.text]
    if in_headers:
        logged = [r.getMessage() for r in caplog.records if not r.getMessage().startswith("receive_response_headers")]
    surfaces: list[Any] = [str(err), repr(err), err.to_openai_error(), *fields, vars(err), *logged]
    escaped = urllib.parse.quote(key, safe="")
    for surface in surfaces:
        assert key not in str(surface) and escaped not in str(surface), surface
    retry_after = getattr(err, "retry_after", None)
    assert retry_after is None  # the key is no number: the hint is dropped, not guessed


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "7"}, 7.0),
        ({"retry-after": " 2.5 "}, 2.5),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "nan", "retry-after": "3"}, 3.0),
        ({"retry-after": "-5"}, None),
        ({"retry-after": "inf"}, None),
        ({"retry-after": "1e999"}, None),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "Wed, 99 Foo 2025 25:61:00 GMT"}, None),
        ({"retry-after": "99999999"}, 3600.0),
        ({"retry-after": "Mon, 01 Jan 1990 00:00:00 GMT"}, 0.0),
        ({"retry-after": "Fri, 31 Dec 9999 23:59:59 GMT"}, 3600.0),
        ({}, None),
    ],
)
def test_retry_after_hints_are_sane_and_capped(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers) == expected


def test_a_retry_after_date_in_the_near_future_is_parsed() -> None:
    from email.utils import format_datetime

    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=120), usegmt=True)
    seconds = parse_retry_after({"retry-after": when})
    assert seconds is not None and 100 < seconds <= 120


def test_redact_knows_escaped_spellings() -> None:
    key = "my/secret+key=with spaces"
    text = f"a {key} b {urllib.parse.quote(key, safe='')} c {json.dumps(key)}"
    assert "secret" not in redact(text, (key,))
