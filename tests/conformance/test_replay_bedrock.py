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
import base64
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
from bedrock_helpers import (
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
        body = b"".join(
            encode_event(name, payload) for name, payload in events_from_converse(json.loads(it.response_body))
        )
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


@pytest.mark.parametrize(
    "it", [c for c in OK if is_stream(c.values[0])][:3] + [c for c in OK if not is_stream(c.values[0])][:3]
)
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
    unsigned = {
        "authorization",
        "x-amz-date",
        "x-amz-security-token",
        "content-length",
        "accept-encoding",
        "connection",
        "user-agent",
    }
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
    chunks = list(
        modelmux.completion("bedrock/" + model_of(it), HI, transport=ReplayTransport(as_stream(it)), **options)
    )
    assert all(c.choices and c.usage is None for c in chunks)
    assert chunks[-1].choices[0].finish_reason == "tool_calls"  # the first recorded stream ends in tool_use


def test_cut_stream_is_an_upstream_error() -> None:
    it = next(c.values[0] for c in OK if is_stream(c.values[0]))
    events = decode_events(it.response_body)
    cut = b"".join(encode_event(n, p) for n, p in events if n not in ("messageStop", "metadata"))
    served = dataclasses.replace(as_stream(it), response_body=cut)
    with pytest.raises(modelmux.UpstreamError, match="messageStop"):
        list(modelmux.completion("bedrock/" + model_of(it), HI, transport=ReplayTransport(served), **kwargs(True)))


# --------------------------------------------------------------------------------------------------------
# recorded requests: the OpenAI-format call that says the same must produce the same Converse body
# --------------------------------------------------------------------------------------------------------

_BUDGET_EFFORT = {1024: "low", 2048: "medium", 4096: "high", 8192: "xhigh"}


def _openai_part(block: dict[str, Any]) -> dict[str, Any]:
    if "text" in block:
        return {"type": "text", "text": block["text"]}
    if "image" in block:
        image = block["image"]
        return {
            "type": "image_url",
            "image_url": {"url": f"data:image/{image['format']};base64,{image['source']['bytes']}"},
        }
    if "document" in block:
        doc = block["document"]
        source = doc["source"]
        data = source.get("bytes") or base64.b64encode(source["text"].encode()).decode()
        media = {"txt": "text/plain", "pdf": "application/pdf", "md": "text/markdown", "csv": "text/csv"}[doc["format"]]
        return {"type": "file", "file": {"file_data": f"data:{media};base64,{data}", "filename": doc["name"]}}
    raise AssertionError(f"no OpenAI equivalent for {list(block)}")


def openai_call_for(body: dict[str, Any]) -> dict[str, Any]:
    """The OpenAI-format arguments whose Converse translation is the recorded body."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": s["text"]} for s in body.get("system") or []]
    for turn in body["messages"]:
        if turn["role"] == "assistant":
            message: dict[str, Any] = {"role": "assistant", "content": None}
            texts = [b["text"] for b in turn["content"] if "text" in b]
            if texts:
                message["content"] = "".join(texts)
            calls = [b["toolUse"] for b in turn["content"] if "toolUse" in b]
            if calls:
                message["tool_calls"] = [
                    {
                        "id": c["toolUseId"],
                        "type": "function",
                        "function": {"name": c["name"], "arguments": json.dumps(c["input"])},
                    }
                    for c in calls
                ]
            thinking = [b["reasoningContent"]["reasoningText"] for b in turn["content"] if "reasoningContent" in b]
            if thinking:
                message["thinking_blocks"] = [
                    {"type": "thinking", "thinking": t["text"], "signature": t["signature"]} for t in thinking
                ]
            messages.append(message)
            continue
        parts = []
        for block in turn["content"]:
            if "toolResult" in block:
                result = block["toolResult"]
                content = "".join(c["text"] for c in result["content"])
                messages.append({"role": "tool", "tool_call_id": result["toolUseId"], "content": content})
            else:
                parts.append(_openai_part(block))
        if parts:
            messages.append({"role": "user", "content": parts})
    call: dict[str, Any] = {"messages": messages}
    config = body.get("inferenceConfig") or {}
    for native, name in (
        ("maxTokens", "max_tokens"),
        ("temperature", "temperature"),
        ("topP", "top_p"),
        ("stopSequences", "stop"),
    ):
        if native in config:
            call[name] = config[native]
    tool_config = body.get("toolConfig")
    if tool_config:
        native = [t for t in tool_config["tools"] if "toolSpec" not in t]
        if native:
            call["toolConfig"] = {"tools": native}
        call["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": t["toolSpec"]["name"],
                    **({"description": t["toolSpec"]["description"]} if "description" in t["toolSpec"] else {}),
                    "parameters": t["toolSpec"]["inputSchema"]["json"],
                },
            }
            for t in tool_config["tools"]
            if "toolSpec" in t
        ]
        choice = tool_config.get("toolChoice")
        if choice is not None:
            call["tool_choice"] = (
                "auto"
                if "auto" in choice
                else "required"
                if "any" in choice
                else {"type": "function", "function": {"name": choice["tool"]["name"]}}
            )
    text_format = (body.get("outputConfig") or {}).get("textFormat")
    if text_format:
        spec = text_format["structure"]["jsonSchema"]
        schema = {"name": spec["name"], "schema": json.loads(spec["schema"])}
        if "description" in spec:
            schema["description"] = spec["description"]
        call["response_format"] = {"type": "json_schema", "json_schema": schema}
    extra = body.get("additionalModelRequestFields") or {}
    if "thinking" in extra:
        call["reasoning_effort"] = _BUDGET_EFFORT[extra["thinking"]["budget_tokens"]]
    if "reasoningConfig" in extra:
        call["reasoning_effort"] = extra["reasoningConfig"]["maxReasoningEffort"]
    return call


def normalised(body: dict[str, Any]) -> dict[str, Any]:
    """What both sides must agree on: no empty ``system``, no ``status``/``citations`` (no OpenAI field for
    them), documents by their text, explicit ``auto`` tool choice dropped, schemas compared as JSON."""
    body = json.loads(json.dumps(body))
    if not body.get("system"):
        body.pop("system", None)
    for turn in body["messages"]:
        for block in turn["content"]:
            if "toolResult" in block:
                block["toolResult"].pop("status", None)
            if "document" in block:
                block["document"].pop("citations", None)
                source = block["document"]["source"]
                if "bytes" in source:
                    source["text"] = base64.b64decode(source.pop("bytes")).decode()
    tool_config = body.get("toolConfig") or {}
    if tool_config.get("toolChoice") == {"auto": {}}:
        del tool_config["toolChoice"]
    text_format = (body.get("outputConfig") or {}).get("textFormat")
    if text_format:
        spec = text_format["structure"]["jsonSchema"]
        spec["schema"] = json.loads(spec["schema"])
    return body


@pytest.mark.parametrize("it", CASES)
def test_recorded_request_rebuilt(it: Interaction) -> None:
    recorded = it.request_json
    call = openai_call_for(recorded)
    transport = ReplayTransport(as_json(it))
    try:
        modelmux.completion("bedrock/" + model_of(it), transport=transport, api_key=KEY, aws_region_name=REGION, **call)
    except modelmux.APIStatusError:
        assert it.status >= 400
    sent = json.loads(transport.requests[0].content)
    validate_converse_request(sent, model_of(it))
    assert normalised(sent) == normalised(recorded)
