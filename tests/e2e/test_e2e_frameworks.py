"""Agent frameworks through the gateway (OpenAI chat completions) on the offline mock: each loop calls its tool,
then ends with a structured answer, in a few requests.

pydantic-ai ``Agent`` over ``OpenAIChatModel``; LangChain ``create_agent`` over ``ChatOpenAI``; instructor's
``JSON`` and ``TOOLS`` modes over the ``openai`` client.
"""

from __future__ import annotations

import asyncio
from typing import Any

import instructor
import openai
import pydantic
from gateway_server import KEY, RunningGateway, async_http_client, http_client
from langchain.agents import create_agent
from langchain_openai import ChatOpenAI
from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider


class Weather(pydantic.BaseModel):
    city: str
    temperature_c: int
    summary: str


class Counter:
    """The arguments a tool was called with (the loop really ran it)."""

    def __init__(self) -> None:
        self.calls: list[str] = []


# ---------------------------------------------------------------- pydantic-ai


def test_pydantic_ai_agent_with_a_tool_and_an_output_type(gateway: RunningGateway) -> None:
    client = openai.AsyncOpenAI(base_url=gateway.base_url, api_key=KEY, max_retries=0, http_client=async_http_client())
    model = OpenAIChatModel("mock/agent", provider=OpenAIProvider(openai_client=client))
    agent = Agent(model, output_type=Weather, instructions="Answer about the weather.")
    seen = Counter()

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """The current weather in a city."""
        seen.calls.append(city)
        return f"12 degrees and rain in {city}"

    result = asyncio.run(agent.run("What is the weather in Oslo?"))
    assert isinstance(result.output, Weather)
    assert len(seen.calls) == 1  # the tool ran once, then the output tool ended the run
    requests = result.usage.requests
    assert 2 <= requests <= 3, requests


def test_pydantic_ai_agent_streams_its_output(gateway: RunningGateway) -> None:
    client = openai.AsyncOpenAI(base_url=gateway.base_url, api_key=KEY, max_retries=0, http_client=async_http_client())
    agent = Agent(OpenAIChatModel("mock/echo", provider=OpenAIProvider(openai_client=client)))

    async def run() -> list[str]:
        async with agent.run_stream("Stream these words back") as result:
            return [text async for text in result.stream_text(delta=True, debounce_by=None)]

    pieces = asyncio.run(run())
    assert "".join(pieces) == "Stream these words back" and len(pieces) > 1


# ---------------------------------------------------------------- LangChain


def test_langchain_create_agent_with_a_tool_and_response_format(gateway: RunningGateway) -> None:
    from langchain_core.tools import tool

    seen = Counter()

    @tool
    def get_weather(city: str) -> str:
        """The current weather in a city."""
        seen.calls.append(city)
        return f"12 degrees and rain in {city}"

    llm = ChatOpenAI(
        model="mock/agent", base_url=gateway.base_url, api_key=KEY, max_retries=0, http_client=http_client()
    )
    agent = create_agent(llm, tools=[get_weather], response_format=Weather)
    state: dict[str, Any] = agent.invoke(
        {"messages": [{"role": "user", "content": "What is the weather in Oslo?"}]}, {"recursion_limit": 12}
    )
    assert isinstance(state["structured_response"], Weather)
    assert len(seen.calls) == 1
    model_turns = [m for m in state["messages"] if m.type == "ai"]
    assert 2 <= len(model_turns) <= 3, state["messages"]


def test_langchain_chat_model_streams(gateway: RunningGateway) -> None:
    llm = ChatOpenAI(
        model="mock/echo", base_url=gateway.base_url, api_key=KEY, max_retries=0, http_client=http_client()
    )
    pieces = [chunk.content for chunk in llm.stream("Stream these words back")]
    assert "".join(str(p) for p in pieces) == "Stream these words back" and len([p for p in pieces if p]) > 1


# ---------------------------------------------------------------- instructor


def _instructor(gateway: RunningGateway, mode: instructor.Mode) -> Any:
    client = openai.OpenAI(base_url=gateway.base_url, api_key=KEY, max_retries=0, http_client=http_client())
    return instructor.from_openai(client, mode=mode)


def test_instructor_json_mode(gateway: RunningGateway) -> None:
    weather = _instructor(gateway, instructor.Mode.JSON).chat.completions.create(
        model="mock/demo",
        response_model=Weather,
        messages=[{"role": "user", "content": "Weather in Oslo, as JSON."}],
        max_retries=0,
    )
    assert isinstance(weather, Weather)


def test_instructor_tools_mode(gateway: RunningGateway) -> None:
    weather = _instructor(gateway, instructor.Mode.TOOLS).chat.completions.create(
        model="mock/demo",
        response_model=Weather,
        messages=[{"role": "user", "content": "Weather in Oslo."}],
        max_retries=0,
    )
    assert isinstance(weather, Weather)


def test_instructor_list_of_models_in_tools_mode(gateway: RunningGateway) -> None:
    cities = _instructor(gateway, instructor.Mode.TOOLS).chat.completions.create(
        model="mock/demo",
        response_model=list[Weather],
        messages=[{"role": "user", "content": "Weather in Oslo and Bergen."}],
        max_retries=0,
    )
    assert isinstance(cities, list) and all(isinstance(c, Weather) for c in cities)
