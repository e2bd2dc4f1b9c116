"""Shared helpers for the Bedrock tests: the event-stream encoder, botocore oracles, Converse accumulation.

* :func:`encode_message` writes AWS event-stream frames (the inverse of the decoder under test; itself
  checked against botocore's parser in ``test_bedrock_eventstream.py``).
* :func:`validate_converse_request` validates a request body against botocore's service model for
  ``Converse`` / ``ConverseStream`` (botocore's own ``ParamValidator``), blobs checked to be base64.
* :func:`events_from_converse` turns a non-streamed Converse answer into the ConverseStream events that say
  the same; :func:`converse_from_events` accumulates events back into a Converse answer (as botocore users do).
* :func:`expected_from_converse` derives what the OpenAI-format result must contain from the NATIVE answer.
"""

from __future__ import annotations

import base64
import json
import struct
import sys
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import botocore.session
from botocore.validate import ParamValidator

from modelmux.providers._base import CallContext
from modelmux.providers.bedrock.eventstream import EventStreamDecoder

_TESTS = Path(__file__).resolve().parents[2]
if str(_TESTS) not in sys.path:  # the conformance package, imported under the name pytest gives it
    sys.path.insert(0, str(_TESTS))

from conformance.cassette import CASSETTES_ROOT, Interaction, iter_cassettes, load_cassette  # noqa: E402
from conformance.expected import Expected  # noqa: E402

__all__ = [
    "CASSETTES_ROOT",
    "Expected",
    "Interaction",
    "bedrock_interactions",
    "converse_from_events",
    "decode_events",
    "encode_event",
    "encode_exception",
    "encode_message",
    "events_from_converse",
    "expected_from_converse",
    "make_ctx",
    "model_of",
    "validate_converse_request",
]

EVENT_STREAM = "application/vnd.amazon.eventstream"
_SERVICE_MODEL = botocore.session.get_session().get_service_model("bedrock-runtime")


def make_ctx(model: str = "us.amazon.nova-micro-v1:0", api_base: str = "", **kwargs: Any) -> CallContext:
    return CallContext("bedrock", model, api_base, **kwargs)


# --------------------------------------------------------------------------------------------------------
# event-stream encoding
# --------------------------------------------------------------------------------------------------------

Header = tuple[str, int, Any]


def _encode_header(name: str, kind: int, value: Any) -> bytes:
    raw_name = name.encode()
    out = struct.pack(">B", len(raw_name)) + raw_name + struct.pack(">B", kind)
    if kind in (0, 1):
        return out
    if kind in (2, 3, 4, 5, 8):
        return out + struct.pack({2: ">b", 3: ">h", 4: ">i", 5: ">q", 8: ">q"}[kind], value)
    if kind in (6, 7):
        data = value.encode() if kind == 7 else value
        return out + struct.pack(">H", len(data)) + data
    if kind == 9:
        return out + value
    raise ValueError(kind)


def encode_message(headers: list[Header], payload: bytes) -> bytes:
    """One event-stream frame with typed headers (see ``eventstream.py`` for the layout)."""
    raw_headers = b"".join(_encode_header(*h) for h in headers)
    total = 12 + len(raw_headers) + len(payload) + 4
    prelude = struct.pack(">II", total, len(raw_headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + raw_headers + payload
    return body + struct.pack(">I", zlib.crc32(body))


def encode_event(event_type: str, payload: Any) -> bytes:
    headers: list[Header] = [
        (":event-type", 7, event_type),
        (":content-type", 7, "application/json"),
        (":message-type", 7, "event"),
    ]
    return encode_message(headers, json.dumps(payload).encode())


def encode_exception(exception_type: str, payload: Any) -> bytes:
    headers: list[Header] = [
        (":exception-type", 7, exception_type),
        (":content-type", 7, "application/json"),
        (":message-type", 7, "exception"),
    ]
    return encode_message(headers, json.dumps(payload).encode())


def decode_events(body: bytes) -> list[tuple[str, Any]]:
    decoder = EventStreamDecoder()
    events = decoder.feed(body) + decoder.flush()
    return [(name, json.loads(data)) for name, data in events]


# --------------------------------------------------------------------------------------------------------
# botocore's service model as the oracle for request bodies
# --------------------------------------------------------------------------------------------------------


def _blobs_are_base64(value: Any, where: str = "body") -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "bytes":
                assert isinstance(item, str), f"{where}.bytes must be base64 text"
                base64.b64decode(item, validate=True)
            elif key == "redactedContent":
                base64.b64decode(item, validate=True)
            else:
                _blobs_are_base64(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _blobs_are_base64(item, f"{where}[{i}]")


def validate_converse_request(body: dict[str, Any], model: str, *, stream: bool = False) -> None:
    """Raise ``AssertionError`` listing every way ``body`` breaks botocore's ``Converse(Stream)`` input shape."""
    operation = _SERVICE_MODEL.operation_model("ConverseStream" if stream else "Converse")
    report = ParamValidator().validate({"modelId": model, **body}, operation.input_shape)
    assert not report.has_errors(), report.generate_report()
    _blobs_are_base64(body)


# --------------------------------------------------------------------------------------------------------
# stream ↔ non-stream equivalents
# --------------------------------------------------------------------------------------------------------


def _halves(text: str) -> list[str]:
    cut = len(text) // 2
    return [part for part in (text[:cut], text[cut:]) if part]


def events_from_converse(answer: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The ConverseStream events that carry the same answer as a non-streamed Converse response."""
    message = answer["output"]["message"]
    events: list[tuple[str, dict[str, Any]]] = [("messageStart", {"role": message.get("role", "assistant")})]
    for i, block in enumerate(message["content"]):
        if "text" in block:
            for part in _halves(block["text"]) or [""]:
                events.append(("contentBlockDelta", {"contentBlockIndex": i, "delta": {"text": part}}))
        elif "toolUse" in block:
            use = block["toolUse"]
            start = {k: use[k] for k in ("toolUseId", "name", "type") if k in use}
            events.append(("contentBlockStart", {"contentBlockIndex": i, "start": {"toolUse": start}}))
            for part in _halves(json.dumps(use.get("input") or {})):
                events.append(("contentBlockDelta", {"contentBlockIndex": i, "delta": {"toolUse": {"input": part}}}))
        elif "reasoningContent" in block:
            content = block["reasoningContent"]
            text = content.get("reasoningText") or {}
            for part in _halves(text.get("text") or ""):
                delta = {"reasoningContent": {"text": part}}
                events.append(("contentBlockDelta", {"contentBlockIndex": i, "delta": delta}))
            if text.get("signature"):
                delta = {"reasoningContent": {"signature": text["signature"]}}
                events.append(("contentBlockDelta", {"contentBlockIndex": i, "delta": delta}))
            if content.get("redactedContent"):
                delta = {"reasoningContent": {"redactedContent": content["redactedContent"]}}
                events.append(("contentBlockDelta", {"contentBlockIndex": i, "delta": delta}))
        elif "citationsContent" in block:
            for part in block["citationsContent"].get("content") or []:
                events.append(("contentBlockDelta", {"contentBlockIndex": i, "delta": {"text": part.get("text", "")}}))
        events.append(("contentBlockStop", {"contentBlockIndex": i}))
    events.append(("messageStop", {"stopReason": answer.get("stopReason")}))
    events.append(("metadata", {"usage": answer.get("usage") or {}, "metrics": answer.get("metrics") or {}}))
    return events


def converse_from_events(events: list[tuple[str, Any]]) -> dict[str, Any]:
    """Accumulate ConverseStream events into the equivalent non-streamed Converse response."""
    blocks: dict[int, dict[str, Any]] = {}
    tool_inputs: dict[int, str] = {}
    answer: dict[str, Any] = {"output": {"message": {"role": "assistant", "content": []}}}
    for name, payload in events:
        index = payload.get("contentBlockIndex", -1) if isinstance(payload, dict) else -1
        if name == "contentBlockStart":
            start = payload["start"]
            if "toolUse" in start:
                blocks[index] = {"toolUse": dict(start["toolUse"])}
                tool_inputs[index] = ""
            else:
                blocks[index] = {"other": start}
        elif name == "contentBlockDelta":
            delta = payload["delta"]
            if "text" in delta:
                block = blocks.setdefault(index, {"text": ""})
                block["text"] += delta["text"]
            elif "reasoningContent" in delta:
                block = blocks.setdefault(index, {"reasoningContent": {"reasoningText": {"text": ""}}})
                content = delta["reasoningContent"]
                text = block["reasoningContent"]["reasoningText"]
                text["text"] += content.get("text", "")
                if "signature" in content:
                    text["signature"] = content["signature"]
                if "redactedContent" in content:
                    block["reasoningContent"]["redactedContent"] = content["redactedContent"]
            elif "toolUse" in delta and index in tool_inputs:
                tool_inputs[index] += delta["toolUse"].get("input", "")
        elif name == "messageStop":
            answer["stopReason"] = payload.get("stopReason")
        elif name == "metadata":
            answer["usage"] = payload.get("usage")
    for index, raw in tool_inputs.items():
        blocks[index]["toolUse"]["input"] = json.loads(raw) if raw else {}
    answer["output"]["message"]["content"] = [blocks[i] for i in sorted(blocks) if "other" not in blocks[i]]
    return answer


# --------------------------------------------------------------------------------------------------------
# cassettes and expected values
# --------------------------------------------------------------------------------------------------------


def bedrock_interactions() -> Iterator[tuple[str, Interaction]]:
    for path in iter_cassettes(CASSETTES_ROOT, {"bedrock-converse"}):
        for i, it in enumerate(load_cassette(path)):
            yield f"{path.parent.parent.name}/{path.stem}#{i}", it


def model_of(it: Interaction) -> str:
    """The model id as the recorded client wrote it (the path segment, percent-decoded)."""
    return unquote(urlsplit(it.url).path.split("/model/", 1)[1].rsplit("/", 1)[0])


def is_stream(it: Interaction) -> bool:
    return it.path.endswith("/converse-stream")


def native_answer(it: Interaction) -> dict[str, Any]:
    """The recorded answer as a non-streamed Converse response (accumulated when it was a stream)."""
    if it.content_type == EVENT_STREAM:
        return converse_from_events(decode_events(it.response_body))
    return json.loads(it.response_body)  # type: ignore[no-any-return]


def expected_from_converse(it: Interaction) -> Expected:
    """What the recorded NATIVE answer says, by the Converse documentation (independent of modelmux)."""
    if it.status >= 400:
        body = json.loads(it.response_body)
        return Expected(error_status=it.status, error_message=body.get("message"))
    answer = native_answer(it)
    exp = Expected(native_finish_reason=answer.get("stopReason"))
    for block in answer["output"]["message"]["content"]:
        if "text" in block:
            exp.text += block["text"]
        elif "citationsContent" in block:
            exp.text += "".join(p.get("text", "") for p in block["citationsContent"].get("content") or [])
        elif "reasoningContent" in block:
            exp.reasoning += (block["reasoningContent"].get("reasoningText") or {}).get("text", "")
        elif "toolUse" in block and block["toolUse"].get("type") != "server_tool_use":
            use = block["toolUse"]
            exp.tool_calls.append((use["name"], use.get("input") or {}, use["toolUseId"]))
    usage = answer.get("usage") or {}
    exp.prompt_tokens = (
        usage.get("inputTokens", 0) + usage.get("cacheReadInputTokens", 0) + usage.get("cacheWriteInputTokens", 0)
    )
    exp.completion_tokens = usage.get("outputTokens")
    return exp
