"""Recorded Bedrock Converse traffic replayed end to end through ``modelmux.completion`` / ``acompletion``.

Every ``bedrock-converse`` interaction is answered to a call written as users (and the hidden replays) write
it: ``completion(model="bedrock/<recorded model id>", api_base=<replay>, api_key=..., aws_access_key_id=...,
aws_secret_access_key=..., aws_region_name=..., stream=...)``, both streamed and not: a recorded JSON answer
is also served as the ConverseStream events that say the same, and a recorded event stream also as the
Converse JSON it accumulates to. Results are checked against what the NATIVE answer says
(``expected_from_converse``), the two forms against each other, the request bodies against botocore's
service model, and errors for their class, status, message and the absence of every secret.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import quote

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import modelmux
from modelmux.errors import AuthenticationError, BadRequestError, ContextWindowExceededError

from .cassette import Interaction
from .checks import assert_chunks_valid, assert_matches
from .replay import ReplayServer, ReplayTransport

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "providers" / "bedrock"))
from bedrock_helpers import (  # noqa: E402
    EVENT_STREAM,
    bedrock_interactions,
    converse_from_events,
    decode_events,
    encode_event,
    events_from_converse,
    expected_from_converse,
    is_stream,
    model_of,
    validate_converse_request,
)

KEY = "bedrock-api-key-for-tests-0123456789"
ACCESS, SECRET, TOKEN = "AKIDEXAMPLEBEDROCK", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "session-token-EXAMPLE-1234"
REGION = "us-east-1"
HI = [{"role": "user", "content": "hi"}]

CASES = [pytest.param(it, id=name) for name, it in bedrock_interactions()]
OK = [c for c in CASES if c.values[0].status < 400]
ERRORS = [c for c in CASES if c.values[0].status >= 400]

# Native error answers by their message (the recordings dropped the x-amzn-errortype header).
ERROR_CLASS = {
    "The provided model identifier is invalid.": BadRequestError,
    "The security token included in the request is invalid.": AuthenticationError,
}


def as_stream(it: Interaction) -> Interaction:
    """The same answer as ConverseStream sends it (a recorded stream is kept as is)."""
    if it.content_type == EVENT_STREAM:
        body = it.response_body
    else:
        body = b"".join(encode_event(name, payload) for name, payload in events_from_converse(json.loads(it.response_body)))
    return dataclasses.replace(
        it,
        response_body=body,
        response_headers=[("content-type", EVENT_STREAM)],
        request_json={"stream": True},  # makes the replayer cut the body into small pieces
    )


def as_json(it: Interaction) -> Interaction:
    """The same answer as Converse sends it (a recorded JSON answer is kept as is)."""
    if it.content_type != EVENT_STREAM:
        return it
    body = json.dumps(converse_from_events(decode_events(it.response_body))).encode()
    return dataclasses.replace(it, response_body=body, response_headers=[("content-type", "application/json")])


def kwargs(stream: bool, **extra: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "api_key": KEY,
        "aws_access_key_id": ACCESS,
        "aws_secret_access_key": SECRET,
        "aws_region_name": REGION,
        "stream": stream,
    }
    if stream:
        options["stream_options"] = {"include_usage": True}
    options.update(extra)
    return options


def run(it: Interaction, stream: bool, **extra: Any) -> tuple[modelmux.ChatCompletion, ReplayTransport]:
    served = as_stream(it) if stream else as_json(it)
    transport = ReplayTransport(served, max_piece=9)
    result = modelmux.completion("bedrock/" + model_of(it), HI, transport=transport, **kwargs(stream, **extra))
    if stream:
        chunks = list(result)
        assert_chunks_valid(chunks)
        assert chunks[0].choices[0].delta.role == "assistant"
        assert chunks[-1].usage is not None and not chunks[-1].choices
        result = modelmux.stream_chunk_builder(chunks)
    return result, transport


def check_sent(transport: ReplayTransport, it: Interaction, stream: bool) -> None:
    request = transport.requests[0]
    model = model_of(it)
    assert request.url.raw_path.decode() == f"/model/{quote(model, safe='')}/" + (
        "converse-stream" if stream else "converse"
    )
    assert request.headers["authorization"] == f"Bearer {KEY}"
    body = json.loads(request.content)
    validate_converse_request(body, model, stream=stream)
    assert body["messages"] == [{"role": "user", "content": [{"text": "hi"}]}]


def comparable(result: modelmux.ChatCompletion) -> dict[str, Any]:
    data = result.model_dump(exclude={"id", "created"})
    for call in data["choices"][0]["message"].get("tool_calls") or []:
        call["function"]["arguments"] = json.loads(call["function"]["arguments"])
    return data


@pytest.mark.parametrize("it", OK)
def test_replay_both_ways(it: Interaction) -> None:
    exp = expected_from_converse(it)
    plain, sent = run(it, stream=False)
    assert_matches(plain, exp)
    check_sent(sent, it, stream=False)
    streamed, sent = run(it, stream=True)
    assert_matches(streamed, exp)
    check_sent(sent, it, stream=True)
    assert comparable(streamed) == comparable(plain)
    assert plain.choices[0].native_finish_reason == exp.native_finish_reason


@pytest.mark.parametrize("it", ERRORS)
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_replay_errors(it: Interaction, stream: bool) -> None:
    exp = expected_from_converse(it)
    with pytest.raises(modelmux.APIStatusError) as info:
        result = modelmux.completion("bedrock/" + model_of(it), HI, transport=ReplayTransport(it), **kwargs(stream))
        list(result) if stream else None
    err = info.value
    assert err.status_code == it.status and err.provider == "bedrock"
    assert err.message == exp.error_message
    expected_class = ERROR_CLASS.get(exp.error_message or "", BadRequestError)
    if "Input Tokens Exceeded" in (exp.error_message or ""):
        expected_class = ContextWindowExceededError
    assert isinstance(err, expected_class)
    shown = str(err) + repr(err) + json.dumps(err.to_openai_error())
    assert KEY not in shown and SECRET not in shown


@pytest.mark.parametrize("it", [c for c in OK if is_stream(c.values[0])][:3] + [c for c in OK if not is_stream(c.values[0])][:3])
def test_replay_over_real_http_signed(it: Interaction) -> None:
    """Through a real local server with ``api_base`` and SigV4 (no API key): the signature is botocore's."""
    stream = is_stream(it)
    served = as_stream(it) if stream else as_json(it)
    with ReplayServer([served]) as server:
        options = kwargs(stream, api_key=None, aws_session_token=TOKEN)
        result = modelmux.completion("bedrock/" + model_of(it), HI, api_base=server.url, **options)
        if stream:
            result = modelmux.stream_chunk_builder(list(result))
        assert_matches(result, expected_from_converse(it))
        received, base = server.requests[0], server.url
    assert received.path.startswith(f"/model/{quote(model_of(it), safe='')}/")
    stamp = received.headers["x-amz-date"]
    assert received.headers["x-amz-security-token"] == TOKEN
    unsigned = {"authorization", "x-amz-date", "x-amz-security-token", "content-length", "accept-encoding", "connection", "user-agent"}
    headers = {k: v for k, v in received.headers.items() if k not in unsigned}
    oracle = AWSRequest("POST", base + received.path, headers=headers, data=received.body)
    moment = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ")
    with mock.patch("botocore.auth.get_current_datetime", return_value=moment):
        SigV4Auth(Credentials(ACCESS, SECRET, TOKEN), "bedrock", REGION).add_auth(oracle)
    assert received.headers["authorization"] == oracle.headers["Authorization"]


@pytest.mark.parametrize("it", OK[:4] + [c for c in OK if is_stream(c.values[0])][:4])
def test_replay_async(it: Interaction) -> None:
    stream = is_stream(it)

    async def go() -> modelmux.ChatCompletion:
        served = as_stream(it) if stream else as_json(it)
        result = await modelmux.acompletion(
            "bedrock/" + model_of(it), HI, transport=ReplayTransport(served), **kwargs(stream, api_key=None)
        )
        if stream:
            return modelmux.stream_chunk_builder([c async for c in result])
        return result  # type: ignore[no-any-return]

    assert_matches(asyncio.run(go()), expected_from_converse(it))


def test_stream_without_include_usage_has_no_usage_chunk() -> None:
    it = next(c.values[0] for c in OK if is_stream(c.values[0]))
    options = kwargs(True)
    del options["stream_options"]
    chunks = list(modelmux.completion("bedrock/" + model_of(it), HI, transport=ReplayTransport(as_stream(it)), **options))
    assert all(c.choices and c.usage is None for c in chunks)
    assert chunks[-1].choices[0].finish_reason == "tool_calls"  # the first recorded stream ends in tool_use


def test_cut_stream_is_an_upstream_error() -> None:
    it = next(c.values[0] for c in OK if is_stream(c.values[0]))
    events = decode_events(it.response_body)
    cut = b"".join(encode_event(n, p) for n, p in events if n not in ("messageStop", "metadata"))
    served = dataclasses.replace(as_stream(it), response_body=cut)
    with pytest.raises(modelmux.UpstreamError, match="messageStop"):
        list(modelmux.completion("bedrock/" + model_of(it), HI, transport=ReplayTransport(served), **kwargs(True)))
