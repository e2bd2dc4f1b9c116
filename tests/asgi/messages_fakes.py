"""Fake upstreams of three dialects for the ``/v1/messages`` tests, as one injected httpx transport (by host):

- ``openai.test``: OpenAI chat completions. With tools and no tool result yet: a ``get_weather`` call
  (``{"city": "Oslo"}``); after a tool result: ``"Tool said: <result>"``; else ``"Hello from OpenAI."``. With
  ``reasoning_effort``: ``reasoning_content`` first. Model ``gpt-fail``: 500; ``gpt-cut``: a stream cut mid-way.
- ``gemini.test``: Gemini ``generateContent`` / ``streamGenerateContent?alt=sse``, the same behaviours, thoughts
  from ``thinkingConfig``.
- ``anthropic.test``: the Messages API itself (``/v1/messages``, ``/count_tokens`` → 42); model ``claude-fail``:
  529 ``overloaded_error``; ``claude-cut``: a stream cut mid-way.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

SSE = {"content-type": "text/event-stream"}


class _Events(httpx.AsyncByteStream):
    def __init__(self, events: list[bytes], cut_after: int | None = None) -> None:
        self._events = events
        self._cut_after = cut_after

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i, item in enumerate(self._events):
            if i == self._cut_after:
                raise httpx.ReadError("connection reset by peer")
            yield item


def _data(obj: Any, event: str | None = None) -> bytes:
    head = f"event: {event}\n".encode() if event else b""
    return head + b"data: " + json.dumps(obj).encode() + b"\n\n"


# ---------------------------------------------------------------- OpenAI


def _openai_turn(body: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]], str | None]:
    """(text, tool calls, reasoning) of the answer."""
    last = body["messages"][-1]
    reasoning = "Let me think." if body.get("reasoning_effort") else None
    if last["role"] == "tool":
        return f"Tool said: {last['content']}", [], reasoning
    if body.get("tools") and body.get("tool_choice") != "none":
        name = body["tools"][0]["function"]["name"]
        call = {"id": "call_1", "type": "function", "function": {"name": name, "arguments": '{"city": "Oslo"}'}}
        return None, [call], reasoning
    return "Hello from OpenAI.", [], reasoning


def _openai(body: dict[str, Any]) -> httpx.Response:
    model = body["model"]
    if model == "gpt-fail":
        return httpx.Response(500, json={"error": {"message": "boom at sk-upstream", "type": "server_error"}})
    text, calls, reasoning = _openai_turn(body)
    finish = "tool_calls" if calls else "stop"
    usage = {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
    if not body.get("stream"):
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if calls:
            message["tool_calls"] = calls
        if reasoning:
            message["reasoning_content"] = reasoning
        choice = {"index": 0, "message": message, "finish_reason": finish}
        return httpx.Response(
            200,
            json={
                "id": "c1",
                "object": "chat.completion",
                "created": 1,
                "model": model,
                "choices": [choice],
                "usage": usage,
            },
        )

    def chunk(delta: dict[str, Any], finish: str | None = None, usage: Any = None) -> bytes:
        choices = [] if usage else [{"index": 0, "delta": delta, "finish_reason": finish}]
        out = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": model, "choices": choices}
        if usage:
            out["usage"] = usage
        return _data(out)

    events = [chunk({"role": "assistant", "content": ""})]
    if reasoning:
        events += [chunk({"reasoning_content": "Let me "}), chunk({"reasoning_content": "think."})]
    if text:
        half = len(text) // 2
        events += [chunk({"content": text[:half]}), chunk({"content": text[half:]})]
    for i, call in enumerate(calls):
        fn = call["function"]
        events.append(
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": i,
                            "id": call["id"],
                            "type": "function",
                            "function": {"name": fn["name"], "arguments": ""},
                        }
                    ]
                }
            )
        )
        events += [
            chunk({"tool_calls": [{"index": i, "function": {"arguments": part}}]})
            for part in (fn["arguments"][:5], fn["arguments"][5:])
        ]
    events.append(chunk({}, finish))
    if (body.get("stream_options") or {}).get("include_usage"):
        events.append(chunk({}, usage=usage))
    events.append(b"data: [DONE]\n\n")
    return httpx.Response(200, headers=SSE, stream=_Events(events, cut_after=3 if model == "gpt-cut" else None))


# ---------------------------------------------------------------- Gemini


def _gemini(body: dict[str, Any], stream: bool) -> httpx.Response:
    last = body["contents"][-1]["parts"]
    parts: list[dict[str, Any]] = []
    if (body.get("generationConfig") or {}).get("thinkingConfig"):
        parts.append({"text": "Pondering.", "thought": True})
    result = next((p["functionResponse"] for p in last if "functionResponse" in p), None)
    if result is not None:
        parts.append({"text": f"Tool said: {json.dumps(result['response'])}"})
    elif body.get("tools"):
        name = body["tools"][0]["functionDeclarations"][0]["name"]
        parts.append({"functionCall": {"name": name, "args": {"city": "Oslo"}}})
    else:
        parts.append({"text": "Hello from Gemini."})
    usage = {"promptTokenCount": 9, "candidatesTokenCount": 4, "totalTokenCount": 13}
    if not stream:
        candidate = {"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}
        return httpx.Response(200, json={"candidates": [candidate], "usageMetadata": usage})
    events = []
    for i, part in enumerate(parts):
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": [part]}, "index": 0}
        event: dict[str, Any] = {"candidates": [candidate]}
        if i == len(parts) - 1:
            candidate["finishReason"] = "STOP"
            event["usageMetadata"] = usage
        events.append(_data(event))
    return httpx.Response(200, headers=SSE, stream=_Events(events))


# ---------------------------------------------------------------- Anthropic


def claude_message(body: dict[str, Any]) -> dict[str, Any]:
    last = body["messages"][-1]["content"]
    result = (
        next((b for b in last if isinstance(b, dict) and b.get("type") == "tool_result"), None)
        if isinstance(last, list)
        else None
    )
    content: list[dict[str, Any]] = []
    if body.get("thinking"):
        content.append({"type": "thinking", "thinking": "Hmm.", "signature": "sig-123"})
    if result is not None:
        content.append({"type": "text", "text": f"Tool said: {result['content']}"})
        stop = "end_turn"
    elif body.get("tools"):
        content.append(
            {"type": "tool_use", "id": "toolu_1", "name": body["tools"][0]["name"], "input": {"city": "Oslo"}}
        )
        stop = "tool_use"
    else:
        content.append({"type": "text", "text": "Hello from Claude."})
        stop = "end_turn"
    return {
        "id": "msg_up",
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": 12, "output_tokens": 6},
    }


def claude_events(message: dict[str, Any]) -> list[bytes]:
    start = {**message, "content": [], "stop_reason": None, "usage": {"input_tokens": 12, "output_tokens": 1}}
    events = [_data({"type": "message_start", "message": start}, "message_start"), _data({"type": "ping"}, "ping")]
    for i, block in enumerate(message["content"]):
        kind = block["type"]
        empty = {
            "thinking": {**block, "thinking": "", "signature": ""},
            "text": {"type": "text", "text": ""},
            "tool_use": {**block, "input": {}},
        }[kind]
        events.append(_data({"type": "content_block_start", "index": i, "content_block": empty}, "content_block_start"))
        if kind == "thinking":
            deltas = [
                {"type": "thinking_delta", "thinking": block["thinking"]},
                {"type": "signature_delta", "signature": block["signature"]},
            ]
        elif kind == "text":
            deltas = [{"type": "text_delta", "text": block["text"]}]
        else:
            deltas = [{"type": "input_json_delta", "partial_json": json.dumps(block["input"])}]
        events += [
            _data({"type": "content_block_delta", "index": i, "delta": d}, "content_block_delta") for d in deltas
        ]
        events.append(_data({"type": "content_block_stop", "index": i}, "content_block_stop"))
    events.append(
        _data(
            {
                "type": "message_delta",
                "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                "usage": {"output_tokens": 6},
            },
            "message_delta",
        )
    )
    events.append(_data({"type": "message_stop"}, "message_stop"))
    return events


def _anthropic(request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
    if request.url.path.endswith("/count_tokens"):
        return httpx.Response(200, json={"input_tokens": 42})
    if body["model"] == "claude-fail":
        error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
        return httpx.Response(529, json=error)
    message = claude_message(body)
    if body.get("stream"):
        cut = 4 if body["model"] == "claude-cut" else None
        return httpx.Response(
            200, headers={**SSE, "request-id": "req_up_1"}, stream=_Events(claude_events(message), cut_after=cut)
        )
    return httpx.Response(200, json=message, headers={"request-id": "req_up_1"})


class DialectUpstreams(httpx.AsyncBaseTransport):
    """The three fake upstreams; records each request and its JSON body."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.bodies: list[dict[str, Any]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(await request.aread())
        self.requests.append(request)
        self.bodies.append(body)
        host = request.url.host
        if host == "openai.test":
            return _openai(body)
        if host == "gemini.test":
            return _gemini(body, "streamGenerateContent" in request.url.path)
        if host == "anthropic.test":
            return _anthropic(request, body)
        return httpx.Response(404, json={"error": {"message": "no such fake host"}})
