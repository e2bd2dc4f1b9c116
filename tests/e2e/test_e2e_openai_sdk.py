"""The plain ``openai`` SDK against the gateway on a socket: chat (whole and streamed), tools, embeddings, models."""

from __future__ import annotations

import json
from typing import Any

import openai
import pydantic
import pytest
from gateway_server import KEY, RunningGateway, async_http_client, http_client

USER: Any = [{"role": "user", "content": "Hello there, gateway"}]
TOOLS: Any = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The weather in a city.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    }
]


def sdk(gateway: RunningGateway, key: str = KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.base_url, api_key=key, max_retries=0, http_client=http_client())


def test_chat(gateway: RunningGateway) -> None:
    reply = sdk(gateway).chat.completions.create(model="mock/echo", messages=USER)
    assert reply.choices[0].message.content == "Hello there, gateway"
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage is not None and reply.usage.total_tokens > 0


def test_chat_stream_with_usage(gateway: RunningGateway) -> None:
    stream = sdk(gateway).chat.completions.create(
        model="mock/echo", messages=USER, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Hello there, gateway"
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) > 1  # really streamed, word by word
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["stop"]
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0


def test_tool_loop_ends(gateway: RunningGateway) -> None:
    client = sdk(gateway)
    messages: list[Any] = [{"role": "user", "content": "What is the weather in Oslo?"}]
    first = client.chat.completions.create(model="mock/agent", messages=messages, tools=TOOLS)
    call = first.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert first.choices[0].finish_reason == "tool_calls" and call.function.name == "get_weather"  # type: ignore[union-attr]
    assert isinstance(json.loads(call.function.arguments)["city"], str)  # type: ignore[union-attr]
    messages += [first.choices[0].message.model_dump(exclude_none=True)]
    messages += [{"role": "tool", "tool_call_id": call.id, "content": "12 degrees, rain"}]
    second = client.chat.completions.create(model="mock/agent", messages=messages, tools=TOOLS)
    assert second.choices[0].finish_reason == "stop"
    assert "12 degrees, rain" in (second.choices[0].message.content or "")


def test_json_schema_response_format(gateway: RunningGateway) -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
        "required": ["name", "age"],
        "additionalProperties": False,
    }
    reply = sdk(gateway).chat.completions.create(
        model="mock/demo",
        messages=USER,
        response_format={"type": "json_schema", "json_schema": {"name": "person", "schema": schema, "strict": True}},
    )
    person = json.loads(reply.choices[0].message.content or "")
    assert set(person) == {"name", "age"} and isinstance(person["age"], int) and person["age"] >= 0


def test_embeddings(gateway: RunningGateway) -> None:
    result = sdk(gateway).embeddings.create(model="mock/embedding", input=["one", "two"])
    assert [d.index for d in result.data] == [0, 1]
    assert len(result.data[0].embedding) > 0 and result.data[0].embedding != result.data[1].embedding


def test_embeddings_base64(gateway: RunningGateway) -> None:
    # The SDK asks for base64 by default when numpy is around and decodes it; asking explicitly checks the decoding.
    plain = sdk(gateway).embeddings.create(model="mock/embedding", input="one")
    b64 = sdk(gateway).embeddings.create(model="mock/embedding", input="one", encoding_format="base64")
    assert isinstance(b64.data[0].embedding, str)
    import base64
    import struct

    raw = base64.b64decode(b64.data[0].embedding)
    floats = struct.unpack(f"<{len(raw) // 4}f", raw)
    assert floats == pytest.approx(plain.data[0].embedding, rel=1e-6)


def test_models_list_and_retrieve(gateway: RunningGateway) -> None:
    client = sdk(gateway)
    ids = [m.id for m in client.models.list()]
    assert {"mock/demo", "mock/echo", "mock/agent", "mock/embedding"} <= set(ids)
    assert client.models.retrieve("mock/demo").id == "mock/demo"


def test_wrong_key_is_an_authentication_error(gateway: RunningGateway) -> None:
    with pytest.raises(openai.AuthenticationError):
        sdk(gateway, "sk-wrong").chat.completions.create(model="mock/demo", messages=USER)


def test_unknown_model_is_a_bad_request_naming_the_code(gateway: RunningGateway) -> None:
    # The gateway answers 400 ``model_not_found`` (OpenAI says 404): the SDK raises its BadRequestError.
    with pytest.raises(openai.BadRequestError) as caught:
        sdk(gateway).chat.completions.create(model="mock/nosuch", messages=USER)
    assert caught.value.code == "model_not_found"


async def _async_stream(gateway: RunningGateway) -> str:
    client = openai.AsyncOpenAI(base_url=gateway.base_url, api_key=KEY, max_retries=0, http_client=async_http_client())
    stream = await client.chat.completions.create(model="mock/echo", messages=USER, stream=True)
    return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])


def test_async_stream(gateway: RunningGateway) -> None:
    import asyncio

    assert asyncio.run(_async_stream(gateway)) == "Hello there, gateway"


class Weather(pydantic.BaseModel):
    city: str
    temperature_c: int


def test_parse_with_a_pydantic_response_format(gateway: RunningGateway) -> None:
    completion = sdk(gateway).chat.completions.parse(model="mock/demo", messages=USER, response_format=Weather)
    assert isinstance(completion.choices[0].message.parsed, Weather)


def test_parse_with_a_strict_pydantic_tool(gateway: RunningGateway) -> None:
    completion = sdk(gateway).chat.completions.parse(
        model="mock/agent", messages=USER, tools=[openai.pydantic_function_tool(Weather)], tool_choice="required"
    )
    call = completion.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert isinstance(call.function.parsed_arguments, Weather)  # type: ignore[union-attr]
