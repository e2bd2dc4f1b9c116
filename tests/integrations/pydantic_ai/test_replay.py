"""``ModelmuxModel`` agents replayed over real recorded traffic (pydantic-ai's own cassettes in ``cassettes/``):
the recorded answers go through modelmux's OpenAI and Anthropic providers into pydantic-ai's agent loop, and what
the agent sent is checked against what the recording's request asked for."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic_ai import Agent, NativeOutput, PromptedOutput
from pydantic_ai.messages import ModelRequest, ModelResponse, TextPart, ThinkingPart, ToolCallPart
from pydantic_ai.models import ModelRequestParameters
from tests.conformance.cassette import CASSETTES_ROOT, load_cassette
from tests.conformance.replay import ReplayTransport

from modelmux.integrations.pydantic_ai import ModelmuxModel

pytestmark = pytest.mark.anyio

RECORDED = CASSETTES_ROOT / "pydantic-ai"


class CityLocation(BaseModel):
    city: str
    country: str


def replay(path: Path) -> ReplayTransport:
    return ReplayTransport(load_cassette(path))


def sent(transport: ReplayTransport, index: int) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(transport.requests[index].content)
    return body


async def test_openai_native_output_with_a_tool() -> None:
    transport = replay(RECORDED / "openai-chat" / "test_openai_native_output.yaml")
    model = ModelmuxModel("openai/gpt-4o", api_key="sk-test", transport=transport)
    agent = Agent(model, output_type=NativeOutput(CityLocation))

    @agent.tool_plain
    async def get_user_country() -> str:
        return "Mexico"

    result = await agent.run("What is the largest city in the user country?")

    assert result.output == CityLocation(city="Mexico City", country="Mexico")
    transport.assert_all_used()
    first, second = sent(transport, 0), sent(transport, 1)
    assert first["response_format"]["type"] == "json_schema"
    assert first["response_format"]["json_schema"]["schema"]["required"] == ["city", "country"]
    assert [t["function"]["name"] for t in first["tools"]] == ["get_user_country"]
    assert first["tool_choice"] == "auto"
    assert [m["role"] for m in second["messages"]] == ["user", "assistant", "tool"]
    assert second["messages"][2]["content"] == "Mexico"
    assert second["messages"][2]["tool_call_id"] == second["messages"][1]["tool_calls"][0]["id"]
    assert result.usage.requests == 2
    assert (
        result.usage.input_tokens > 0
        and result.usage.output_tokens == 15 + result.all_messages()[1].usage.output_tokens
    )


async def test_anthropic_prompted_output_with_a_tool() -> None:
    transport = replay(RECORDED / "anthropic" / "test_anthropic_prompted_output.yaml")
    model = ModelmuxModel("anthropic/claude-sonnet-4-5", api_key="sk-ant-test", transport=transport)
    agent = Agent(model, output_type=PromptedOutput(CityLocation))

    @agent.tool_plain
    async def get_user_country() -> str:
        return "Mexico"

    result = await agent.run("What is the largest city in the user country? Use the get_user_country tool.")

    assert result.output == CityLocation(city="Mexico City", country="Mexico")
    transport.assert_all_used()
    first = sent(transport, 0)
    assert "CityLocation" in json.dumps(first["system"])  # the prompted schema reached Anthropic's system prompt
    second = sent(transport, 1)
    results = [
        b for m in second["messages"] for b in m["content"] if isinstance(b, dict) and b["type"] == "tool_result"
    ]
    assert len(results) == 1
    last = result.all_messages()[-1]
    assert isinstance(last, ModelResponse) and last.finish_reason == "stop"
    assert last.usage.input_tokens == 510 and last.usage.output_tokens == 17


async def test_anthropic_parallel_tool_calls() -> None:
    transport = replay(RECORDED / "anthropic" / "test_multiple_parallel_tool_calls.yaml")
    model = ModelmuxModel("anthropic/claude-haiku-4-5", api_key="sk-ant-test", transport=transport)
    agent = Agent(model, instructions="Use the `retrieve_entity_info` tool to get information about a person.")
    asked: list[str] = []

    @agent.tool_plain
    async def retrieve_entity_info(name: str) -> str:
        """Get the knowledge about the given entity."""
        asked.append(name)
        return {"alice": "alice is bob's wife", "bob": "bob is alice's husband"}.get(name.lower(), f"{name} is a child")

    result = await agent.run("Alice, Bob, Charlie and Daisy are a family. Who is the youngest?")

    assert asked == ["Alice", "Bob", "Charlie", "Daisy"]
    assert "Daisy" in result.output
    second = sent(transport, 1)
    assert "retrieve_entity_info" in json.dumps(sent(transport, 0)["tools"])
    assert "Use the `retrieve_entity_info` tool" in json.dumps(sent(transport, 0)["system"])
    tool_results = [
        b for m in second["messages"] for b in m["content"] if isinstance(b, dict) and b["type"] == "tool_result"
    ]
    assert len(tool_results) == 4  # four tool messages → one user turn of four results


async def test_openai_streamed_tool_loop() -> None:
    transport = replay(RECORDED / "openai-chat" / "test_run_stream_sync_streams_real_model.yaml")
    agent = Agent(ModelmuxModel("openai/gpt-4o-mini", api_key="sk-test", transport=transport))

    @agent.tool_plain
    async def get_capital(country: str) -> str:
        assert country in ("UK", "United Kingdom")
        return "London"

    async with agent.run_stream("What is the capital of the UK? Use the tool, then answer.") as run:
        deltas = [d async for d in run.stream_text(delta=True, debounce_by=None)]
        usage = run.usage
    assert "London" in "".join(deltas)
    assert len(deltas) > 1  # streamed, not one block
    assert sent(transport, 0)["stream"] is True and sent(transport, 0)["stream_options"] == {"include_usage": True}
    assert usage.requests == 2 and usage.input_tokens > 78 and usage.output_tokens > 9


async def test_anthropic_thinking_stream_keeps_the_signature() -> None:
    path = RECORDED / "anthropic" / "test_anthropic_model_thinking_part_stream.yaml"
    transport = replay(path)
    model = ModelmuxModel("anthropic/claude-sonnet-4-20250514", api_key="sk-ant-test", transport=transport)
    request = ModelRequest.user_text_prompt("How do I cross the street?")
    async with model.request_stream([request], {"thinking": True}, ModelRequestParameters()) as stream:
        events = [e async for e in stream]
        response = stream.get()
    assert events
    thinking = [p for p in response.parts if isinstance(p, ThinkingPart)]
    texts = [p for p in response.parts if isinstance(p, TextPart)]
    assert thinking and thinking[0].content and thinking[0].signature
    assert texts and texts[0].content
    assert response.usage.input_tokens == 43 and response.usage.output_tokens > 0
    assert response.finish_reason == "stop"
    assert "thinking" in sent(transport, 0)  # the unified thinking setting reached Anthropic as a thinking budget


async def test_non_streamed_tool_call_parts() -> None:
    transport = replay(RECORDED / "anthropic" / "test_multiple_parallel_tool_calls.yaml")
    model = ModelmuxModel("anthropic/claude-haiku-4-5", api_key="sk-ant-test", transport=transport)
    response = await model.request(
        [ModelRequest.user_text_prompt("Who is the youngest?")], None, ModelRequestParameters()
    )
    calls = [p for p in response.parts if isinstance(p, ToolCallPart)]
    assert [c.args_as_dict()["name"] for c in calls] == ["Alice", "Bob", "Charlie", "Daisy"]
    assert all(c.tool_call_id.startswith("toolu_") for c in calls)
    assert response.finish_reason == "tool_call"
    assert response.provider_response_id and response.provider_name == "anthropic"


async def test_streamed_tool_call_arrives_as_part_deltas() -> None:
    from pydantic_ai.messages import PartDeltaEvent, PartStartEvent, ToolCallPartDelta
    from pydantic_ai.tools import ToolDefinition

    transport = replay(RECORDED / "openai-chat" / "test_run_stream_sync_streams_real_model.yaml")
    model = ModelmuxModel("openai/gpt-4o-mini", api_key="sk-test", transport=transport)
    tool = ToolDefinition(
        name="get_capital",
        parameters_json_schema={
            "type": "object",
            "properties": {"country": {"type": "string"}},
            "required": ["country"],
        },
    )
    params = ModelRequestParameters(function_tools=[tool])
    request = ModelRequest.user_text_prompt("What is the capital of the UK? Use the tool, then answer.")
    async with model.request_stream([request], None, params) as stream:
        events = [e async for e in stream]
        response = stream.get()
    starts = [e for e in events if isinstance(e, PartStartEvent)]
    deltas = [e for e in events if isinstance(e, PartDeltaEvent) and isinstance(e.delta, ToolCallPartDelta)]
    assert isinstance(starts[0].part, ToolCallPart) and starts[0].part.tool_name == "get_capital"
    assert deltas  # the arguments came in pieces
    (call,) = [p for p in response.parts if isinstance(p, ToolCallPart)]
    assert call.args_as_dict() == {"country": "UK"} and call.tool_call_id
    assert response.finish_reason == "tool_call" and response.usage.input_tokens > 0
