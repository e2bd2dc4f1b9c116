"""openai-agents, pydantic-ai and LangChain (the ``e2e`` extra) with their Responses models, against the gateway on the
offline mock: a tool loop runs to its final answer, streamed and not, and a run goes on by ``previous_response_id``."""

from __future__ import annotations

import pytest
from agents import Agent, OpenAIResponsesModel, Runner, function_tool, set_tracing_disabled
from gateway_helpers import sdk

from modelmux.asgi import Gateway

pytestmark = pytest.mark.anyio


def weather_agent(app: Gateway, calls: list[str]) -> Agent:
    set_tracing_disabled(True)  # traces would go to OpenAI's servers

    @function_tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        calls.append(city)
        return f"Sunny in {city}"

    model = OpenAIResponsesModel(model="mock/demo", openai_client=sdk(app))
    return Agent(name="weather", instructions="Answer with the tool.", tools=[get_weather], model=model)


async def test_a_tool_loop_runs_to_completion(app: Gateway) -> None:
    calls: list[str] = []
    result = await Runner.run(weather_agent(app, calls), "What is the weather in Oslo?")
    assert len(calls) == 1
    assert result.final_output == f"Here is what the tools returned: Sunny in {calls[0]}"
    assert result.last_response_id is not None and result.last_response_id.startswith("resp_")


async def test_a_streamed_run(app: Gateway) -> None:
    calls: list[str] = []
    result = Runner.run_streamed(weather_agent(app, calls), "What is the weather in Oslo?")
    kinds = [event.type async for event in result.stream_events()]
    assert "raw_response_event" in kinds and "run_item_stream_event" in kinds
    assert len(calls) == 1 and result.final_output == f"Here is what the tools returned: Sunny in {calls[0]}"


async def test_a_run_continues_by_previous_response_id(app: Gateway) -> None:
    calls: list[str] = []
    agent = weather_agent(app, calls)
    first = await Runner.run(agent, "What is the weather in Oslo?")
    second = await Runner.run(agent, "And tomorrow?", previous_response_id=first.last_response_id)
    assert second.final_output and len(calls) == 2


async def test_pydantic_ai_responses_model(app: Gateway) -> None:
    from pydantic_ai import Agent as PydanticAgent
    from pydantic_ai.models.openai import OpenAIResponsesModel as PydanticResponsesModel
    from pydantic_ai.providers.openai import OpenAIProvider

    model = PydanticResponsesModel("mock/demo", provider=OpenAIProvider(openai_client=sdk(app)))
    agent = PydanticAgent(model, instructions="Answer with the tool.")
    calls: list[str] = []

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """The weather in a city."""
        calls.append(city)
        return f"Sunny in {city}"

    result = await agent.run("What is the weather in Oslo?")
    assert len(calls) == 1 and result.output == f"Here is what the tools returned: Sunny in {calls[0]}"
    async with agent.run_stream("What is the weather in Paris?") as stream:
        assert (await stream.get_output()).startswith("Here is what the tools returned")
    assert len(calls) == 2


async def test_langchain_use_responses_api(app: Gateway) -> None:
    import httpx
    from gateway_helpers import ALICE
    from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage
    from langchain_core.tools import tool
    from langchain_openai import ChatOpenAI

    @tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        return f"Sunny in {city}"

    llm = ChatOpenAI(
        model="mock/demo",
        base_url="http://gw/v1",
        api_key=ALICE,  # type: ignore[arg-type]
        http_async_client=httpx.AsyncClient(transport=httpx.ASGITransport(app=app)),
        use_responses_api=True,
        max_retries=0,
    ).bind_tools([get_weather])
    messages: list[BaseMessage] = [HumanMessage("What is the weather in Oslo?")]
    ai = await llm.ainvoke(messages)
    (call,) = ai.tool_calls  # type: ignore[attr-defined]
    messages += [ai, ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"])]
    final = await llm.ainvoke(messages)
    assert final.text == f"Here is what the tools returned: Sunny in {call['args']['city']}"
    streamed = "".join([chunk.text async for chunk in llm.astream(messages)])
    assert streamed == final.text
