"""Property-based: whatever a client sends (bodies of any shape for each endpoint, any text including lone
surrogates, raw bytes, headers, multipart forms, JSON schemas for every provider), the answer is a 2xx or a 4xx
OpenAI-shaped JSON error, never a 5xx (a 502 only when the upstream itself failed, which the fakes here never do),
and ``/health`` answers right after."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from gateway_fakes import FakeUpstream
from gateway_helpers import ALICE, keyed_config, make_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelmux.asgi import Gateway

AUTH = (b"authorization", f"Bearer {ALICE}".encode())
JSON_CT = (b"content-type", b"application/json")
FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SUCCESS_OBJECTS = {"chat.completion", "list"}


def _sse(events: list[tuple[str | None, dict[str, Any]]]) -> bytes:
    return b"".join(
        (f"event: {name}\n".encode() if name else b"") + b"data: " + json.dumps(data).encode() + b"\n\n"
        for name, data in events
    )


SSE = {"content-type": "text/event-stream"}
ANTHROPIC_STREAM = _sse(
    [
        (
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "msg_1",
                    "type": "message",
                    "role": "assistant",
                    "model": "claude",
                    "content": [],
                    "usage": {"input_tokens": 1, "output_tokens": 0},
                },
            },
        ),
        (
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        ),
        (
            "content_block_delta",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "ok"}},
        ),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 1}},
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
)
GEMINI_STREAM = _sse(
    [(None, {"candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]}, "finishReason": "STOP"}]})]
)


class NativeUpstreams(httpx.AsyncBaseTransport):
    """OpenAI (the shared fake), Anthropic and Gemini upstreams: a minimal valid answer for each, whatever the
    request (so the translation of the request is what is under test)."""

    def __init__(self) -> None:
        self.openai = FakeUpstream()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/v1/messages"):
            if json.loads(await request.aread()).get("stream"):
                return httpx.Response(200, headers=SSE, content=ANTHROPIC_STREAM)
            return httpx.Response(
                200,
                json={
                    "id": "msg_1",
                    "type": "message",
                    "role": "assistant",
                    "model": "claude",
                    "content": [{"type": "text", "text": "ok"}],
                    "stop_reason": "end_turn",
                    "usage": {"input_tokens": 1, "output_tokens": 1},
                },
            )
        if ":streamGenerateContent" in path:
            await request.aread()
            return httpx.Response(200, headers=SSE, content=GEMINI_STREAM)
        if ":generateContent" in path:
            await request.aread()
            return httpx.Response(
                200,
                json={
                    "candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]}, "finishReason": "STOP"}],
                    "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2},
                },
            )
        return await self.openai.handle_async_request(request)


def _app() -> Gateway:
    config = keyed_config(limits={"max_body_bytes": 64 * 1024})
    models = config["models"]
    for name in ("embedding", "image", "transcription", "moderation"):
        models[f"mock/{name}"] = {"model": f"mock/{name}"}
    models["an/claude"] = {"model": "anthropic/claude-sonnet-4-5", "api_key_env": "UPSTREAM_KEY"}
    models["ge/gemini"] = {"model": "gemini/gemini-2.5-flash", "api_key_env": "UPSTREAM_KEY"}
    return make_app(config, transport=NativeUpstreams())


APP = _app()
CHAT_MODELS = ["mock/demo", "mock/echo", "up/ok", "an/claude", "ge/gemini"]
OTHER_MODELS = ["mock/embedding", "mock/image", "mock/moderation", "up/ok", "nope"]


async def _call(method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> tuple[int, bytes, bytes]:
    """One request as raw ASGI messages (any header bytes), then ``/health``; returns status, type, body."""
    sent: list[dict[str, Any]] = []
    done = asyncio.Event()
    incoming = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        if incoming:
            return incoming.pop(0)
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            done.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("utf-8", "surrogatepass"),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("gw", 80),
    }
    await asyncio.wait_for(APP(scope, receive, send), 10)  # type: ignore[arg-type]
    start = sent[0]
    assert start["type"] == "http.response.start"
    content_type = dict(start["headers"]).get(b"content-type", b"")
    return start["status"], content_type, b"".join(m.get("body", b"") for m in sent[1:])


async def _health() -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=APP), base_url="http://gw") as client:
        response = await asyncio.wait_for(client.get("/health"), 5)
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def check(path: str, headers: list[tuple[bytes, bytes]], body: bytes, method: str = "POST") -> tuple[int, Any]:
    """The request's answer is 2xx or a 4xx OpenAI error (JSON), and the app still answers ``/health``."""

    async def both() -> tuple[int, bytes, bytes]:
        answer = await _call(method, path, headers, body)
        await _health()
        return answer

    status, content_type, raw = asyncio.run(both())
    assert status < 500, raw[:500]
    if content_type.startswith(b"text/event-stream"):
        assert status == 200 and raw.rstrip().endswith(b"data: [DONE]"), raw[-200:]
        return status, raw
    if content_type.startswith(b"text/plain"):  # transcriptions in text formats
        assert status == 200
        return status, raw
    assert content_type == b"application/json", content_type
    data = json.loads(raw)
    assert isinstance(data, dict)
    if status >= 400:
        error = data["error"]
        assert set(error) == {"message", "type", "param", "code"}
        assert isinstance(error["message"], str) and error["message"] and "Traceback" not in error["message"]
        assert error["type"] in {"invalid_request_error", "authentication_error", "permission_error"}
    else:
        assert data.get("object") in SUCCESS_OBJECTS or "data" in data or "results" in data or "text" in data
    return status, data


# ---------------------------------------------------------------- strategies

# Any code point, lone surrogates included (hypothesis leaves them out by default).
any_char = st.characters(codec=None, exclude_categories=())
texts = st.text(any_char, max_size=12) | st.text(max_size=12)
scalars = st.none() | st.booleans() | st.integers(-(2**65), 2**65) | st.floats(allow_nan=False) | texts
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=10,
)
# JSON inside a string (tool-call arguments, tool results), lone surrogates escaped in it.
json_texts = st.builds(json.dumps, st.dictionaries(texts, json_values, max_size=3))
part_types = st.sampled_from(["text", "image_url", "input_audio", "file", "refusal", "document", "zzz"])
content_parts = st.lists(
    st.fixed_dictionaries(
        {"type": part_types},
        optional={
            "text": json_values,
            "image_url": st.fixed_dictionaries({"url": json_values}) | json_values,
            "input_audio": st.fixed_dictionaries({"data": json_values, "format": json_values}) | json_values,
            "file": st.fixed_dictionaries({}, optional={"file_data": json_values, "filename": texts}),
            "refusal": json_values,
        },
    )
    | json_values,
    max_size=3,
)
messages = st.lists(
    st.fixed_dictionaries(
        {"role": st.sampled_from(["system", "developer", "user", "assistant", "tool", "x"]) | json_values},
        optional={
            "content": texts | json_texts | content_parts | json_values,
            "name": json_values,
            "tool_call_id": json_values,
            "tool_calls": st.lists(
                st.fixed_dictionaries(
                    {"id": texts, "type": st.sampled_from(["function", "custom"]) | json_values},
                    optional={
                        "function": st.fixed_dictionaries({"name": json_values, "arguments": json_texts | json_values}),
                        "custom": st.fixed_dictionaries({"name": json_values, "input": json_values}),
                    },
                ),
                max_size=2,
            ),
        },
    )
    | json_values,
    max_size=4,
)
schemas = st.recursive(
    st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(["object", "array", "string", "integer", "number", "boolean", "null"])
            | st.lists(st.sampled_from(["string", "null", "integer"]), max_size=2)
            | json_values,
            "enum": st.lists(scalars, max_size=3) | json_values,
            "description": texts,
            "format": st.sampled_from(["date-time", "email", "uuid", "zzz"]),
            "minimum": st.integers(-5, 5),
            "additionalProperties": st.booleans(),
            "$ref": st.sampled_from(["#/$defs/a", "#/definitions/b", "#", "#/nope", "http://x"]),
        },
    ),
    lambda inner: st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(["object", "array"]),
            "properties": st.dictionaries(texts, inner, max_size=3),
            "items": inner,
            "anyOf": st.lists(inner, max_size=3),
            "oneOf": st.lists(inner, max_size=2),
            "allOf": st.lists(inner, max_size=2),
            "required": st.lists(texts, max_size=3),
            "additionalProperties": inner | st.booleans(),
            "$defs": st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2),
            "definitions": st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2),
        },
    ),
    max_leaves=10,
)


def encodings(value: Any) -> st.SearchStrategy[bytes]:
    """The JSON of ``value``: escaped (``\\ud800``), raw UTF-8, or raw CESU-8 (surrogates as 3-byte sequences)."""
    return st.sampled_from(
        [
            json.dumps(value).encode(),
            json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass"),
        ]
    )


# ---------------------------------------------------------------- tests


@FEW
@given(
    data=st.data(),
    model=st.sampled_from(CHAT_MODELS),
    msgs=messages,
    stream=st.booleans(),
    extra=st.dictionaries(texts, json_values),
)
def test_chat_bodies_of_any_shape(
    data: st.DataObject, model: str, msgs: Any, stream: bool, extra: dict[str, Any]
) -> None:
    body = {**extra, "model": model, "messages": msgs, "stream": stream}
    check("/v1/chat/completions", [AUTH, JSON_CT], data.draw(encodings(body)))


@FEW
@given(
    data=st.data(),
    model=st.sampled_from(CHAT_MODELS),
    text=st.text(any_char, min_size=1, max_size=20),
    stream=st.booleans(),
)
def test_any_text_in_a_valid_conversation(data: st.DataObject, model: str, text: str, stream: bool) -> None:
    """Valid but for the text: a lone surrogate anywhere is a 400 naming the JSON problem; other text is a 200
    (streamed or not)."""
    text = "x" + text  # never whitespace only (which Anthropic refuses)
    body = {
        "model": model,
        "messages": [{"role": "user", "content": [{"type": "text", "text": text}]}],
        "stream": stream,
    }
    status, answer = check("/v1/chat/completions", [AUTH, JSON_CT], data.draw(encodings(body)))
    lone = any(0xD800 <= ord(c) <= 0xDFFF for c in text)
    assert status == (400 if lone else 200), answer
    if lone:
        assert answer["error"]["code"] == "invalid_json"


@FEW
@given(
    data=st.data(),
    model=st.sampled_from(CHAT_MODELS),
    tools=st.lists(schemas, max_size=2),
    response_schema=st.none() | schemas,
    strict=st.booleans(),
)
def test_any_schema_for_every_provider(
    data: st.DataObject, model: str, tools: list[Any], response_schema: Any, strict: bool
) -> None:
    body: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": "hi"}]}
    if tools:
        body["tools"] = [
            {"type": "function", "function": {"name": f"f{i}", "parameters": s, "strict": strict}}
            for i, s in enumerate(tools)
        ]
    if response_schema is not None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "out", "schema": response_schema, "strict": strict},
        }
    check("/v1/chat/completions", [AUTH, JSON_CT], data.draw(encodings(body)))


@FEW
@given(
    data=st.data(),
    path=st.sampled_from(["/v1/embeddings", "/v1/images/generations", "/v1/moderations"]),
    model=st.sampled_from(OTHER_MODELS),
    fields=st.dictionaries(
        st.sampled_from(["input", "prompt", "n", "size", "dimensions", "encoding_format", "response_format", "user"]),
        json_values | st.integers(-5, 20_000),
    ),
)
def test_other_endpoints_with_bodies_of_any_shape(
    data: st.DataObject, path: str, model: str, fields: dict[str, Any]
) -> None:
    check(path, [AUTH, JSON_CT], data.draw(encodings({"model": model, **fields})))


def test_the_app_is_still_whole() -> None:
    status, answer = check(
        "/v1/chat/completions",
        [AUTH, JSON_CT],
        b'{"model": "mock/echo", "messages": [{"role": "user", "content": "ok"}]}',
    )
    assert status == 200 and answer["choices"][0]["message"]["content"] == "ok"
