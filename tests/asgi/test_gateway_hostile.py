"""Hostile input: whatever a client sends, the answer is a 4xx JSON error (or a proper answer), never a 500; the app
keeps serving; and nothing of one request shows in another's answer."""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
from typing import Any

import httpx
from gateway_helpers import ALICE, keyed_config, make_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelmux.asgi import Gateway

LIMIT = 4096
AUTH = (b"authorization", f"Bearer {ALICE}".encode())
JSON_CT = (b"content-type", b"application/json")
POSTS = [
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/images/generations",
    "/v1/moderations",
    "/v1/audio/transcriptions",
]
MODELS = ["mock/demo", "mock/echo", "mock/embedding", "mock/image", "mock/transcription", "mock/moderation", "nope"]


def _app() -> Gateway:
    config = keyed_config(limits={"max_body_bytes": LIMIT})
    for name in ("embedding", "image", "transcription", "moderation"):
        config["models"][f"mock/{name}"] = {"model": f"mock/{name}"}
    return make_app(config)


APP = _app()  # one app for every example: it must keep serving through all of them
SLOW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


async def _call(
    app: Gateway, method: str, path: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes]
) -> tuple[int, dict[bytes, bytes], bytes]:
    """One request as raw ASGI messages (so any header bytes and any body split can be sent)."""
    incoming = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
    incoming = incoming or [{"type": "http.request", "body": b"", "more_body": False}]
    done = asyncio.Event()
    sent: list[dict[str, Any]] = []

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
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("gw", 80),
    }
    await asyncio.wait_for(app(scope, receive, send), 10)  # type: ignore[arg-type]
    start = sent[0]
    assert start["type"] == "http.response.start"
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], dict(start["headers"]), body


def call(path: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes], method: str = "POST") -> tuple[int, Any]:
    status, response_headers, body = asyncio.run(_call(APP, method, path, headers, chunks))
    assert status < 500, body
    if status >= 400:
        assert response_headers[b"content-type"] == b"application/json"
        error = json.loads(body)["error"]
        assert set(error) == {"message", "type", "param", "code"}
        assert isinstance(error["message"], str) and error["message"]
        assert "Traceback" not in error["message"]
        return status, error
    return status, body


def still_serving() -> None:
    status, body = call(
        "/v1/chat/completions",
        [AUTH, JSON_CT],
        [b'{"model": "mock/echo", "messages": [{"role": "user", "content": "alive"}]}'],
    )
    assert status == 200 and b"alive" in body


# ---------------------------------------------------------------- strategies

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
roles = st.sampled_from(["system", "developer", "user", "assistant", "tool", "function", "wizard", ""])
content_parts = st.lists(
    st.fixed_dictionaries(
        {"type": st.sampled_from(["text", "image_url", "input_audio", "file", "zzz"])},
        optional={"text": json_values, "image_url": json_values},
    ),
    max_size=3,
)
messages = st.lists(
    st.fixed_dictionaries(
        {"role": roles},
        optional={
            "content": st.one_of(st.text(max_size=30), content_parts, json_values),
            "name": json_values,
            "tool_calls": st.lists(
                st.fixed_dictionaries(
                    {
                        "id": json_values,
                        "type": st.just("function"),
                        "function": st.fixed_dictionaries({"name": json_values, "arguments": json_values}),
                    }
                ),
                max_size=2,
            ),
            "tool_call_id": json_values,
        },
    ),
    max_size=3,
)
chat_fields = {
    name: json_values
    for name in (
        "temperature",
        "top_p",
        "n",
        "max_tokens",
        "stop",
        "seed",
        "stream",
        "tools",
        "tool_choice",
        "response_format",
        "stream_options",
        "logit_bias",
        "user",
        "reasoning_effort",
        "top_k",
    )
}
chat_bodies = st.fixed_dictionaries(
    {"model": st.sampled_from(MODELS), "messages": messages | json_values},
    optional={
        **chat_fields,
        "tools": st.lists(st.fixed_dictionaries({"type": st.just("function"), "function": json_values}), max_size=2),
        "tool_choice": st.sampled_from(["auto", "none", "required", "any"]) | json_values,
        "response_format": st.fixed_dictionaries(
            {"type": st.sampled_from(["text", "json_object", "json_schema", "xml"])},
            optional={"json_schema": json_values},
        ),
    },
)
# Well-formed conversations with odd options: these get past the shape checks into the provider code.
good_messages = st.lists(
    st.fixed_dictionaries(
        {"role": st.sampled_from(["system", "user", "assistant", "developer"]), "content": st.text(max_size=30)}
    ),
    min_size=1,
    max_size=3,
)
schemas = st.recursive(
    st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(["object", "array", "string", "integer", "null", "boolean", "number", "zzz"])
            | json_values,
            "enum": json_values,
            "const": json_values,
        },
    ),
    lambda inner: st.fixed_dictionaries(
        {},
        optional={
            "properties": st.dictionaries(st.text(max_size=5), inner, max_size=3) | json_values,
            "items": inner | json_values,
            "anyOf": st.lists(inner, max_size=2) | json_values,
            "required": json_values,
            "type": st.sampled_from(["object", "array"]) | json_values,
        },
    ),
    max_leaves=8,
)
plausible_chat_bodies = st.fixed_dictionaries(
    {"model": st.sampled_from(["mock/demo", "mock/echo"]), "messages": good_messages},
    optional={
        "temperature": st.floats(-1, 3) | json_values,
        "top_p": st.floats(-0.5, 1.5),
        "n": st.integers(-2, 200),
        "max_tokens": st.integers(-5, 10**9),
        "stop": st.lists(st.text(max_size=5), max_size=3) | st.text(max_size=5),
        "stream": st.booleans(),
        "stream_options": st.fixed_dictionaries({}, optional={"include_usage": st.booleans() | json_values}),
        "tools": st.lists(
            st.fixed_dictionaries(
                {
                    "type": st.just("function"),
                    "function": st.fixed_dictionaries(
                        {"name": st.text(min_size=1, max_size=8)}, optional={"parameters": schemas}
                    ),
                }
            ),
            max_size=2,
        ),
        "tool_choice": st.sampled_from(["auto", "none", "required"])
        | st.fixed_dictionaries(
            {"type": st.just("function"), "function": st.fixed_dictionaries({"name": st.text(max_size=8)})}
        ),
        "response_format": st.sampled_from([{"type": "text"}, {"type": "json_object"}])
        | st.fixed_dictionaries(
            {
                "type": st.just("json_schema"),
                "json_schema": st.fixed_dictionaries(
                    {"name": st.text(max_size=5)}, optional={"schema": schemas, "strict": st.booleans()}
                ),
            }
        ),
        "reasoning_effort": st.sampled_from(["low", "medium", "high", "extreme"]),
        "presence_penalty": st.floats(-3, 3),
        "logit_bias": st.dictionaries(st.text(max_size=4), st.integers(-200, 200), max_size=2),
    },
)
other_bodies = st.fixed_dictionaries(
    {"model": st.sampled_from(MODELS)},
    optional={
        name: json_values
        for name in (
            "input",
            "prompt",
            "n",
            "size",
            "response_format",
            "encoding_format",
            "dimensions",
            "user",
            "quality",
        )
    },
)


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()  # NaN and Infinity come out as the invalid JSON literals, on purpose


# ---------------------------------------------------------------- tests


@SLOW
@given(body=chat_bodies)
def test_random_chat_bodies(body: dict[str, Any]) -> None:
    call("/v1/chat/completions", [AUTH, JSON_CT], [_dumps(body)])


@SLOW
@given(body=plausible_chat_bodies)
def test_plausible_chat_bodies_with_odd_options(body: dict[str, Any]) -> None:
    call("/v1/chat/completions", [AUTH, JSON_CT], [_dumps(body)])


@SLOW
@given(path=st.sampled_from(POSTS[:4]), body=other_bodies | json_values)
def test_random_bodies_on_the_other_endpoints(path: str, body: Any) -> None:
    call(path, [AUTH, JSON_CT], [_dumps(body)])


@SLOW
@given(
    path=st.sampled_from(POSTS),
    content_type=st.sampled_from(
        [
            b"application/json",
            b"text/plain",
            b"application/x-www-form-urlencoded",
            b"multipart/form-data",
            b"multipart/form-data; boundary=",
            b'multipart/form-data; boundary="unterminated',
            b"",
            b"\xff\xfe",
            b"application/json; charset=utf-16",
            b"multipart/form-data; boundary=abc; boundary=def",
        ]
    )
    | st.binary(max_size=40),
    body=st.binary(max_size=600),
)
def test_random_bytes_with_any_content_type(path: str, content_type: bytes, body: bytes) -> None:
    status, _ = call(path, [AUTH, (b"content-type", content_type)], [body])
    assert status in (400, 403, 413)


def _multipart(extra: bytes = b"") -> tuple[bytes, bytes]:
    request = httpx.Request(
        "POST",
        "http://gw",
        files={"file": ("a.wav", b"RIFF....WAVEfmt " + extra)},
        data={"model": "mock/transcription", "response_format": "json"},
    )
    return request.read(), request.headers["content-type"].encode()


@SLOW
@given(data=st.data(), payload=st.binary(max_size=200))
def test_truncated_multipart_is_400(data: st.DataObject, payload: bytes) -> None:
    body, content_type = _multipart(payload)
    boundary = content_type.split(b"boundary=")[1]
    cut = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
    truncated = body[:cut]
    status, _ = call("/v1/audio/transcriptions", [AUTH, (b"content-type", content_type)], [truncated])
    complete = b"\r\n--" + boundary + b"--" in truncated
    assert status == (200 if complete else 400)


@SLOW
@given(data=st.data())
def test_mutated_multipart_never_breaks_the_app(data: st.DataObject) -> None:
    body, content_type = _multipart()
    mutable = bytearray(body)
    for _ in range(data.draw(st.integers(1, 6))):
        index = data.draw(st.integers(0, len(mutable) - 1))
        mutable[index] = data.draw(st.integers(0, 255))
    call("/v1/audio/transcriptions", [AUTH, (b"content-type", content_type)], [bytes(mutable)])


@SLOW
@given(
    header=st.binary(max_size=300),
    name=st.sampled_from([b"authorization", b"content-length", b"content-type", b"x-anything"]),
)
def test_random_header_bytes(header: bytes, name: bytes) -> None:
    headers = [AUTH, JSON_CT, (name, header)] if name != b"authorization" else [(name, header), JSON_CT]
    call("/v1/chat/completions", headers, [b'{"model": "mock/demo", "messages": [{"role": "user", "content": "x"}]}'])


def test_huge_headers_are_431_json() -> None:
    status, error = call("/v1/chat/completions", [AUTH, JSON_CT, (b"x-big", b"a" * 70_000)], [b"{}"])
    assert status == 431 and error["code"] == "headers_too_large"
    many = [(f"x-h{i}".encode(), b"v" * 100) for i in range(1000)]
    status, _ = call("/v1/models", [AUTH, *many], [], method="GET")
    assert status == 431
    status, error = call("/v1/chat/completions", [(b"authorization", b"Bearer " + b"k" * 20_000), JSON_CT], [b"{}"])
    assert status == 401
    still_serving()


@SLOW
@given(
    size=st.sampled_from([LIMIT - 1, LIMIT, LIMIT + 1, LIMIT + 2, 3 * LIMIT]),
    splits=st.lists(st.integers(min_value=0, max_value=3 * LIMIT), max_size=5),
    declared=st.booleans(),
)
def test_bodies_around_the_limit(size: int, splits: list[int], declared: bool) -> None:
    head = b'{"model": "mock/demo", "messages": [{"role": "user", "content": "'
    tail = b'"}]}'
    body = head + b"x" * (size - len(head) - len(tail)) + tail
    cuts = sorted({0, *(s for s in splits if s < size), size})
    chunks = [body[a:b] for a, b in itertools.pairwise(cuts)]
    headers = [AUTH, JSON_CT] + ([(b"content-length", str(size).encode())] if declared else [])
    status, answer = call("/v1/chat/completions", headers, chunks)
    if size > LIMIT:
        assert status == 413 and answer["code"] == "request_too_large"
    else:
        assert status == 200


def test_invalid_content_length_is_400() -> None:
    for value in (b"abc", b"-1", b"1e3", "١٢".encode()):
        status, error = call("/v1/chat/completions", [AUTH, JSON_CT, (b"content-length", value)], [b"{}"])
        assert status == 400 and error["code"] == "invalid_content_length"


def test_the_app_still_serves_after_all_that() -> None:
    still_serving()


def test_nothing_of_one_request_shows_in_another() -> None:
    """Many concurrent requests, good and bad, each carrying its own marker: every answer has only its own."""

    async def main() -> None:
        markers = [secrets.token_hex(8) for _ in range(60)]

        def request(i: int, marker: str) -> tuple[str, list[tuple[bytes, bytes]], bytes]:
            kind = i % 4
            if kind == 0:  # a good streamed echo
                body = {"model": "mock/echo", "messages": [{"role": "user", "content": marker}], "stream": True}
                return "/v1/chat/completions", [AUTH, JSON_CT], _dumps(body)
            if kind == 1:  # a bad field name, echoed back in the error
                body = {"model": "mock/embedding", "input": "x", f"f{marker}": 1}
                return "/v1/embeddings", [AUTH, JSON_CT], _dumps(body)
            if kind == 2:  # a wrong key carrying the marker: never echoed
                return "/v1/chat/completions", [(b"authorization", f"Bearer {marker}".encode()), JSON_CT], b"{}"
            body = {"model": "mock/echo", "messages": [{"role": "user", "content": marker}]}
            return "/v1/chat/completions", [AUTH, JSON_CT], _dumps(body)

        async def one(i: int, marker: str) -> bytes:
            path, headers, body = request(i, marker)
            return (await _call(APP, "POST", path, headers, [body]))[2]

        answers = await asyncio.gather(*(one(i, m) for i, m in enumerate(markers)))
        for i, (marker, answer) in enumerate(zip(markers, answers, strict=True)):
            others = [m for m in markers if m != marker and m.encode() in answer]
            assert not others, f"answer {i} holds another request's data"
            assert (marker.encode() in answer) == (i % 4 != 2)

    asyncio.run(main())
