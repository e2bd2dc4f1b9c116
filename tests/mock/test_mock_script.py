"""Scripted turns: played in order by counting assistant turns (stateless), or by a MockScript object's own count."""

from __future__ import annotations

import json
from typing import Any

import pytest

import modelmux
from modelmux.providers.mock import MockScript
from modelmux.providers.mock_script import MAX_HEADER_BYTES, MAX_TURNS, parse_script

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "lookup",
            "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
        },
    }
]
SCRIPT: list[Any] = [
    {"tool_calls": [{"name": "lookup", "arguments": {"q": "pelicans"}}]},
    {"tool_call": {"name": "lookup"}},  # arguments built from the tool's schema
    "Pelicans are large water birds.",
]


def play(script: Any, *, stream: bool = False) -> list[Any]:
    messages: list[dict[str, Any]] = [{"role": "user", "content": "tell me about pelicans"}]
    seen = []
    for _ in range(6):
        if stream:
            chunks = list(modelmux.completion("mock/x", messages, tools=TOOLS, mock_script=script, stream=True))
            message = modelmux.stream_chunk_builder(chunks).choices[0].message
        else:
            message = modelmux.completion("mock/x", messages, tools=TOOLS, mock_script=script).choices[0].message
        if not message.tool_calls:
            seen.append(message.content)
            return seen
        seen.append([(c.function.name, json.loads(c.function.arguments)) for c in message.tool_calls])
        messages.append(message.model_dump(exclude_none=True))
        messages += [{"role": "tool", "tool_call_id": c.id, "content": "ok"} for c in message.tool_calls]
    raise AssertionError("the script did not end the loop")


@pytest.mark.parametrize("stream", [False, True])
def test_turns_play_in_order(stream: bool) -> None:
    seen = play(SCRIPT, stream=stream)
    assert seen[0] == [("lookup", {"q": "pelicans"})]
    assert seen[1][0][0] == "lookup" and isinstance(seen[1][0][1]["q"], str)
    assert seen[2] == "Pelicans are large water birds."


def test_a_list_is_stateless_the_same_conversation_plays_the_same_turn() -> None:
    msgs = [{"role": "user", "content": "hi"}]
    first = [
        modelmux.completion("mock/x", msgs, mock_script=["one", "two"]).choices[0].message.content for _ in range(2)
    ]
    assert first == ["one", "one"]
    later = [*msgs, {"role": "assistant", "content": "one"}, {"role": "user", "content": "and?"}]
    assert modelmux.completion("mock/x", later, mock_script=["one", "two"]).choices[0].message.content == "two"


def test_json_text_script_and_past_the_end_the_default_answer() -> None:
    msgs = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "x"}, {"role": "user", "content": "y"}]
    out = modelmux.completion("mock/echo", msgs, mock_script=json.dumps({"turns": ["only one"]}))
    assert out.choices[0].message.content == "y"


def test_scripted_error_carries_provider_model_and_status() -> None:
    with pytest.raises(modelmux.RateLimitError) as info:
        modelmux.completion(
            "mock/x", [{"role": "user", "content": "hi"}], mock_script=[{"error": 429, "message": "slow"}]
        )
    err = info.value
    assert (err.provider, err.model, err.status_code, err.message) == ("mock", "x", 429, "slow")
    with pytest.raises(modelmux.InternalServerError):
        list(
            modelmux.completion(
                "mock/x", [{"role": "user", "content": "hi"}], mock_script=[{"error": 500}], stream=True
            )
        )


def test_mock_script_object_counts_calls_so_a_retry_gets_the_next_turn() -> None:
    script = MockScript([{"error": 503}, "recovered"])
    msgs = [{"role": "user", "content": "hi"}]
    with pytest.raises(modelmux.ServiceUnavailableError):
        modelmux.completion("mock/x", msgs, mock_script=script)
    assert modelmux.completion("mock/x", msgs, mock_script=script).choices[0].message.content == "recovered"
    assert script.played == 2
    assert modelmux.completion("mock/demo", msgs, mock_script=script).choices[0].message.content  # default after
    assert "2 turns, 2 played" in repr(script)


def test_scripted_delay_waits_before_the_answer() -> None:
    from modelmux.providers._base import CallContext
    from modelmux.providers.mock import MockProvider

    waits: list[float] = []
    mock = MockProvider(sleep=waits.append)
    ctx = CallContext(
        provider="mock", model="x", api_base="", extra_body={"mock_script": [{"text": "late", "delay": 2.5}]}
    )
    out = mock.complete({"messages": [{"role": "user", "content": "hi"}]}, ctx)
    assert out.choices[0].message.content == "late" and waits == [2.5]


@pytest.mark.parametrize(
    ("script", "needle"),
    [
        ("not json", "not valid JSON"),
        ({"x": 1}, "list of turns"),
        ([{"txt": "typo"}], "unknown key"),
        ([{"error": 200}], "HTTP error status"),
        ([{"tool_calls": [{"arguments": {}}]}], "needs a name"),
        ([{"delay": -1}], "delay"),
        ([{"delay": 3600}], "delay"),
        ([1], "string or an object"),
        (["x"] * (MAX_TURNS + 1), "at most"),
        ("[" + '"x",' * (MAX_HEADER_BYTES // 4) + '"x"]', "at most"),
    ],
)
def test_malformed_scripts_are_bad_requests_naming_the_problem(script: Any, needle: str) -> None:
    with pytest.raises(modelmux.BadRequestError) as info:
        modelmux.completion("mock/x", [{"role": "user", "content": "hi"}], mock_script=script)
    assert needle in str(info.value) and info.value.param == "mock_script"


def test_parse_script_keeps_turns_and_calls() -> None:
    turns = parse_script(["a", {"tool_call": {"name": "f", "id": "call_1", "arguments": '{"x":1}'}, "delay": 1}])
    assert turns[0].text == "a"
    assert turns[1].tool_calls[0].id == "call_1" and turns[1].delay == 1.0
    out = modelmux.completion(
        "mock/x", [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "a"}], mock_script=turns
    )
    call = out.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert (call.id, call.function.arguments) == ("call_1", '{"x":1}')


def test_a_turn_with_text_and_an_error_is_a_stream_that_fails_midway() -> None:
    msgs = [{"role": "user", "content": "hi"}]
    script = [{"text": "Partial answer", "error": 500, "message": "broke"}]
    stream = modelmux.completion("mock/x", msgs, mock_script=script, stream=True)
    received = []
    with pytest.raises(modelmux.InternalServerError) as info:
        for chunk in stream:
            received.append(chunk.choices[0].delta.content or "")
    assert "".join(received) == "Partial answer" and info.value.message == "broke"
    with pytest.raises(modelmux.InternalServerError):  # not streamed: the error, as a real provider would
        modelmux.completion("mock/x", msgs, mock_script=script)


def test_an_error_turn_with_a_delay_waits_then_raises_without_text() -> None:
    from modelmux.providers._base import CallContext
    from modelmux.providers.mock import MockProvider

    waits: list[float] = []
    ctx = CallContext(provider="mock", model="x", api_base="", extra_body={"mock_script": [{"error": 502, "delay": 1}]})
    stream = MockProvider(sleep=waits.append).stream({"messages": [{"role": "user", "content": "hi"}]}, ctx)
    with pytest.raises(modelmux.UpstreamError):
        assert not list(stream)
    assert waits == [1.0]
