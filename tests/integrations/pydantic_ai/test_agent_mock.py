"""pydantic-ai agents on ``ModelmuxModel`` over the offline mock: tool loops with structured output that finish,
streaming, scripted turns, retries, usage — nothing leaves the process."""

from __future__ import annotations

import pytest
from pydantic import BaseModel
from pydantic_ai import Agent, ModelRetry, NativeOutput, PromptedOutput, ToolOutput
from pydantic_ai.messages import ModelRequest, ModelResponse, TextPart, ToolCallPart, ToolReturnPart
from pydantic_ai.models import ModelRequestParameters

from modelmux.integrations.pydantic_ai import ModelmuxModel

pytestmark = pytest.mark.anyio


class City(BaseModel):
    city: str
    country: str


def agent_with_country_tool(model: ModelmuxModel, output_type: object = City) -> tuple[Agent[None, object], list[str]]:
    agent: Agent[None, object] = Agent(model, output_type=output_type, instructions="Answer briefly.")  # type: ignore[arg-type]
    called: list[str] = []

    @agent.tool_plain
    def get_user_country() -> str:
        """Get the user's country."""
        called.append("get_user_country")
        return "Mexico"

    return agent, called


async def test_tool_then_output_tool_finishes_in_two_requests() -> None:
    agent, called = agent_with_country_tool(ModelmuxModel("mock/agent"))
    result = await agent.run("What is the largest city in the user country?")
    assert isinstance(result.output, City)
    assert called == ["get_user_country"]
    assert result.usage.requests == 2 and result.usage.tool_calls == 1
    assert result.usage.input_tokens > 0 and result.usage.output_tokens > 0
    responses = [m for m in result.all_messages() if isinstance(m, ModelResponse)]
    assert [type(p).__name__ for r in responses for p in r.parts] == ["ToolCallPart", "ToolCallPart"]
    assert responses[-1].parts[0].tool_name == "final_result"  # type: ignore[union-attr]
    assert all(r.model_name == "mock/agent" and r.provider_name == "mock" for r in responses)


def test_run_sync() -> None:
    agent, called = agent_with_country_tool(ModelmuxModel("mock/agent"))
    assert isinstance(agent.run_sync("What is the largest city in the user country?").output, City)
    assert called == ["get_user_country"]


async def test_scripted_turns_drive_the_loop() -> None:
    script = [
        {"tool_call": {"name": "get_user_country"}},
        {"tool_call": {"name": "final_result", "arguments": {"city": "Mexico City", "country": "Mexico"}}},
    ]
    agent, called = agent_with_country_tool(ModelmuxModel("mock/agent", mock_script=script))
    result = await agent.run("What is the largest city in the user country?")
    assert result.output == City(city="Mexico City", country="Mexico")
    assert called == ["get_user_country"]


async def test_text_output_is_allowed_with_tools() -> None:
    script = [{"tool_call": {"name": "get_user_country"}}, "The largest city is Mexico City."]
    agent, _ = agent_with_country_tool(ModelmuxModel("mock/agent", mock_script=script), output_type=str)
    result = await agent.run("Which city?")
    assert result.output == "The largest city is Mexico City."


@pytest.mark.parametrize("mode", [NativeOutput, PromptedOutput, ToolOutput])
async def test_structured_output_modes(mode: type) -> None:
    agent, called = agent_with_country_tool(ModelmuxModel("mock/agent"), output_type=mode(City))
    result = await agent.run("What is the largest city in the user country?")
    assert isinstance(result.output, City)
    assert called == ["get_user_country"]


async def test_streamed_run_with_tool_and_output() -> None:
    agent, called = agent_with_country_tool(ModelmuxModel("mock/agent"))
    async with agent.run_stream("What is the largest city in the user country?") as run:
        outputs = [o async for o in run.stream_output(debounce_by=None)]
        usage = run.usage
    assert outputs and isinstance(outputs[-1], City)
    assert called == ["get_user_country"]
    assert usage.requests == 2 and usage.output_tokens > 0


async def test_streamed_text_arrives_in_deltas() -> None:
    agent = Agent(ModelmuxModel("mock/demo"))
    async with agent.run_stream("Hi") as run:
        deltas = [d async for d in run.stream_text(delta=True, debounce_by=None)]
        usage = run.usage
    assert len(deltas) > 3  # the mock streams word by word
    assert "".join(deltas).startswith("Hello!")
    assert usage.output_tokens > 0 and usage.input_tokens > 0


async def test_tool_retry_goes_back_to_the_model() -> None:
    script = [
        {"tool_call": {"name": "lookup", "arguments": {"name": "nobody"}}},
        {"tool_call": {"name": "lookup", "arguments": {"name": "alice"}}},
        "Alice is 30.",
    ]
    agent = Agent(ModelmuxModel("mock/agent", mock_script=script))
    seen: list[str] = []

    @agent.tool_plain
    def lookup(name: str) -> str:
        """Look a person up."""
        seen.append(name)
        if name == "nobody":
            raise ModelRetry("no such person: try 'alice'")
        return "alice: 30"

    result = await agent.run("How old is Alice?")
    assert result.output == "Alice is 30."
    assert seen == ["nobody", "alice"]
    retried = [
        p for m in result.all_messages() if isinstance(m, ModelRequest) for p in m.parts if "try 'alice'" in str(p)
    ]
    assert retried  # the retry reached the model (as a tool result)


async def test_settings_reach_the_call() -> None:
    model = ModelmuxModel("mock/echo")
    request = ModelRequest.user_text_prompt("one two three four five six")
    response = await model.request([request], {"max_tokens": 2}, ModelRequestParameters())
    assert response.finish_reason == "length"  # the mock cuts its own text at max_tokens
    assert isinstance(response.parts[0], TextPart)


async def test_unknown_option_is_a_clear_error() -> None:
    import modelmux

    model = ModelmuxModel("mock/demo", not_an_option=1)
    with pytest.raises(modelmux.UnknownParameterError):
        await model.request([ModelRequest.user_text_prompt("hi")], None, ModelRequestParameters())


def test_repr_hides_the_key() -> None:
    model = ModelmuxModel("openai/gpt-4o", api_key="sk-very-secret")
    assert "sk-very-secret" not in repr(model) and "sk-very-secret" not in str(model)
    assert model.model_name == "openai/gpt-4o" and model.system == "openai"


async def test_tool_calls_and_returns_round_trip_in_history() -> None:
    agent, _ = agent_with_country_tool(ModelmuxModel("mock/agent"))
    first = await agent.run("What is the largest city in the user country?")
    # A stateless script plays the turn at the index of the assistant messages so far (two in the history).
    final = {"tool_call": {"name": "final_result", "arguments": {"city": "Guadalajara", "country": "Mexico"}}}
    again = ModelmuxModel("mock/agent", mock_script=[{}, {}, final])
    second = await agent.run("And the second largest?", message_history=first.all_messages(), model=again)
    assert second.output == City(city="Guadalajara", country="Mexico")
    history = second.all_messages()
    assert any(isinstance(p, ToolReturnPart) for m in history for p in m.parts)
    assert any(isinstance(p, ToolCallPart) for m in history for p in m.parts)


async def test_provider_errors_become_pydantic_ai_errors() -> None:
    from pydantic_ai.exceptions import ModelHTTPError

    import modelmux

    agent = Agent(ModelmuxModel("mock/demo", mock_script=[{"error": 429, "message": "slow down"}]))
    with pytest.raises(ModelHTTPError) as caught:
        await agent.run("Hi")
    assert caught.value.status_code == 429
    assert isinstance(caught.value.__cause__, modelmux.RateLimitError)


async def test_a_stream_failing_midway_is_a_pydantic_ai_error() -> None:
    from pydantic_ai.exceptions import ModelHTTPError

    agent = Agent(ModelmuxModel("mock/demo", mock_script=[{"text": "Partial answer", "error": 500}]))
    with pytest.raises(ModelHTTPError) as caught:
        async with agent.run_stream("Hi") as run:
            [d async for d in run.stream_text(delta=True, debounce_by=None)]
    assert caught.value.status_code == 500


async def test_fallback_model_moves_on_after_a_provider_error() -> None:
    from pydantic_ai.models.fallback import FallbackModel

    failing = ModelmuxModel("mock/demo", mock_script=[{"error": 503}])
    agent = Agent(FallbackModel(failing, ModelmuxModel("mock/echo")))
    assert (await agent.run("still here")).output == "still here"


async def test_what_an_agent_sends_for_tools_output_tools_and_settings() -> None:
    import json

    import httpx

    bodies: list[dict[str, object]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        call = {
            "id": "c1",
            "type": "function",
            "function": {"name": "final_result", "arguments": '{"city": "A", "country": "B"}'},
        }
        message = {"role": "assistant", "content": None, "tool_calls": [call]}
        usage = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
        return httpx.Response(
            200,
            json={
                "id": "x",
                "model": "gpt-4o",
                "choices": [{"index": 0, "finish_reason": "tool_calls", "message": message}],
                "usage": usage,
            },
        )

    model = ModelmuxModel("openai/gpt-4o", api_key="sk-test", transport=httpx.MockTransport(answer))
    agent, _ = agent_with_country_tool(model)
    settings = {"temperature": 0.3, "max_tokens": 50, "stop_sequences": ["END"], "seed": 1, "top_p": 0.5}
    result = await agent.run("Which city?", model_settings=settings)  # type: ignore[arg-type]
    assert result.output == City(city="A", country="B")
    body = bodies[0]
    assert [t["function"]["name"] for t in body["tools"]] == ["get_user_country", "final_result"]  # type: ignore[index]
    assert body["tool_choice"] == "required"  # structured output only: a tool call is required
    assert (body["temperature"], body["stop"], body["seed"], body["top_p"]) == (0.3, ["END"], 1, 0.5)
    assert body.get("max_tokens", body.get("max_completion_tokens")) == 50
    assert body["messages"][0] == {"role": "system", "content": "Answer briefly."}  # type: ignore[index]


async def test_allow_model_requests_false_blocks_real_providers_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic_ai import models

    monkeypatch.setattr(models, "ALLOW_MODEL_REQUESTS", False)
    assert (await Agent(ModelmuxModel("mock/echo")).run("offline")).output == "offline"
    with pytest.raises(RuntimeError, match="ALLOW_MODEL_REQUESTS"):
        await Agent(ModelmuxModel("openai/gpt-4o", api_key="sk-test")).run("Hi")


async def test_parallel_tool_calls_only_with_tools() -> None:
    import json

    import httpx

    bodies: list[dict[str, object]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        message = {"role": "assistant", "content": "ok"}
        return httpx.Response(200, json={"choices": [{"index": 0, "finish_reason": "stop", "message": message}]})

    model = ModelmuxModel("openai/gpt-4o", api_key="sk-test", transport=httpx.MockTransport(answer))
    await model.request([ModelRequest.user_text_prompt("hi")], {"parallel_tool_calls": False}, ModelRequestParameters())
    assert "parallel_tool_calls" not in bodies[-1]
    agent, _ = agent_with_country_tool(model, output_type=str)
    await agent.run("hi", model_settings={"parallel_tool_calls": False})
    assert bodies[-1]["parallel_tool_calls"] is False


async def test_count_tokens_before_request_enforces_the_limit() -> None:
    from pydantic_ai.exceptions import UsageLimitExceeded
    from pydantic_ai.usage import UsageLimits

    model = ModelmuxModel("openai/gpt-4o", api_key="sk-test")  # nothing is sent: counting is local
    request = ModelRequest.user_text_prompt("hello world")
    counted = await model.count_tokens([request], None, ModelRequestParameters())
    assert 5 < counted.input_tokens < 20
    agent = Agent(ModelmuxModel("mock/demo"))
    limits = UsageLimits(input_tokens_limit=5, count_tokens_before_request=True)
    with pytest.raises(UsageLimitExceeded):
        await agent.run("a prompt that is clearly longer than five tokens, surely", usage_limits=limits)
