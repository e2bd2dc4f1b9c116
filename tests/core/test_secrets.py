"""No API key in any message, repr or log line, whichever way a call ends."""

from __future__ import annotations

import logging
import warnings
from typing import Any

import httpx
import pytest

import modelmux
from modelmux._registry import get_provider
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
