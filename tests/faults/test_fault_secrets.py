"""Fault suite, secrets: an upstream that echoes the API key (error body, headers, in-band stream errors) and keys
that cannot be sent (stray whitespace, non-ASCII). The key appears in no error field and no log line, httpx's
and httpcore's DEBUG logs included."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from fake_upstream import Conn, FakeUpstream, Request, head

import modelmux

MSG = [{"role": "user", "content": "hi"}]
KEYS = {
    "openai/gpt-4o": "sk-proj-ECHOechoECHO0123456789abcdef",
    "anthropic/claude-sonnet-4-5": "sk-ant-api03-ECHOechoECHO0123456789",
    "gemini/gemini-2.5-flash": "AIzaSyECHOechoECHO0123456789abcdefgh",
}
#: Keys no provider would issue in this shape: only the exact value can find them.
PLAIN_KEYS = {model: "plainkey" + key[-12:] for model, key in KEYS.items()}


def sent_credential(request: Request) -> str:
    for name in ("authorization", "x-api-key", "x-goog-api-key"):
        if name in request.headers:
            return request.headers[name]
    return ""


def echo(status: int) -> Any:
    def script(request: Request, conn: Conn) -> None:
        seen = sent_credential(request)
        bare = seen.removeprefix("Bearer ")
        body = json.dumps(
            {
                "error": {
                    "message": f"invalid credentials {seen!r} for {request.path}",
                    "type": f"auth_{bare}",
                    "code": bare,
                    "param": bare,
                    "status": bare,
                }
            }
        ).encode()
        headers = [("content-type", "application/json"), ("x-request-id", bare), ("www-authenticate", seen)]
        conn.send(head(status, headers, length=len(body)) + body)

    return script


def surfaces(err: modelmux.APIError, log: str) -> list[Any]:
    fields = [getattr(err, name, None) for name in ("message", "param", "code", "request_id", "native_type", "body")]
    return [str(err), repr(err), err.args, json.dumps(err.to_openai_error()), log, *fields]


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("status", [400, 401, 500, 503])
@pytest.mark.parametrize("model", sorted(KEYS))
@pytest.mark.parametrize("keys", [KEYS, PLAIN_KEYS], ids=["key-shaped", "plain"])
def test_an_echoed_key_is_in_no_error_field_or_log(
    model: str, status: int, stream: bool, keys: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    key = keys[model]
    caplog.set_level(logging.DEBUG)
    with FakeUpstream(echo(status)) as up, pytest.raises(modelmux.APIError) as info:
        out = modelmux.completion(model, MSG, api_key=key, api_base=up.url, stream=stream)
        list(out)  # type: ignore[call-overload]
    assert sent_credential(up.requests[0]).endswith(key)  # it was sent, and echoed...
    assert all(key not in str(s) for s in surfaces(info.value, caplog.text))  # ...and shown nowhere


def test_a_key_echoed_in_an_in_band_stream_error_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    key = PLAIN_KEYS["openai/gpt-4o"]

    def script(request: Request, conn: Conn) -> None:
        conn.send(head(200, [("content-type", "text/event-stream")]))
        error = {"error": {"message": f"key {key} revoked", "code": 401, "param": key, "type": key}}
        conn.send(b"data: " + json.dumps(error).encode() + b"\n\n")

    caplog.set_level(logging.DEBUG)
    with FakeUpstream(script) as up, pytest.raises(modelmux.APIError) as info:
        list(modelmux.completion("openai/gpt-4o", MSG, api_key=key, api_base=up.url, stream=True))
    assert all(key not in str(s) for s in surfaces(info.value, caplog.text))


BAD_KEYS = [
    "sk-proj-abcdefghijklmnop0123\n",
    " sk-proj-abcdefghijklmnop0123",
    "sk-proj-abcdefgh ijklmnop0123",
    "sk-proj-abcdefghijklmnop0123\r",
    "sk-proj-abcdéfghijklmnop0123",
    "sk-proj-abcdefghijklmnop0123\u200b",
    "sk-proj-abcdefghijklmnop\x000123",
]


@pytest.mark.parametrize("key", BAD_KEYS)
@pytest.mark.parametrize("model", sorted(KEYS))
def test_a_key_that_cannot_be_sent_is_a_clear_error_that_never_shows_it(
    model: str, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeUpstream(echo(401)) as up:
        with pytest.raises(modelmux.AuthenticationError) as info:
            modelmux.completion(model, MSG, api_key=key, api_base=up.url)
        assert up.requests == []  # refused before anything was sent
    err = info.value
    assert "API key" in err.message and "position" in err.message
    core = key.strip()[:20]
    assert all(core not in str(s) and key not in str(s) for s in surfaces(err, caplog.text))


def test_a_key_from_the_environment_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-api03-fromtheenvironment\n")
    with pytest.raises(modelmux.AuthenticationError, match="ANTHROPIC_API_KEY") as info:
        modelmux.completion("anthropic/claude-sonnet-4-5", MSG)
    assert "fromtheenvironment" not in str(info.value)


@pytest.mark.parametrize("value", ["café", "a\nb", " padded", "x\x00y"])
def test_a_header_value_that_cannot_be_sent_is_a_bad_request_without_its_value(value: str) -> None:
    with FakeUpstream(echo(401)) as up:
        with pytest.raises(modelmux.BadRequestError) as info:
            modelmux.completion("openai/gpt-4o", MSG, api_key="k", api_base=up.url, extra_headers={"x-token": value})
        assert up.requests == []
    assert "x-token" in str(info.value) and value not in str(info.value)
