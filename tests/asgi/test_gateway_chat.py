"""Chat through the real async ``openai`` SDK, in-process over ``httpx.ASGITransport``: mock and injected upstream."""

from __future__ import annotations

import json

import pytest
from gateway_fakes import FakeUpstream
from gateway_helpers import UPSTREAM_KEY, make_app, sdk

from modelmux.asgi import Gateway

pytestmark = pytest.mark.anyio

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    }
]
USER = [{"role": "user", "content": "Say something"}]


@pytest.mark.parametrize("model", ["mock/echo", "up/ok"])
async def test_plain(app: Gateway, model: str) -> None:
    reply = await sdk(app).chat.completions.create(model=model, messages=USER)
    assert reply.object == "chat.completion"
    assert reply.choices[0].finish_reason == "stop"
    text = reply.choices[0].message.content
    assert text == ("Say something" if model == "mock/echo" else "Hello from the fake upstream.")
    assert reply.usage is not None and reply.usage.total_tokens > 0


@pytest.mark.parametrize("model", ["mock/echo", "up/ok"])
async def test_streamed(app: Gateway, model: str) -> None:
    stream = await sdk(app).chat.completions.create(
        model=model, messages=USER, stream=True, stream_options={"include_usage": True}
    )
    text = ""
    finish = None
    async for chunk in stream:
        assert chunk.object == "chat.completion.chunk"
        for choice in chunk.choices:
            text += choice.delta.content or ""
            finish = choice.finish_reason or finish
    assert text == ("Say something" if model == "mock/echo" else "Hello from upstream")
    assert finish == "stop"


async def test_stream_is_sse_ending_with_done(app: Gateway) -> None:
    from gateway_helpers import ALICE, raw

    async with raw(app) as client:
        response = await client.post(
            "/v1/chat/completions",
            json={"model": "mock/demo", "messages": USER, "stream": True},
            headers={"authorization": f"Bearer {ALICE}"},
        )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [e for e in response.text.split("\n\n") if e]
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"
    assert json.loads(events[0][6:])["object"] == "chat.completion.chunk"


@pytest.mark.parametrize("model", ["mock/demo", "up/ok"])
async def test_tools(app: Gateway, model: str) -> None:
    reply = await sdk(app).chat.completions.create(model=model, messages=USER, tools=TOOLS, tool_choice="required")
    call = reply.choices[0].message.tool_calls[0]
    assert reply.choices[0].finish_reason == "tool_calls"
    assert call.function.name == "get_weather"
    assert isinstance(json.loads(call.function.arguments), dict)


@pytest.mark.parametrize("model", ["mock/demo", "up/ok"])
async def test_json_mode(app: Gateway, model: str) -> None:
    reply = await sdk(app).chat.completions.create(model=model, messages=USER, response_format={"type": "json_object"})
    assert isinstance(json.loads(reply.choices[0].message.content or ""), dict)


async def test_upstream_gets_the_upstream_key_never_the_client_key(app: Gateway, upstream: FakeUpstream) -> None:
    await sdk(app).chat.completions.create(model="up/ok", messages=USER, temperature=0.5, max_tokens=20)
    request = upstream.requests[-1]
    assert request.headers["authorization"] == f"Bearer {UPSTREAM_KEY}"
    assert upstream.bodies[-1]["model"] == "fake-ok"  # the provider's model, not the public name
    assert upstream.bodies[-1]["temperature"] == 0.5


async def test_unknown_fields_reach_the_provider_body_but_never_the_call_options(upstream: FakeUpstream) -> None:
    app = make_app(transport=upstream)
    await sdk(app).chat.completions.create(
        model="up/ok",
        messages=USER,
        extra_body={"top_k": 5, "api_base": "http://evil.example", "api_key": "x", "mock_response": "hi"},
    )
    request = upstream.requests[-1]
    assert request.url.host == "api.openai.com"  # api_base from the client did not redirect the call
    assert request.headers["authorization"] == f"Bearer {UPSTREAM_KEY}"
    assert upstream.bodies[-1]["top_k"] == 5
    assert "mock_response" not in upstream.bodies[-1]


async def test_models_list_and_retrieve(app: Gateway) -> None:
    from gateway_helpers import BOB

    client = sdk(app)
    listed = [m.id async for m in client.models.list()]
    assert "mock/demo" in listed and "up/ok" in listed
    model = await client.models.retrieve("up/ok")
    assert model.id == "up/ok" and model.owned_by == "openai"
    assert [m.id async for m in sdk(app, BOB).models.list()] == ["mock/demo"]
