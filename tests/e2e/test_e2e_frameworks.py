"""Agent frameworks through the gateway on the offline mock: each loop calls its tool, then ends with a structured
answer, in a few requests.

pydantic-ai ``Agent`` over ``OpenAIChatModel`` (chat completions) and over ``AnthropicModel`` (``/v1/messages``), with
tool output and prompted output; LangChain ``create_agent`` over ``ChatOpenAI``; instructor's ``JSON``, ``MD_JSON``
and ``TOOLS`` modes over the ``openai`` client and its ``TOOLS`` / ``JSON`` modes over the
``anthropic`` client.
"""

from __future__ import annotations

import asyncio
from typing import Any

import anthropic
import instructor
import openai
import pydantic
import pytest
from gateway_server import KEY, RunningGateway, async_http_client, http_client
from langchain.agents import create_agent
from langchain_openai import ChatOpenAI
from pydantic_ai import Agent, PromptedOutput
from pydantic_ai.models import Model
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.anthropic import AnthropicProvider
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


def _openai_model(gateway: RunningGateway, name: str) -> Model:
    client = openai.AsyncOpenAI(base_url=gateway.base_url, api_key=KEY, max_retries=0, http_client=async_http_client())
    return OpenAIChatModel(name, provider=OpenAIProvider(openai_client=client))


def _anthropic_model(gateway: RunningGateway, name: str) -> Model:
    client = anthropic.AsyncAnthropic(base_url=gateway.url, api_key=KEY, max_retries=0, http_client=async_http_client())
    return AnthropicModel(name, provider=AnthropicProvider(anthropic_client=client))


MODELS = {"chat-completions": _openai_model, "messages": _anthropic_model}


@pytest.mark.parametrize("api", list(MODELS))
@pytest.mark.parametrize("prompted", [False, True], ids=["tool-output", "prompted-output"])
def test_pydantic_ai_agent_with_a_tool_and_an_output_type(gateway: RunningGateway, api: str, prompted: bool) -> None:
    output: Any = PromptedOutput(Weather) if prompted else Weather
    agent = Agent(MODELS[api](gateway, "mock/agent"), output_type=output, instructions="Answer about the weather.")
    seen = Counter()

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """The current weather in a city."""
        seen.calls.append(city)
        return f"12 degrees and rain in {city}"

    result = asyncio.run(agent.run("What is the weather in Oslo?"))
    assert isinstance(result.output, Weather)
    assert len(seen.calls) == 1  # the tool ran once, then the output ended the run
    requests = result.usage.requests
    assert 2 <= requests <= 3, requests


@pytest.mark.parametrize("api", list(MODELS))
def test_pydantic_ai_agent_streams_its_output(gateway: RunningGateway, api: str) -> None:
    agent = Agent(MODELS[api](gateway, "mock/echo"))

    async def run() -> list[str]:
        async with agent.run_stream("Stream these words back") as result:
            return [text async for text in result.stream_text(delta=True, debounce_by=None)]

    pieces = asyncio.run(run())
    assert "".join(pieces) == "Stream these words back" and len(pieces) > 1


# ---------------------------------------------------------------- LangChain


def _chat_openai(gateway: RunningGateway, model: str) -> ChatOpenAI:
    return ChatOpenAI(model=model, base_url=gateway.base_url, api_key=KEY, max_retries=0, http_client=http_client())


@pytest.mark.parametrize("strategy", ["default", "tool", "provider"])
def test_langchain_create_agent_with_a_tool_and_response_format(gateway: RunningGateway, strategy: str) -> None:
    from langchain.agents.structured_output import ProviderStrategy, ToolStrategy
    from langchain_core.tools import tool

    seen = Counter()

    @tool
    def get_weather(city: str) -> str:
        """The current weather in a city."""
        seen.calls.append(city)
        return f"12 degrees and rain in {city}"

    response_format: Any = {"default": Weather, "tool": ToolStrategy(Weather), "provider": ProviderStrategy(Weather)}
    agent = create_agent(
        _chat_openai(gateway, "mock/agent"), tools=[get_weather], response_format=response_format[strategy]
    )
    state: dict[str, Any] = agent.invoke(
        {"messages": [{"role": "user", "content": "What is the weather in Oslo?"}]}, {"recursion_limit": 12}
    )
    assert isinstance(state["structured_response"], Weather)
    assert len(seen.calls) == 1
    model_turns = [m for m in state["messages"] if m.type == "ai"]
    assert len(model_turns) == 2, state["messages"]  # the tool call, then the answer (as a tool call or as JSON)


@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
def test_langchain_with_structured_output(gateway: RunningGateway, method: str) -> None:
    structured = _chat_openai(gateway, "mock/demo").with_structured_output(Weather, method=method)
    assert isinstance(structured.invoke("The weather in Oslo"), Weather)


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


@pytest.mark.parametrize("mode", [instructor.Mode.JSON, instructor.Mode.MD_JSON], ids=["JSON", "MD_JSON"])
def test_instructor_json_modes(gateway: RunningGateway, mode: instructor.Mode) -> None:
    weather = _instructor(gateway, mode).chat.completions.create(
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


@pytest.mark.parametrize("mode", [instructor.Mode.TOOLS, instructor.Mode.JSON], ids=["TOOLS", "JSON"])
def test_instructor_over_the_messages_api(gateway: RunningGateway, mode: instructor.Mode) -> None:
    client = anthropic.Anthropic(base_url=gateway.url, api_key=KEY, max_retries=0, http_client=http_client())
    weather = instructor.from_anthropic(client, mode=mode).messages.create(
        model="mock/demo",
        max_tokens=500,
        response_model=Weather,
        messages=[{"role": "user", "content": "Weather in Oslo."}],
        max_retries=0,
    )
    assert isinstance(weather, Weather)
