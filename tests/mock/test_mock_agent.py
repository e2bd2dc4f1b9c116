"""The mock as a model in an agent loop: it calls tools until results are in, then answers, so loops end."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

import modelmux

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "when": {"type": "string", "format": "date"},
            },
            "required": ["city", "unit"],
        },
    },
}
SEARCH = {
    "type": "function",
    "function": {
        "name": "search_flights",
        "description": "Find flights between airports",
        "parameters": {
            "type": "object",
            "properties": {
                "route": {
                    "type": "object",
                    "properties": {"from": {"type": "string"}, "to": {"type": "string"}},
                    "required": ["from", "to"],
                },
                "passengers": {"type": "integer", "minimum": 1, "maximum": 9},
                "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            },
            "required": ["route", "passengers", "tags"],
        },
    },
}
TOOLS = [SEARCH, WEATHER]


def _run_tool(name: str, arguments: dict[str, Any]) -> str:
    return json.dumps({"tool": name, "ok": True, "echo": arguments})


def agent_loop(model: str, question: str, tools: list[dict[str, Any]], *, stream: bool = False, **kw: Any) -> tuple:
    """A minimal agent: call the model, run the tools it asks for, until it answers in text (at most 10 rounds)."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": question}]
    rounds = 0
    for rounds in range(1, 11):
        if stream:
            reply = modelmux.stream_chunk_builder(
                list(modelmux.completion(model, messages, tools=tools, stream=True, **kw))
            )
        else:
            reply = modelmux.completion(model, messages, tools=tools, **kw)
        message = reply.choices[0].message
        if not message.tool_calls:
            return message.content, rounds, messages
        messages.append(message.model_dump(exclude_none=True))
        for call in message.tool_calls:
            result = _run_tool(call.function.name, json.loads(call.function.arguments))
            messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
    raise AssertionError(f"the agent loop did not end after {rounds} rounds")


@pytest.mark.parametrize("stream", [False, True])
def test_agent_loop_with_auto_tools_ends_after_one_round_of_tools(stream: bool) -> None:
    text, rounds, messages = agent_loop("mock/agent", "What is the weather in Paris?", TOOLS, stream=stream)
    assert rounds == 2
    call = messages[1]["tool_calls"][0]
    assert call["function"]["name"] == "get_weather"  # chosen by the question's words, not by position
    args = json.loads(call["function"]["arguments"])
    assert isinstance(args["city"], str) and args["unit"] in ("celsius", "fahrenheit")
    assert text and "get_weather" in text  # the answer quotes the tool result


def test_tool_arguments_follow_the_schema() -> None:
    reply = modelmux.completion("mock/x", [{"role": "user", "content": "book flights"}], tools=TOOLS)
    call = reply.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert call.function.name == "search_flights" and reply.choices[0].finish_reason == "tool_calls"
    args = json.loads(call.function.arguments)
    assert set(args["route"]) >= {"from", "to"} and all(isinstance(v, str) for v in args["route"].values())
    assert isinstance(args["passengers"], int) and 1 <= args["passengers"] <= 9
    assert len(args["tags"]) >= 1 and all(isinstance(t, str) for t in args["tags"])


def test_the_choice_is_deterministic_and_the_first_tool_wins_a_tie() -> None:
    msgs = [{"role": "user", "content": "hello"}]
    names = {
        modelmux.completion("mock/x", msgs, tools=TOOLS).choices[0].message.tool_calls[0].function.name
        for _ in range(3)
    }  # type: ignore[index]
    assert names == {"search_flights"}


def test_tool_choice_none_answers_text_and_named_calls_that_tool() -> None:
    msgs = [{"role": "user", "content": "What is the weather in Paris?"}]
    none = modelmux.completion("mock/x", msgs, tools=TOOLS, tool_choice="none").choices[0]
    assert none.message.content and not none.message.tool_calls and none.finish_reason == "stop"
    named = {"type": "function", "function": {"name": "search_flights"}}
    call = modelmux.completion("mock/x", msgs, tools=TOOLS, tool_choice=named).choices[0].message.tool_calls[0]  # type: ignore[index]
    assert call.function.name == "search_flights"


def test_required_keeps_calling_and_reaches_an_output_tool_not_yet_called() -> None:
    # pydantic-ai style: a function tool plus an output tool, tool_choice="required" every turn.
    output = {
        "type": "function",
        "function": {
            "name": "final_result",
            "parameters": {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]},
        },
    }
    messages: list[dict[str, Any]] = [{"role": "user", "content": "What is the weather in Paris?"}]
    called = []
    for _ in range(5):
        reply = modelmux.completion("mock/x", messages, tools=[WEATHER, output], tool_choice="required")
        call = reply.choices[0].message.tool_calls[0]  # type: ignore[index]
        called.append(call.function.name)
        if call.function.name == "final_result":
            break
        messages.append(reply.choices[0].message.model_dump(exclude_none=True))
        messages.append({"role": "tool", "tool_call_id": call.id, "content": "sunny"})
    assert called == ["get_weather", "final_result"]
    assert isinstance(json.loads(call.function.arguments)["answer"], str)


def _required_turn(messages: list[dict[str, Any]], tools: list[dict[str, Any]], limit: int = 10) -> list[str]:
    """One user turn under tool_choice="required": call tools until the output tool is called (at most ``limit``)."""
    called: list[str] = []
    for _ in range(limit):
        reply = modelmux.completion("mock/x", messages, tools=tools, tool_choice="required")
        call = reply.choices[0].message.tool_calls[0]  # type: ignore[index]
        called.append(call.function.name)
        messages.append(reply.choices[0].message.model_dump(exclude_none=True))
        messages.append({"role": "tool", "tool_call_id": call.id, "content": "done"})
        if call.function.name.startswith("final_result"):
            break
    return called


def test_required_reaches_the_output_tool_again_in_a_continued_conversation() -> None:
    # Regression: "called" used to span the whole conversation, so on the second user turn every tool had been
    # called and the mock picked get_weather by word overlap forever (pydantic-ai hit its 50-request limit).
    output = {"type": "function", "function": {"name": "final_result", "parameters": {"type": "object"}}}
    tools = [WEATHER, SEARCH, output]
    messages: list[dict[str, Any]] = [{"role": "user", "content": "What is the weather in Paris?"}]
    first = _required_turn(messages, tools)
    assert first[0] == "get_weather" and first[-1] == "final_result" and len(first) == 3
    for question in ("And the weather tomorrow?", "The weather again, please"):
        messages.append({"role": "user", "content": question})
        again = _required_turn(messages, tools)
        assert again[0] == "get_weather" and again[-1] == "final_result" and len(again) == 3


def test_required_with_every_tool_called_ends_on_an_output_tool_even_if_the_text_prefers_another() -> None:
    output = {"type": "function", "function": {"name": "final_result_City", "parameters": {"type": "object"}}}
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "weather weather"},
        {
            "role": "assistant",
            "tool_calls": [
                {"id": "a", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}},
                {"id": "b", "type": "function", "function": {"name": "final_result_City", "arguments": "{}"}},
            ],
        },
        {"role": "tool", "tool_call_id": "a", "content": "x"},
        {"role": "tool", "tool_call_id": "b", "content": "y"},
    ]
    reply = modelmux.completion("mock/x", messages, tools=[WEATHER, output], tool_choice="required")
    assert reply.choices[0].message.tool_calls[0].function.name == "final_result_City"  # type: ignore[index]


def test_required_without_an_output_tool_rotates_through_the_least_recently_called() -> None:
    messages: list[dict[str, Any]] = [{"role": "user", "content": "What is the weather in Paris?"}]
    called = []
    for _ in range(5):
        reply = modelmux.completion("mock/x", messages, tools=TOOLS, tool_choice="required")
        call = reply.choices[0].message.tool_calls[0]  # type: ignore[index]
        called.append(call.function.name)
        messages.append(reply.choices[0].message.model_dump(exclude_none=True))
        messages.append({"role": "tool", "tool_call_id": call.id, "content": "done"})
    assert called == ["get_weather", "search_flights", "get_weather", "search_flights", "get_weather"]


def test_tool_call_ids_are_unique_within_a_conversation() -> None:
    text, _, messages = agent_loop("mock/x", "hi", [WEATHER, SEARCH], tool_choice=None)
    assert text
    ids = [c["id"] for m in messages for c in m.get("tool_calls", [])]
    assert len(ids) == len(set(ids)) == 1


def test_async_agent_loop_ends() -> None:
    async def run() -> str | None:
        messages: list[dict[str, Any]] = [{"role": "user", "content": "weather?"}]
        for _ in range(5):
            reply = await modelmux.acompletion("mock/agent", messages, tools=TOOLS)
            message = reply.choices[0].message
            if not message.tool_calls:
                return message.content
            messages.append(message.model_dump(exclude_none=True))
            messages += [{"role": "tool", "tool_call_id": c.id, "content": "18C"} for c in message.tool_calls]
        raise AssertionError("no end")

    assert "18C" in (asyncio.run(run()) or "")


def test_after_tool_results_json_mode_still_holds() -> None:
    fmt = {
        "type": "json_schema",
        "json_schema": {
            "name": "w",
            "schema": {"type": "object", "properties": {"t": {"type": "number"}}, "required": ["t"]},
        },
    }
    messages = [
        {"role": "user", "content": "weather?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "18C"},
    ]
    reply = modelmux.completion("mock/x", messages, tools=TOOLS, response_format=fmt)
    assert isinstance(json.loads(reply.choices[0].message.content or "")["t"], float)


def test_max_tokens_cuts_the_mocks_own_text_with_finish_reason_length() -> None:
    msgs = [{"role": "user", "content": "one two three four five six seven eight"}]
    cut = modelmux.completion("mock/echo", msgs, max_tokens=4).choices[0]  # ~4 characters a token
    assert cut.finish_reason == "length" and cut.message.content == "one two three "
    whole = modelmux.completion("mock/echo", msgs, max_tokens=100).choices[0]
    assert whole.finish_reason == "stop" and whole.message.content == msgs[0]["content"]
    chunks = list(modelmux.completion("mock/echo", msgs, max_completion_tokens=2, stream=True))
    assert modelmux.stream_chunk_builder(chunks).choices[0].finish_reason == "length"
    given = modelmux.completion("mock/echo", msgs, max_tokens=1, mock_response="not cut, as given")
    assert given.choices[0].message.content == "not cut, as given"
