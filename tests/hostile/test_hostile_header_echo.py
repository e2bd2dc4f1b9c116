"""An upstream (a real loopback server) that echoes every request header back in its error answers: no credential
the caller passed in any header (``x-api-key``, ``api-key``, ``Authorization: Bearer``, an Azure APIM subscription
key, an AWS session token) or the provider sent (the key, Bedrock's session token, Vertex's access token) survives
in any field of the error (message, body, code, param, type, request id, str, repr, traceback), a log line at
DEBUG, or a callback's event; for chat, a stream, embeddings, images, transcriptions, moderations and rerank, sync
and async."""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
from collections.abc import Callable
from typing import Any

import pytest
from echo_server import EchoServer, echo_server

import modelmux
from fake_clock import fake_clock
from modelmux.callbacks import Callback
from modelmux.errors import APIError

API_KEY = "key-0123456789abcdef-EEE"
X_API_KEY = "xak-0123456789abcdef-AAA"
API_KEY_HEADER = "apik-0123456789abcdef-BBB"
BEARER = "tok.0123456789abcdef.CCC"
APIM = "apim0123456789abcdefDDD"
SESSION = "FwoGZXIvYXdzEXAMPLEsessionTOKEN0123"
HEADERS = {
    "x-api-key": X_API_KEY,
    "api-key": API_KEY_HEADER,
    "Authorization": f"Bearer {BEARER}",
    "Ocp-Apim-Subscription-Key": APIM,
    "X-Amz-Security-Token": SESSION,
}
SECRETS = (API_KEY, X_API_KEY, API_KEY_HEADER, BEARER, APIM, SESSION)
MSG = [{"role": "user", "content": "hi"}]
AUDIO = ("a.wav", b"RIFF....WAVE", "audio/wav")


def _openai(server: EchoServer) -> dict[str, Any]:
    return {"api_base": f"{server.url}/v1", "api_key": API_KEY, "extra_headers": HEADERS}


#: name → (sync call, async call), each given the server.
CALLS: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "chat": (
        lambda s, **k: modelmux.completion("openai/gpt-4o", MSG, **_openai(s), **k),
        lambda s, **k: modelmux.acompletion("openai/gpt-4o", MSG, **_openai(s), **k),
    ),
    "embedding": (
        lambda s, **k: modelmux.embedding("openai/text-embedding-3-small", "hi", **_openai(s), **k),
        lambda s, **k: modelmux.aembedding("openai/text-embedding-3-small", "hi", **_openai(s), **k),
    ),
    "image_generation": (
        lambda s, **k: modelmux.image_generation("openai/dall-e-3", "a cat", **_openai(s), **k),
        lambda s, **k: modelmux.aimage_generation("openai/dall-e-3", "a cat", **_openai(s), **k),
    ),
    "transcription": (
        lambda s, **k: modelmux.transcription("openai/whisper-1", AUDIO, **_openai(s), **k),
        lambda s, **k: modelmux.atranscription("openai/whisper-1", AUDIO, **_openai(s), **k),
    ),
    "moderation": (
        lambda s, **k: modelmux.moderation("hi", model="openai/omni-moderation-latest", **_openai(s), **k),
        lambda s, **k: modelmux.amoderation("hi", model="openai/omni-moderation-latest", **_openai(s), **k),
    ),
    "rerank": (
        lambda s, **k: modelmux.rerank("cohere/rerank-v3.5", "q", ["a", "b"], **{**_openai(s), "api_base": s.url}, **k),
        lambda s, **k: modelmux.arerank(
            "cohere/rerank-v3.5", "q", ["a", "b"], **{**_openai(s), "api_base": s.url}, **k
        ),
    ),
    "bedrock": (
        lambda s, **k: modelmux.completion(
            "bedrock/anthropic.claude-3-haiku-20240307-v1:0", MSG, api_base=s.url, aws_access_key_id="AKIAEXAMPLE0",
            aws_secret_access_key="secretEXAMPLE0123456789", aws_session_token=SESSION, aws_region_name="us-east-1",
            extra_headers={k: v for k, v in HEADERS.items() if k != "Authorization"}, **k,
        ),
        lambda s, **k: modelmux.acompletion(
            "bedrock/anthropic.claude-3-haiku-20240307-v1:0", MSG, api_base=s.url, aws_access_key_id="AKIAEXAMPLE0",
            aws_secret_access_key="secretEXAMPLE0123456789", aws_session_token=SESSION, aws_region_name="us-east-1",
            extra_headers={k: v for k, v in HEADERS.items() if k != "Authorization"}, **k,
        ),
    ),
    "vertex": (
        lambda s, **k: modelmux.completion(
            "vertex/gemini-2.5-flash", MSG, api_base=s.url, vertex_project="p", vertex_location="us-central1",
            vertex_access_token=BEARER, extra_headers={"x-goog-user-project-key": APIM}, **k,
        ),
        lambda s, **k: modelmux.acompletion(
            "vertex/gemini-2.5-flash", MSG, api_base=s.url, vertex_project="p", vertex_location="us-central1",
            vertex_access_token=BEARER, extra_headers={"x-goog-user-project-key": APIM}, **k,
        ),
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def shared() -> Any:
    with echo_server() as server:
        yield server


@pytest.fixture
def server(shared: EchoServer) -> EchoServer:
    shared.seen.clear()
    shared.status = 400
    return shared


class Recorder(Callback):
    def __init__(self) -> None:
        self.seen: list[str] = []

    def on_failure(self, event: Any) -> None:
        err = event.error
        self.seen += [repr(event.kwargs), repr(err), str(err), repr(vars(err)), repr(event.attempts)]

    def on_stream_end(self, event: Any) -> None:
        self.seen.append(repr(event.kwargs))


def _error_text(err: BaseException) -> str:
    fields = [str(err), repr(err), repr(err.args), "".join(traceback.format_exception(err))]
    if isinstance(err, APIError):
        fields += [
            err.message, repr(err.body), json.dumps(err.body, default=str), repr(err.code), repr(err.param),
            repr(err.request_id), repr(err.native_type), repr(vars(err)), json.dumps(err.to_openai_error()),
        ]  # fmt: skip
    return "\n".join(fields)


def _assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, secret


def _run(name: str, server: EchoServer, use_async: bool, **kwargs: Any) -> BaseException:
    sync, async_ = CALLS[name]
    try:
        if use_async:

            async def go() -> Any:
                result = await async_(server, **kwargs)
                if kwargs.get("stream"):
                    async for _ in result:
                        pass
                return result

            asyncio.run(go())
        else:
            result = sync(server, **kwargs)
            if kwargs.get("stream"):
                for _ in result:
                    pass
    except APIError as exc:
        return exc
    raise AssertionError("the echoing upstream's answer did not fail the call")


@pytest.mark.parametrize("name", list(CALLS))
@pytest.mark.parametrize("status", [400, 401, 403, 429, 500, 200])
@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_an_echoed_credential_is_in_no_field_log_or_callback(
    name: str, status: int, use_async: bool, server: EchoServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    recorder = Recorder()
    server.status = status
    err = _run(name, server, use_async, callbacks=[recorder])
    assert server.seen, "the request reached the echo server"
    sent = " ".join(server.seen[0].values())
    assert any(secret in sent for secret in SECRETS)  # the credentials were sent, and echoed
    text = _error_text(err)
    if status != 200:
        assert "[REDACTED]" in text  # the echo came back, scrubbed
    _assert_clean(text)
    _assert_clean("\n".join(recorder.seen))
    _assert_clean(caplog.text)


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_a_stream_error_event_echoing_headers_is_scrubbed(
    use_async: bool, server: EchoServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    recorder = Recorder()
    server.status = "sse"
    err = _run("chat", server, use_async, stream=True, callbacks=[recorder])
    _assert_clean(_error_text(err))
    _assert_clean("\n".join(recorder.seen))
    _assert_clean(caplog.text)


def test_retried_attempts_keep_every_failure_scrubbed(server: EchoServer) -> None:
    server.status = 500
    with fake_clock():
        err = _run("embedding", server, False, num_retries=2)
    assert len(server.seen) == 3
    _assert_clean(_error_text(err))


def test_short_or_non_credential_headers_are_left_alone() -> None:
    from modelmux._credentials import credentials_in

    found = credentials_in({"x-key-version": "2", "x-request-id": "req-0123456789", "Authorization": "Bearer abc"}, {})
    assert found == ["Bearer abc"]  # the request id is no credential; "abc" alone is too short to redact safely
    assert credentials_in({}, {"aws_region_name": "us-east-1", "aws_session_token": SESSION}) == [SESSION]
    creds = json.dumps({"type": "service_account", "private_key_id": "0123456789abcdef", "client_email": "a@b.c"})
    assert credentials_in({}, {"vertex_credentials": creds}) == [creds, "0123456789abcdef"]
