"""Bedrock end to end: through ``acompletion`` with an exception mid-stream, and behind the gateway with the
real ``openai`` SDK, credentials taken from the environment (never from the config file)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import openai
import pytest
from bedrock_helpers import encode_event, encode_exception, events_from_converse

import modelmux
from modelmux.asgi import create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter

MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYGATEWAYKEY"
ANSWER = {
    "output": {"message": {"role": "assistant", "content": [{"text": "Hello from Bedrock"}]}},
    "stopReason": "end_turn",
    "usage": {"inputTokens": 5, "outputTokens": 4, "totalTokens": 9},
}


def stream_body(answer: dict[str, Any]) -> bytes:
    return b"".join(encode_event(name, payload) for name, payload in events_from_converse(answer))


class Upstream:
    def __init__(self, body: bytes, content_type: str = "application/vnd.amazon.eventstream") -> None:
        self.body, self.content_type = body, content_type
        self.requests: list[httpx.Request] = []

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        pieces = [self.body[i : i + 5] for i in range(0, len(self.body), 5)]

        async def chunks() -> Any:
            for piece in pieces:
                yield piece

        return httpx.Response(200, headers={"content-type": self.content_type}, content=chunks())


def test_exception_mid_stream_is_raised_after_the_first_chunks() -> None:
    events = events_from_converse(ANSWER)
    body = b"".join(encode_event(n, p) for n, p in events[:2])
    body += encode_exception("throttlingException", {"message": f"Too many tokens, please wait. {SECRET}"})
    upstream = Upstream(body)

    got: list[modelmux.ChatCompletionChunk] = []

    async def go() -> None:
        stream = await modelmux.acompletion(
            "bedrock/" + MODEL,
            [{"role": "user", "content": "hi"}],
            stream=True,
            aws_access_key_id="AKID",
            aws_secret_access_key=SECRET,
            aws_region_name="us-east-1",
            transport=httpx.MockTransport(upstream.handle),
        )
        async for chunk in stream:
            got.append(chunk)

    with pytest.raises(modelmux.RateLimitError) as info:
        asyncio.run(go())
    assert "Too many tokens" in info.value.message
    assert SECRET not in str(info.value) + repr(info.value) + json.dumps(info.value.to_openai_error())
    # The chunks before the exception were delivered (role, then the first text delta), then it raised.
    assert [c.choices[0].delta.role for c in got[:1]] == ["assistant"]
    assert (
        "".join(c.choices[0].delta.content or "" for c in got) == ANSWER["output"]["message"]["content"][0]["text"][:9]
    )


def test_gateway_routes_bedrock_with_environment_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_BEARER_TOKEN_BEDROCK", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDGATEWAY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    config = parse_config(
        {"models": {"claude": {"model": "bedrock/" + MODEL}}, "keys": {"alice": {"key_env": "ALICE_KEY"}}},
        environ={"ALICE_KEY": "sk-gw-alice-0123456789abcdef"},
    )
    upstream = Upstream(stream_body(ANSWER))
    app = create_app(config, transport=httpx.MockTransport(upstream.handle), limiter=MemoryLimiter())

    async def go() -> str:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
        client = openai.AsyncOpenAI(
            base_url="http://gw/v1", api_key="sk-gw-alice-0123456789abcdef", http_client=http, max_retries=0
        )
        stream = await client.chat.completions.create(
            model="claude", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])

    assert asyncio.run(go()) == "Hello from Bedrock"
    request = upstream.requests[0]
    assert request.url.host == "bedrock-runtime.eu-central-1.amazonaws.com"
    assert "Credential=AKIDGATEWAY/" in request.headers["authorization"]


def test_a_corrupted_frame_is_an_upstream_error() -> None:
    body = bytearray(stream_body(ANSWER))
    body[40] ^= 0xFF  # inside the first frame: its message CRC no longer matches
    with pytest.raises(modelmux.UpstreamError, match="CRC"):
        list(
            modelmux.completion(
                "bedrock/" + MODEL,
                [{"role": "user", "content": "hi"}],
                stream=True,
                api_key="k",
                aws_region_name="us-east-1",
                transport=httpx.MockTransport(lambda r: httpx.Response(200, content=bytes(body))),
            )
        )
