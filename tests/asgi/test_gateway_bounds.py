"""Bounded work per request: every size a client controls has a named limit, checked before the work; at the limit
the request works, one over it is a 400 naming the parameter. Malformed text and bytes are a 400, never a 500."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import httpx
import pytest
from gateway_fakes import FakeUpstream
from gateway_helpers import keyed_config, make_app, raw

from modelmux._embeddings import MAX_EMBEDDING_DIMENSIONS, MAX_EMBEDDING_INPUTS, MAX_EMBEDDING_TOKEN_IDS
from modelmux._images import MAX_IMAGES
from modelmux.asgi import Gateway
from modelmux.asgi.bounds import (
    MAX_CONTENT_PARTS,
    MAX_JSON_DEPTH,
    MAX_MESSAGES,
    MAX_PARTS_PER_MESSAGE,
    MAX_SCHEMA_DEPTH,
    MAX_SCHEMA_NODES,
    MAX_TOOL_CALLS_PER_MESSAGE,
    MAX_TOOLS,
)
from modelmux.asgi.request import Request
from modelmux.asgi.validate import OFFLOAD_BODY_BYTES, sized
from modelmux.providers.mock_operations import MAX_MOCK_EMBEDDING_VALUES

pytestmark = pytest.mark.anyio
JSON = {"content-type": "application/json"}
USER = {"role": "user", "content": "hi"}


@pytest.fixture
def gateway(upstream: FakeUpstream) -> Gateway:
    config = keyed_config()
    for name in ("embedding", "image", "moderation"):
        config["models"][f"mock/{name}"] = {"model": f"mock/{name}"}
    return make_app(config, transport=upstream)


async def post(app: Gateway, path: str, body: Any, raw_body: bytes | None = None) -> httpx.Response:
    from gateway_helpers import ALICE

    headers = {**JSON, "authorization": f"Bearer {ALICE}"}
    content = raw_body if raw_body is not None else json.dumps(body).encode()
    async with raw(app) as client:
        return await client.post(path, content=content, headers=headers, timeout=30)


def refused(response: httpx.Response, param: str, code: str = "request_too_complex") -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert (error["param"], error["code"]) == (param, code), error


def chat(messages: list[Any], **fields: Any) -> dict[str, Any]:
    return {"model": "mock/demo", "messages": messages, **fields}


# ---------------------------------------------------------------- counts


async def test_messages_at_and_over_the_limit(gateway: Gateway) -> None:
    assert (await post(gateway, "/v1/chat/completions", chat([USER] * MAX_MESSAGES))).status_code == 200
    refused(await post(gateway, "/v1/chat/completions", chat([USER] * (MAX_MESSAGES + 1))), "messages")


async def test_content_parts_per_message_and_in_total(gateway: Gateway) -> None:
    part = {"type": "text", "text": "a"}
    full = {"role": "user", "content": [part] * MAX_PARTS_PER_MESSAGE}
    assert (await post(gateway, "/v1/chat/completions", chat([full]))).status_code == 200
    over = {"role": "user", "content": [part] * (MAX_PARTS_PER_MESSAGE + 1)}
    refused(await post(gateway, "/v1/chat/completions", chat([over])), "messages[0].content")
    messages = [full] * (MAX_CONTENT_PARTS // MAX_PARTS_PER_MESSAGE)
    assert (await post(gateway, "/v1/chat/completions", chat(messages))).status_code == 200
    one_more = {"role": "user", "content": [part]}
    refused(await post(gateway, "/v1/chat/completions", chat([*messages, one_more])), "messages")


async def test_tool_calls_per_message(gateway: Gateway) -> None:
    call = {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    for count, ok in ((MAX_TOOL_CALLS_PER_MESSAGE, True), (MAX_TOOL_CALLS_PER_MESSAGE + 1, False)):
        messages = [USER, {"role": "assistant", "content": None, "tool_calls": [call] * count}]
        response = await post(gateway, "/v1/chat/completions", chat(messages))
        if ok:
            assert response.status_code == 200, response.text
        else:
            refused(response, "messages[1].tool_calls")


def _tool(i: int, parameters: Any = None) -> dict[str, Any]:
    return {"type": "function", "function": {"name": f"f{i}", "parameters": parameters or {"type": "object"}}}


async def test_tools_count_includes_legacy_functions(gateway: Gateway) -> None:
    tools = [_tool(i) for i in range(MAX_TOOLS)]
    assert (await post(gateway, "/v1/chat/completions", chat([USER], tools=tools))).status_code == 200
    refused(await post(gateway, "/v1/chat/completions", chat([USER], tools=[*tools, _tool(0)])), "tools")
    functions = [{"name": "g"}]
    refused(await post(gateway, "/v1/chat/completions", chat([USER], tools=tools, functions=functions)), "tools")


# ---------------------------------------------------------------- schemas and nesting


def _values(count: int) -> dict[str, Any]:
    """A schema of exactly ``count`` JSON values: itself, its enum array, and the members."""
    return {"enum": [0] * (count - 2)}


def _nested(depth: int) -> dict[str, Any]:
    """A schema whose deepest JSON value is at ``depth`` (the root is at 1)."""
    schema: dict[str, Any] = {"type": "string"}  # "string" is one level below its object
    for _ in range(depth - 2):
        schema = {"items": schema}
    return schema


async def test_schema_size_counts_every_schema_together(gateway: Gateway) -> None:
    half = MAX_SCHEMA_NODES // 2
    tools = [_tool(0, _values(half)), _tool(1, _values(MAX_SCHEMA_NODES - half))]
    assert (await post(gateway, "/v1/chat/completions", chat([USER], tools=tools))).status_code == 200
    fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}
    response = await post(gateway, "/v1/chat/completions", chat([USER], tools=tools, response_format=fmt))
    refused(response, "response_format.json_schema.schema")


async def test_schema_depth(gateway: Gateway) -> None:
    fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": _nested(MAX_SCHEMA_DEPTH)}}
    assert (await post(gateway, "/v1/chat/completions", chat([USER], response_format=fmt))).status_code == 200
    tools = [_tool(0, _nested(MAX_SCHEMA_DEPTH + 1))]
    refused(await post(gateway, "/v1/chat/completions", chat([USER], tools=tools)), "tools[0].function.parameters")


@pytest.mark.parametrize(
    ("schema", "keyword"),
    [
        ({"type": [[]]}, "type"),
        ({"type": 3}, "type"),
        ({"properties": {"a": {"type": {"x": 1}}}}, "type"),
        ({"properties": []}, "properties"),
        ({"properties": {"a": 1}}, "properties"),
        ({"required": "a"}, "required"),
        ({"anyOf": {"type": "string"}}, "anyOf"),
        ({"items": "string"}, "items"),
        ({"$defs": {"a": {"enum": 1}}}, "enum"),
    ],
)
async def test_malformed_schemas_are_400(gateway: Gateway, schema: Any, keyword: str) -> None:
    response = await post(gateway, "/v1/chat/completions", chat([USER], tools=[_tool(0, schema)]))
    refused(response, "tools[0].function.parameters", "invalid_schema")
    assert f"'{keyword}'" in response.json()["error"]["message"]


async def test_valid_schema_forms_pass(gateway: Gateway) -> None:
    schema = {
        "type": ["object", "null"],
        "properties": {"type": {"type": "string"}, "enum": {"enum": [1, "a", None]}, "b": True},
        "items": [{"type": "string"}, False],
        "additionalProperties": {"anyOf": [{"$ref": "#/$defs/a"}, True]},
        "$defs": {"a": {"type": "integer", "minimum": 1}},
        "required": ["type"],
        "default": {"type": 3, "properties": 7},  # plain values, not schemas
    }
    assert (await post(gateway, "/v1/chat/completions", chat([USER], tools=[_tool(0, schema)]))).status_code == 200


def _deep(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


async def test_json_depth_up_to_the_parser_limit_is_sent_upstream(gateway: Gateway, upstream: FakeUpstream) -> None:
    # The body object counts: the 0 in "x" sits inside it and MAX_JSON_DEPTH - 1 arrays.
    body = {"model": "up/ok", "messages": [USER], "x": _deep(MAX_JSON_DEPTH - 1)}
    response = await post(gateway, "/v1/chat/completions", body)
    assert response.status_code == 200, response.text
    assert upstream.bodies[-1]["x"] == body["x"]
    body["x"] = _deep(MAX_JSON_DEPTH)
    response = await post(gateway, "/v1/chat/completions", body)
    refused(response, None, "invalid_json")  # type: ignore[arg-type]
    assert f"deeper than {MAX_JSON_DEPTH}" in response.json()["error"]["message"]
    for depth in (1_000, 10_000, 100_000):  # json.loads' recursion limit and beyond
        response = await post(gateway, "/v1/chat/completions", None, b"[" * depth + b"]" * depth)
        refused(response, None, "invalid_json")  # type: ignore[arg-type]


# ---------------------------------------------------------------- embeddings and images


async def test_embedding_sizes(gateway: Gateway) -> None:
    ok = await post(gateway, "/v1/embeddings", {"model": "mock/embedding", "input": ["a"] * MAX_EMBEDDING_INPUTS})
    assert ok.status_code == 200 and len(ok.json()["data"]) == MAX_EMBEDDING_INPUTS
    too_many = {"model": "mock/embedding", "input": ["a"] * (MAX_EMBEDDING_INPUTS + 1)}
    refused(await post(gateway, "/v1/embeddings", too_many), "input", None)  # type: ignore[arg-type]
    wide = {"model": "mock/embedding", "input": "a", "dimensions": MAX_EMBEDDING_DIMENSIONS + 1}
    refused(await post(gateway, "/v1/embeddings", wide), "dimensions", None)  # type: ignore[arg-type]
    tokens = {"model": "mock/embedding", "input": [[1] * (MAX_EMBEDDING_TOKEN_IDS // 2 + 1)] * 2}
    refused(await post(gateway, "/v1/embeddings", tokens), "input", None)  # type: ignore[arg-type]
    tokens["input"] = [[1] * (MAX_EMBEDDING_TOKEN_IDS // 2), [2] * (MAX_EMBEDDING_TOKEN_IDS // 2)]
    assert (await post(gateway, "/v1/embeddings", tokens)).status_code == 200
    huge = {"model": "mock/embedding", "input": "a", "dimensions": 10**8}
    refused(await post(gateway, "/v1/embeddings", huge), "dimensions", None)  # type: ignore[arg-type]
    rows = MAX_MOCK_EMBEDDING_VALUES // MAX_EMBEDDING_DIMENSIONS
    full = {"model": "mock/embedding", "input": ["a"] * rows, "dimensions": MAX_EMBEDDING_DIMENSIONS}
    response = await post(gateway, "/v1/embeddings", full)
    assert response.status_code == 200 and len(response.json()["data"][0]["embedding"]) == MAX_EMBEDDING_DIMENSIONS
    full["input"] = ["a"] * (rows + 1)
    refused(await post(gateway, "/v1/embeddings", full), "dimensions", None)  # type: ignore[arg-type]


async def test_image_count(gateway: Gateway) -> None:
    body = {"model": "mock/image", "prompt": "a cat", "n": MAX_IMAGES}
    assert len((await post(gateway, "/v1/images/generations", body)).json()["data"]) == MAX_IMAGES
    body["n"] = MAX_IMAGES + 1
    refused(await post(gateway, "/v1/images/generations", body), "n", None)  # type: ignore[arg-type]


# ---------------------------------------------------------------- the event loop stays free


async def test_large_bodies_are_parsed_off_the_event_loop() -> None:
    from modelmux.asgi.config import ClientKey

    key = ClientKey("k", b"")
    small = Request("POST", "/", {}, key, b"x" * (OFFLOAD_BODY_BYTES - 1))
    large = Request("POST", "/", {}, key, b"x" * OFFLOAD_BODY_BYTES)
    here = threading.get_ident()
    assert await sized(small, threading.get_ident) == here
    assert await sized(large, threading.get_ident) != here


async def test_health_answers_while_a_10_mb_request_is_in_flight(gateway: Gateway, upstream: FakeUpstream) -> None:
    """Generous bounds only: /health within 1 s, while a maximal chat request is parsed, checked, translated and
    held by a slow upstream."""
    upstream.gate = asyncio.Event()
    messages = [{"role": "user" if i % 2 else "assistant", "content": "word " * 195} for i in range(MAX_MESSAGES)]
    body = json.dumps({"model": "up/ok", "messages": messages}).encode()
    assert 9_500_000 < len(body) < 10 * 1024 * 1024
    big = asyncio.ensure_future(post(gateway, "/v1/chat/completions", None, body))
    latencies = []
    async with raw(gateway) as client:
        loop = asyncio.get_running_loop()
        while upstream.arrived == 0:
            started = loop.time()
            response = await asyncio.wait_for(client.get("/health"), 5)
            latencies.append(loop.time() - started)
            assert response.status_code == 200
            await asyncio.sleep(0.005)
        for _ in range(5):  # and while the upstream holds it
            started = loop.time()
            assert (await client.get("/health")).status_code == 200
            latencies.append(loop.time() - started)
    upstream.gate.set()
    assert (await asyncio.wait_for(big, 30)).status_code == 200
    assert max(latencies) < 1.0, latencies
