"""A fast local fake LLM upstream for benchmarks.

Speaks just enough HTTP/1.1 (keep-alive, ``Content-Length`` request bodies,
chunked responses for streams) on a bare :class:`asyncio.Protocol` to answer
in a few tens of microseconds, so that client-side overhead dominates any
measurement made against it.

Routes (matched on the path suffix, query string ignored):

* ``POST .../chat/completions`` -- OpenAI chat completions, JSON or SSE
  (``"stream": true``), with a trailing usage chunk when
  ``stream_options.include_usage`` is set.
* ``POST .../messages`` -- Anthropic Messages, JSON or SSE.
* ``POST .../model/{id}/converse`` -- Bedrock Converse, JSON; ``.../model/{id}/converse-stream`` --
  Bedrock ConverseStream, AWS event-stream binary frames (``application/vnd.amazon.eventstream``).
* ``POST .../v2/chat`` -- Cohere v2 chat, JSON or SSE (``"stream": true``).
* ``POST .../api/chat`` -- Ollama's native chat, JSON (``"stream": false``) or NDJSON (``"stream"``
  true or absent, as Ollama itself defaults to streaming).
* ``POST .../models/{model}:generateContent`` -- Gemini, JSON; ``...:streamGenerateContent`` -- Gemini's
  ``alt=sse`` stream (the path decides, as for Bedrock).
* ``GET /health`` -- ``ok``.

Streams go out as one HTTP chunk per event; under a path starting with ``/one-read`` (e.g.
``/one-read/v1/chat/completions``) the same events go out as a single HTTP chunk, so a client gets
the whole stream in one network read and its per-event CPU is all that is measured. Under
``[/one-read]/events/{n}/…`` (e.g. ``/one-read/events/5000/v1/messages``) every stream has ``n``
content events instead of :data:`STREAM_EVENTS`.

Every response body is encoded once at start-up (those of another ``n`` at its first request).  Authentication headers
are ignored.

Run standalone with ``python benchmarks/fake_upstream.py --port 8765`` or
import :func:`start_in_subprocess`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import struct
import subprocess
import sys
import time
import zlib
from typing import Any

__all__ = ["STREAM_EVENTS", "Responses", "event_stream_frame", "start_in_subprocess", "words"]

STREAM_EVENTS = 200
"""Number of content-bearing events in every streamed response (unless the path says otherwise: ``/events/{n}``)."""
MAX_EVENTS = 100_000
"""The most content events a ``/events/{n}`` path may ask for."""

OPENAI_MODEL = "gpt-4o-mini-2024-07-18"
ANTHROPIC_MODEL = "claude-sonnet-4-20250514"
COHERE_MODEL = "command-a-03-2025"
OLLAMA_MODEL = "llama3.1"
OLLAMA_CREATED_AT = "2024-10-27T03:33:20.000000000Z"
CREATED = 1_730_000_000
PROMPT_TOKENS = 25

_TEXT = (
    "the quick brown fox jumps over a lazy dog while benchmarks measure how much time "
    "each client library spends building requests parsing responses and validating "
    "typed objects before returning control to the caller"
)
_VOCAB = _TEXT.split()

_READY_PREFIX = "fake upstream listening on "
_MAX_HEADER_BYTES = 64 * 1024


def words(n: int) -> list[str]:
    """Deterministic ``n`` tokens: the first bare, the rest with a leading space."""
    out = []
    for i in range(n):
        word = _VOCAB[i % len(_VOCAB)]
        out.append(word if i == 0 else " " + word)
    return out


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _chunk(data: bytes) -> bytes:
    """One HTTP/1.1 transfer-encoding chunk."""
    return b"%x\r\n%s\r\n" % (len(data), data)


_LAST_CHUNK = b"0\r\n\r\n"


def _http_json(body: bytes, status: bytes = b"200 OK") -> bytes:
    return (
        b"HTTP/1.1 " + status + b"\r\n"
        b"content-type: application/json\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n"
        b"x-request-id: req_fake_upstream\r\n"
        b"\r\n" + body
    )


def _http_sse(events: list[bytes], one_chunk: bool = False) -> bytes:
    head = (
        b"HTTP/1.1 200 OK\r\n"
        b"content-type: text/event-stream; charset=utf-8\r\n"
        b"cache-control: no-cache\r\n"
        b"transfer-encoding: chunked\r\n"
        b"x-request-id: req_fake_upstream\r\n"
        b"\r\n"
    )
    return head + _chunked_body(events, one_chunk)


def _chunked_body(events: list[bytes], one_chunk: bool) -> bytes:
    if one_chunk:
        return _chunk(b"".join(events)) + _LAST_CHUNK
    return b"".join(_chunk(e) for e in events) + _LAST_CHUNK


def _http_stream(content_type: bytes, events: list[bytes], one_chunk: bool = False) -> bytes:
    """A chunked 200 with any content type: one HTTP chunk per event, or all events in one chunk."""
    head = (
        b"HTTP/1.1 200 OK\r\n"
        b"content-type: " + content_type + b"\r\n"
        b"transfer-encoding: chunked\r\n"
        b"x-request-id: req_fake_upstream\r\n"
        b"\r\n"
    )
    return head + _chunked_body(events, one_chunk)


# --------------------------------------------------------------------------- OpenAI


def _openai_completion() -> bytes:
    content = "".join(words(30))
    return _dumps(
        {
            "id": "chatcmpl-fakeupstream0001",
            "object": "chat.completion",
            "created": CREATED,
            "model": OPENAI_MODEL,
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": content,
                        "refusal": None,
                        "annotations": [],
                    },
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": PROMPT_TOKENS,
                "completion_tokens": 30,
                "total_tokens": PROMPT_TOKENS + 30,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {
                    "reasoning_tokens": 0,
                    "audio_tokens": 0,
                    "accepted_prediction_tokens": 0,
                    "rejected_prediction_tokens": 0,
                },
            },
            "service_tier": "default",
            "system_fingerprint": "fp_fakeupstream",
        }
    )


def _openai_stream_events(include_usage: bool, n: int = STREAM_EVENTS) -> list[bytes]:
    tokens = words(n)
    events: list[bytes] = []
    for i, word in enumerate(tokens):
        delta: dict[str, Any] = {"content": word}
        if i == 0:
            delta = {"role": "assistant", "content": word, "refusal": None}
        chunk: dict[str, Any] = {
            "id": "chatcmpl-fakeupstream0002",
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": OPENAI_MODEL,
            "service_tier": "default",
            "system_fingerprint": "fp_fakeupstream",
            "choices": [
                {
                    "index": 0,
                    "delta": delta,
                    "logprobs": None,
                    "finish_reason": "stop" if i == len(tokens) - 1 else None,
                }
            ],
        }
        if include_usage:
            chunk["usage"] = None
        events.append(b"data: " + _dumps(chunk) + b"\n\n")
    if include_usage:
        usage_chunk = {
            "id": "chatcmpl-fakeupstream0002",
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": OPENAI_MODEL,
            "service_tier": "default",
            "system_fingerprint": "fp_fakeupstream",
            "choices": [],
            "usage": {
                "prompt_tokens": PROMPT_TOKENS,
                "completion_tokens": n,
                "total_tokens": PROMPT_TOKENS + n,
            },
        }
        events.append(b"data: " + _dumps(usage_chunk) + b"\n\n")
    events.append(b"data: [DONE]\n\n")
    return events


# --------------------------------------------------------------------------- Anthropic


def _anthropic_message() -> bytes:
    return _dumps(
        {
            "id": "msg_fakeupstream0001",
            "type": "message",
            "role": "assistant",
            "model": ANTHROPIC_MODEL,
            "content": [{"type": "text", "text": "".join(words(30))}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {
                "input_tokens": PROMPT_TOKENS,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "output_tokens": 30,
                "service_tier": "standard",
            },
        }
    )


def _sse_event(name: str, data: dict[str, Any]) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + _dumps(data) + b"\n\n"


def _anthropic_stream_events(n: int = STREAM_EVENTS) -> list[bytes]:
    events = [
        _sse_event(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "msg_fakeupstream0002",
                    "type": "message",
                    "role": "assistant",
                    "model": ANTHROPIC_MODEL,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {
                        "input_tokens": PROMPT_TOKENS,
                        "cache_creation_input_tokens": 0,
                        "cache_read_input_tokens": 0,
                        "output_tokens": 1,
                        "service_tier": "standard",
                    },
                },
            },
        ),
        _sse_event(
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        ),
    ]
    for word in words(n):
        events.append(
            _sse_event(
                "content_block_delta",
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": word}},
            )
        )
    events += [
        _sse_event("content_block_stop", {"type": "content_block_stop", "index": 0}),
        _sse_event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": n},
            },
        ),
        _sse_event("message_stop", {"type": "message_stop"}),
    ]
    return events


# --------------------------------------------------------------------------- Bedrock (Converse)

_BEDROCK_PAD = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0"


def _event_header(name: str, value: str) -> bytes:
    """One event-stream header with a string value (type 7): name length, name, type, value length, value."""
    n, v = name.encode(), value.encode()
    return struct.pack(">B", len(n)) + n + b"\x07" + struct.pack(">H", len(v)) + v


def event_stream_frame(event_type: str, payload: bytes) -> bytes:
    """One AWS event-stream message (``application/vnd.amazon.eventstream``), as Bedrock sends them.

    ``total length (4) | headers length (4) | prelude CRC32 (4) | headers | payload | message CRC32 (4)``,
    big-endian; the prelude CRC covers the first 8 bytes, the message CRC everything before it.
    """
    headers = (
        _event_header(":event-type", event_type)
        + _event_header(":content-type", "application/json")
        + _event_header(":message-type", "event")
    )
    prelude = struct.pack(">II", 12 + len(headers) + len(payload) + 4, len(headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    message = prelude + headers + payload
    return message + struct.pack(">I", zlib.crc32(message))


def _bedrock_usage(output_tokens: int) -> dict[str, Any]:
    return {"inputTokens": PROMPT_TOKENS, "outputTokens": output_tokens, "totalTokens": PROMPT_TOKENS + output_tokens}


def _bedrock_converse() -> bytes:
    return _dumps(
        {
            "output": {"message": {"role": "assistant", "content": [{"text": "".join(words(30))}]}},
            "stopReason": "end_turn",
            "usage": _bedrock_usage(30),
            "metrics": {"latencyMs": 321},
        }
    )


def _bedrock_stream_events(n: int = STREAM_EVENTS) -> list[bytes]:
    """messageStart, 200 one-word contentBlockDelta, contentBlockStop, messageStop, metadata (usage).

    Each payload carries Bedrock's ``p`` padding field, as the real service's do.
    """
    pad = _BEDROCK_PAD
    events = [event_stream_frame("messageStart", _dumps({"p": pad[:8], "role": "assistant"}))]
    for i, word in enumerate(words(n)):
        payload = {"contentBlockIndex": 0, "delta": {"text": word}, "p": pad[: 4 + i % 16]}
        events.append(event_stream_frame("contentBlockDelta", _dumps(payload)))
    events += [
        event_stream_frame("contentBlockStop", _dumps({"contentBlockIndex": 0, "p": pad[:12]})),
        event_stream_frame("messageStop", _dumps({"p": pad[:6], "stopReason": "end_turn"})),
        event_stream_frame(
            "metadata",
            _dumps({"metrics": {"latencyMs": 1234}, "p": pad[:10], "usage": _bedrock_usage(n)}),
        ),
    ]
    return events


# --------------------------------------------------------------------------- Cohere (v2 chat)


def _cohere_usage(output_tokens: int) -> dict[str, Any]:
    return {
        "billed_units": {"input_tokens": PROMPT_TOKENS, "output_tokens": output_tokens},
        "tokens": {"input_tokens": PROMPT_TOKENS + 470, "output_tokens": output_tokens},
    }


def _cohere_chat() -> bytes:
    return _dumps(
        {
            "id": "c0ffee00-0000-4000-8000-fakeupstream01",
            "message": {"role": "assistant", "content": [{"type": "text", "text": "".join(words(30))}]},
            "finish_reason": "COMPLETE",
            "usage": _cohere_usage(30),
        }
    )


def _cohere_stream_events(n: int = STREAM_EVENTS) -> list[bytes]:
    """message-start, content-start, 200 one-word content-delta, content-end, message-end (usage)."""
    events = [
        _sse_event(
            "message-start",
            {
                "id": "c0ffee00-0000-4000-8000-fakeupstream02",
                "type": "message-start",
                "delta": {
                    "message": {"role": "assistant", "content": [], "tool_plan": "", "tool_calls": [], "citations": []}
                },
            },
        ),
        _sse_event(
            "content-start",
            {"type": "content-start", "index": 0, "delta": {"message": {"content": {"type": "text", "text": ""}}}},
        ),
    ]
    for word in words(n):
        events.append(
            _sse_event(
                "content-delta",
                {"type": "content-delta", "index": 0, "delta": {"message": {"content": {"text": word}}}},
            )
        )
    events += [
        _sse_event("content-end", {"type": "content-end", "index": 0}),
        _sse_event(
            "message-end",
            {"type": "message-end", "delta": {"finish_reason": "COMPLETE", "usage": _cohere_usage(n)}},
        ),
    ]
    return events


# --------------------------------------------------------------------------- Ollama (native /api/chat)


def _ollama_final(content: str, eval_count: int) -> dict[str, Any]:
    return {
        "model": OLLAMA_MODEL,
        "created_at": OLLAMA_CREATED_AT,
        "message": {"role": "assistant", "content": content},
        "done_reason": "stop",
        "done": True,
        "total_duration": 4_883_583_458,
        "load_duration": 1_334_875,
        "prompt_eval_count": PROMPT_TOKENS,
        "prompt_eval_duration": 342_546_000,
        "eval_count": eval_count,
        "eval_duration": 4_535_599_000,
    }


def _ollama_chat() -> bytes:
    return _dumps(_ollama_final("".join(words(30)), 30))


def _ollama_stream_lines(n: int = STREAM_EVENTS) -> list[bytes]:
    """200 ``done: false`` lines of one word each, then the ``done: true`` line with the counts."""
    lines = [
        _dumps(
            {
                "model": OLLAMA_MODEL,
                "created_at": OLLAMA_CREATED_AT,
                "message": {"role": "assistant", "content": word},
                "done": False,
            }
        )
        + b"\n"
        for word in words(n)
    ]
    lines.append(_dumps(_ollama_final("", n)) + b"\n")
    return lines


# --------------------------------------------------------------------------- Gemini (generateContent)

GEMINI_MODEL = "gemini-2.0-flash"


def _gemini_usage(output_tokens: int) -> dict[str, Any]:
    return {
        "promptTokenCount": PROMPT_TOKENS,
        "candidatesTokenCount": output_tokens,
        "totalTokenCount": PROMPT_TOKENS + output_tokens,
    }


def _gemini_response(text: str, finish: bool, output_tokens: int, response_id: str) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"parts": [{"text": text}], "role": "model"}, "index": 0}
    if finish:
        candidate["finishReason"] = "STOP"
    return {
        "candidates": [candidate],
        "usageMetadata": _gemini_usage(output_tokens),
        "modelVersion": GEMINI_MODEL,
        "responseId": response_id,
    }


def _gemini_generate() -> bytes:
    return _dumps(_gemini_response("".join(words(30)), True, 30, "fakeupstream01"))


def _gemini_stream_events(n: int = STREAM_EVENTS) -> list[bytes]:
    """``alt=sse``: n partial responses of one word each (usage on each, as Gemini sends it), the last with
    ``finishReason: STOP``; events end in ``\\r\\n\\r\\n``, as Google's servers write them."""
    return [
        b"data: " + _dumps(_gemini_response(word, i == n - 1, i + 1, "fakeupstream02")) + b"\r\n\r\n"
        for i, word in enumerate(words(n))
    ]


# --------------------------------------------------------------------------- responses


class Responses:
    """Every response the server can send, fully encoded (status line to last byte)."""

    def __init__(self, events: int = STREAM_EVENTS) -> None:
        n = events
        self.events = n
        self.openai_json = _http_json(_openai_completion())
        self.openai_sse = _http_sse(_openai_stream_events(include_usage=False, n=n))
        self.openai_sse_usage = _http_sse(_openai_stream_events(include_usage=True, n=n))
        self.anthropic_json = _http_json(_anthropic_message())
        self.anthropic_sse = _http_sse(_anthropic_stream_events(n))
        self.openai_sse_one = _http_sse(_openai_stream_events(include_usage=False, n=n), one_chunk=True)
        self.openai_sse_usage_one = _http_sse(_openai_stream_events(include_usage=True, n=n), one_chunk=True)
        self.anthropic_sse_one = _http_sse(_anthropic_stream_events(n), one_chunk=True)
        self.bedrock_json = _http_json(_bedrock_converse())
        bedrock_frames = _bedrock_stream_events(n)
        self.bedrock_stream = _http_stream(b"application/vnd.amazon.eventstream", bedrock_frames)
        self.bedrock_stream_one = _http_stream(b"application/vnd.amazon.eventstream", bedrock_frames, one_chunk=True)
        self.cohere_json = _http_json(_cohere_chat())
        self.cohere_sse = _http_sse(_cohere_stream_events(n))
        self.cohere_sse_one = _http_sse(_cohere_stream_events(n), one_chunk=True)
        self.ollama_json = _http_json(_ollama_chat())
        ollama_lines = _ollama_stream_lines(n)
        self.ollama_ndjson = _http_stream(b"application/x-ndjson", ollama_lines)
        self.ollama_ndjson_one = _http_stream(b"application/x-ndjson", ollama_lines, one_chunk=True)
        self.gemini_json = _http_json(_gemini_generate())
        self.gemini_sse = _http_sse(_gemini_stream_events(n))
        self.gemini_sse_one = _http_sse(_gemini_stream_events(n), one_chunk=True)
        self._sized: dict[int, Responses] = {}
        self.health = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok"
        self.not_found = _http_json(
            _dumps({"error": {"message": "not found", "type": "invalid_request_error"}}),
            b"404 Not Found",
        )
        self.bad_request = _http_json(
            _dumps({"error": {"message": "invalid JSON body", "type": "invalid_request_error"}}),
            b"400 Bad Request",
        )
        self.length_required = _http_json(
            _dumps({"error": {"message": "Content-Length required", "type": "invalid_request_error"}}),
            b"411 Length Required",
        )

    def for_request(self, method: bytes, path: bytes, body: bytes) -> bytes:
        q = path.find(b"?")
        if q >= 0:
            path = path[:q]
        path = path.rstrip(b"/")
        one = path.startswith(b"/one-read/")
        events = path[9:] if one else path
        if events.startswith(b"/events/"):  # /events/{n}/…: the same streams with n content events
            count, _, rest = events[8:].partition(b"/")
            if not count.isdigit() or not 1 <= int(count) <= MAX_EVENTS:
                return self.not_found
            inner = (b"/one-read/" if one else b"/") + rest
            n = int(count)
            if n == self.events:
                return self.for_request(method, inner, body)
            sized = self._sized.get(n)
            if sized is None:
                if len(self._sized) >= 8:  # bounded: a client cannot make it keep every size
                    self._sized.clear()
                sized = self._sized[n] = Responses(n)
            return sized.for_request(method, inner, body)
        if method == b"POST":
            if path.endswith(b"/chat/completions"):
                stream, usage = _stream_flags(body)
                if stream is None:
                    return self.bad_request
                if not stream:
                    return self.openai_json
                if one:
                    return self.openai_sse_usage_one if usage else self.openai_sse_one
                return self.openai_sse_usage if usage else self.openai_sse
            if path.endswith(b"/messages"):
                stream, _ = _stream_flags(body)
                if stream is None:
                    return self.bad_request
                if not stream:
                    return self.anthropic_json
                return self.anthropic_sse_one if one else self.anthropic_sse
            if path.endswith(b"/converse-stream"):
                if _json_object(body) is None:
                    return self.bad_request
                return self.bedrock_stream_one if one else self.bedrock_stream
            if path.endswith(b"/converse"):
                return self.bad_request if _json_object(body) is None else self.bedrock_json
            if path.endswith(b"/v2/chat"):
                stream, _ = _stream_flags(body)
                if stream is None:
                    return self.bad_request
                if not stream:
                    return self.cohere_json
                return self.cohere_sse_one if one else self.cohere_sse
            if path.endswith(b":generateContent"):
                return self.bad_request if _json_object(body) is None else self.gemini_json
            if path.endswith(b":streamGenerateContent"):  # streamed because of the path (alt=sse is ignored)
                if _json_object(body) is None:
                    return self.bad_request
                return self.gemini_sse_one if one else self.gemini_sse
            if path.endswith(b"/api/chat"):
                data = _json_object(body)
                if data is None:
                    return self.bad_request
                if data.get("stream") is False:  # Ollama streams unless told not to
                    return self.ollama_json
                return self.ollama_ndjson_one if one else self.ollama_ndjson
        elif method in (b"GET", b"HEAD") and path == b"/health":
            return self.health
        return self.not_found


def _json_object(body: bytes) -> dict[str, Any] | None:
    """The request body as a JSON object, or None if it is not one."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _stream_flags(body: bytes) -> tuple[bool | None, bool]:
    """``(stream, include_usage)`` from a request body; ``stream`` is None if it is not JSON."""
    data = _json_object(body)
    if data is None:
        return None, False
    stream = data.get("stream") is True
    opts = data.get("stream_options")
    usage = isinstance(opts, dict) and opts.get("include_usage") is True
    return stream, usage


# --------------------------------------------------------------------------- server


class _HTTPProtocol(asyncio.Protocol):
    __slots__ = ("_buf", "_responses", "_transport")

    def __init__(self, responses: Responses) -> None:
        self._responses = responses
        self._buf = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None

    def data_received(self, data: bytes) -> None:
        buf = self._buf + data if self._buf else data
        transport = self._transport
        if transport is None:
            return
        out: list[bytes] = []
        close = False
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                if len(buf) > _MAX_HEADER_BYTES:
                    close = True
                    buf = b""
                break
            head = buf[:end]
            lines = head.split(b"\r\n")
            parts = lines[0].split(b" ")
            if len(parts) != 3:
                out.append(self._responses.bad_request)
                close = True
                buf = b""
                break
            method, path, version = parts
            length = 0
            keep_alive = version == b"HTTP/1.1"
            chunked = False
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                lname = name.strip().lower()
                if lname == b"content-length":
                    length = int(value)
                elif lname == b"connection":
                    token = value.strip().lower()
                    if token == b"close":
                        keep_alive = False
                    elif token == b"keep-alive":
                        keep_alive = True
                elif lname == b"transfer-encoding":
                    chunked = b"chunked" in value.lower()
            if chunked:
                out.append(self._responses.length_required)
                close = True
                buf = b""
                break
            start = end + 4
            if len(buf) < start + length:
                break  # wait for the rest of the body
            body = buf[start : start + length]
            buf = buf[start + length :]
            response = self._responses.for_request(method, path, body)
            if method == b"HEAD":
                response = response.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
            out.append(response)
            if not keep_alive:
                close = True
                buf = b""
                break
            if not buf:
                break
        self._buf = buf
        if out:
            transport.write(out[0] if len(out) == 1 else b"".join(out))
        if close:
            transport.close()


async def serve(host: str = "127.0.0.1", port: int = 0) -> None:
    """Serve forever on ``host:port`` (0 picks a free port); print the URL once bound."""
    loop = asyncio.get_running_loop()
    responses = Responses()
    server = await loop.create_server(lambda: _HTTPProtocol(responses), host, port, reuse_address=True, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"{_READY_PREFIX}http://{host}:{bound}\n")
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


def _wait_for_port(host: str, port: int, deadline: float) -> None:
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def start_in_subprocess(
    port: int = 0, host: str = "127.0.0.1", timeout: float = 15.0
) -> tuple[str, subprocess.Popen[bytes]]:
    """Start the fake upstream in a child process and wait until it accepts connections.

    Returns ``(base_url, process)``; ``base_url`` has no trailing slash and no ``/v1``.
    The caller owns the process (``proc.terminate(); proc.wait()``).
    """
    cmd = [sys.executable, os.path.abspath(__file__), "--host", host, "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        if not line.startswith(_READY_PREFIX):
            raise RuntimeError(f"fake upstream failed to start (exit code {proc.poll()}): {line!r}")
        url = line[len(_READY_PREFIX) :].strip()
        _wait_for_port(host, int(url.rsplit(":", 1)[1]), deadline)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return url, proc


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (default) picks a free port")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
