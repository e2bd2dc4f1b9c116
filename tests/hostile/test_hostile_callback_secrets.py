"""Credentials a call carries somewhere other than a top-level ``api_key`` (a fallback's own key, a password or key
in ``api_base``, a key field in ``extra_body``) never reach a callback's ``event.kwargs``, its repr, nor an
OpenTelemetry span. Each test failed before its fix."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

import modelmux
from modelmux.callbacks import REDACTED, Callback, CallEvent
from modelmux.callbacks._event import secret_values

SECRET = "sk-hostile-callback-secret-0123456789"


def _answer(request: httpx.Request) -> httpx.Response:
    if request.url.host == "down.test":
        return httpx.Response(500, json={"error": {"message": "down"}})
    message = {"role": "assistant", "content": "x"}
    return httpx.Response(
        200,
        json={
            "id": "c",
            "object": "chat.completion",
            "created": 1,
            "model": "m",
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        },
    )


class Seen(Callback):
    def __init__(self) -> None:
        self.events: list[CallEvent] = []
        self.kwargs: list[dict[str, Any]] = []

    def on_start(self, event: CallEvent) -> None:
        self.kwargs.append(event.kwargs)

    def on_success(self, event: CallEvent) -> None:
        self.events.append(event)
        self.kwargs.append(event.kwargs)


@pytest.mark.parametrize(
    "options",
    [
        {  # LiteLLM-style fallback entries carry their own keys
            "api_base": "http://down.test/v1",
            "num_retries": 0,
            "fallbacks": [{"model": "openai/gpt-4o-mini", "api_key": SECRET, "api_base": "http://ok.test/v1"}],
        },
        {"api_base": "http://ok.test/v1", "context_window_fallbacks": [{"model": "openai/gpt-4o", "api_key": SECRET}]},
        {"api_base": f"http://user:{SECRET}@ok.test/v1"},  # a proxy's basic-auth password
        {"api_base": f"http://ok.test/v1?api-key={SECRET}&x=1"},  # a key in the query string
        {"api_base": "http://ok.test/v1", "extra_body": {"api_key": SECRET}},
    ],
    ids=["fallbacks", "context-window-fallbacks", "url-password", "url-query", "extra-body"],
)
def test_no_credential_reaches_a_callback(options: dict[str, Any]) -> None:
    seen = Seen()
    modelmux.completion(
        "openai/gpt-4o",
        [{"role": "user", "content": "hi"}],
        api_key="sk-primary-0123456789",
        transport=httpx.MockTransport(_answer),
        callbacks=[seen],
        **options,
    )
    assert seen.events, "the call did not succeed"
    shown = json.dumps(seen.kwargs, default=repr) + repr(seen.events[0])
    assert SECRET not in shown  # was shown as given
    assert REDACTED in shown
    assert SECRET in secret_values(seen.events[0])  # and redacted from a failing handler's logged traceback


def test_a_url_without_credentials_is_shown_as_it_is() -> None:
    seen = Seen()
    base = "http://ok.test/v1?api-version=2024-10-21"
    modelmux.completion(
        "openai/gpt-4o",
        [{"role": "user", "content": "hi"}],
        api_key="sk-x-0123456789",
        api_base=base,
        transport=httpx.MockTransport(_answer),
        callbacks=[seen],
    )
    assert seen.kwargs[-1]["api_base"] == base


@pytest.mark.parametrize("status", [401, 500])
def test_an_error_that_echoes_the_url_shows_none_of_its_credentials(status: int) -> None:
    def echo(request: httpx.Request) -> httpx.Response:  # a proxy's error page quoting the URL it was asked for
        return httpx.Response(status, json={"error": {"message": f"cannot serve {request.url}"}})

    password = "hunter2-proxy-password"  # not key-shaped: only knowing it can redact it
    base = f"http://user:{password}@proxy.test/v1?api-key={password}"
    with pytest.raises(modelmux.errors.APIError) as info:
        modelmux.completion(
            "openai/gpt-4o",
            [{"role": "user", "content": "hi"}],
            api_key="sk-x-0123456789",
            api_base=base,
            transport=httpx.MockTransport(echo),
        )
    err = info.value
    shown = repr(err) + str(err) + json.dumps(err.body, default=repr) + repr(vars(err))
    assert password not in shown  # was in the message as echoed
    assert "proxy.test" in str(err)
