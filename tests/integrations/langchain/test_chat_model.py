"""``ChatModelmux`` beyond LangChain's standard suite: what it sends (through an injected transport), usage details,
secrets, stop sequences, streamed tool-call chunks, replayed real traffic, and ``create_agent`` on the mock."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, SystemMessage, ToolMessage
from pydantic import BaseModel
from tests.conformance.cassette import CASSETTES_ROOT, load_cassette
from tests.conformance.replay import ReplayTransport

from modelmux.integrations.langchain import ChatModelmux

pytestmark = pytest.mark.anyio

OPENAI_ANSWER = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1700000000,
    "model": "gpt-4o-2024-08-06",
    "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Hi there"}}],
    "usage": {
        "prompt_tokens": 50,
        "completion_tokens": 10,
        "total_tokens": 60,
        "prompt_tokens_details": {"cached_tokens": 32, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 4},
    },
}


class Recorder:
    """A transport answering ``answer`` and keeping every request it got."""

    def __init__(self, answer: dict[str, Any] | Callable[[httpx.Request], httpx.Response] = OPENAI_ANSWER) -> None:
        self.requests: list[httpx.Request] = []
        self.answer = answer

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request) if callable(self.answer) else httpx.Response(200, json=self.answer)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def body(self, index: int = -1) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(self.requests[index].content)
        return body


def openai_model(recorder: Recorder, **kwargs: Any) -> ChatModelmux:
    return ChatModelmux(model="openai/gpt-4o", api_key="sk-test-secret", transport=recorder.transport(), **kwargs)


def test_request_carries_the_fields_model_kwargs_and_call_overrides() -> None:
    recorder = Recorder()
    llm = openai_model(recorder, temperature=0.2, max_tokens=64, stop=["END"], seed=7, logprobs=True)
    assert llm.model_kwargs == {"logprobs": True}  # a keyword that is not a field goes to model_kwargs
    llm.invoke([SystemMessage("Be brief."), HumanMessage("Hi")], temperature=0.9)
    body = recorder.body()
    assert body["model"] == "gpt-4o"
    assert body["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    assert (body["temperature"], body["seed"], body["stop"], body["logprobs"]) == (0.9, 7, ["END"], True)
    assert body.get("max_tokens", body.get("max_completion_tokens")) == 64
    assert recorder.requests[-1].headers["authorization"] == "Bearer sk-test-secret"


def test_stop_at_call_time_wins() -> None:
    recorder = Recorder()
    openai_model(recorder, stop=["A"]).invoke("Hi", stop=["B", "C"])
    assert recorder.body()["stop"] == ["B", "C"]


def test_usage_and_response_metadata() -> None:
    message = openai_model(Recorder()).invoke("Hi")
    assert message.usage_metadata == {
        "input_tokens": 50,
        "output_tokens": 10,
        "total_tokens": 60,
        "input_token_details": {"cache_read": 32},
        "output_token_details": {"reasoning": 4},
    }
    assert message.response_metadata["finish_reason"] == "stop"
    assert message.response_metadata["model_name"] == "openai/gpt-4o-2024-08-06"
    assert message.id == "chatcmpl-1"


def test_anthropic_cache_writes_in_usage_details() -> None:
    answer = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-20250514",
        "content": [{"type": "text", "text": "ok"}],
        "stop_reason": "end_turn",
        "usage": {
            "input_tokens": 10,
            "output_tokens": 3,
            "cache_creation_input_tokens": 100,
            "cache_read_input_tokens": 200,
        },
    }
    recorder = Recorder(answer)
    llm = ChatModelmux(model="anthropic/claude-sonnet-4-20250514", api_key="sk-ant", transport=recorder.transport())
    usage = llm.invoke("Hi").usage_metadata
    assert usage is not None
    assert usage["input_tokens"] == 310 and usage["output_tokens"] == 3
    assert usage.get("input_token_details") == {"cache_read": 200, "cache_creation": 100}


def test_api_key_never_shows() -> None:
    llm = openai_model(Recorder())
    for text in (repr(llm), str(llm), json.dumps(llm.model_dump(mode="json")), str(llm._identifying_params)):
        assert "sk-test-secret" not in text


def test_api_key_not_in_errors() -> None:
    import modelmux

    recorder = Recorder(lambda r: httpx.Response(401, json={"error": {"message": "bad key sk-test-secret"}}))
    with pytest.raises(modelmux.AuthenticationError) as caught:
        openai_model(recorder).invoke("Hi")
    assert "sk-test-secret" not in str(caught.value) and "sk-test-secret" not in repr(caught.value)


def test_tools_in_any_form_and_tool_choice() -> None:
    class GetWeather(BaseModel):
        """Get the weather in a city."""

        city: str

    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    schema = {"title": "lookup", "description": "Look up.", "type": "object", "properties": {"q": {"type": "string"}}}
    openai_tool = {"type": "function", "function": {"name": "ping", "parameters": {"type": "object", "properties": {}}}}
    recorder = Recorder()
    llm = openai_model(recorder).bind_tools([GetWeather, add, schema, openai_tool], tool_choice="add", strict=True)
    llm.invoke("Hi")
    body = recorder.body()
    assert [t["function"]["name"] for t in body["tools"]] == ["GetWeather", "add", "lookup", "ping"]
    assert body["tools"][0]["function"]["parameters"]["required"] == ["city"]
    assert body["tools"][1]["function"]["strict"] is True
    assert body["tool_choice"] == {"type": "function", "function": {"name": "add"}}
    for choice, sent in [("any", "required"), ("required", "required"), ("auto", "auto"), ("none", "none")]:
        openai_model(recorder).bind_tools([add], tool_choice=choice).invoke("Hi")
        assert recorder.body()["tool_choice"] == sent
    openai_model(recorder).bind_tools([add], tool_choice=True).invoke("Hi")
    assert recorder.body()["tool_choice"] == {"type": "function", "function": {"name": "add"}}
    with pytest.raises(ValueError, match="names no bound tool"):
        openai_model(recorder).bind_tools([add], tool_choice="nope")


def test_tool_history_is_sent_back() -> None:
    recorder = Recorder()
    history = [
        HumanMessage("Add 1 and 2"),
        AIMessage("", tool_calls=[{"name": "add", "args": {"a": 1, "b": 2}, "id": "call_1"}]),
        ToolMessage("3", tool_call_id="call_1"),
    ]
    openai_model(recorder).invoke(history)
    messages = recorder.body()["messages"]
    assert messages[1]["tool_calls"][0]["function"] == {"name": "add", "arguments": '{"a": 1, "b": 2}'}
    assert messages[1].get("content") in (None, "")
    assert messages[2] == {"role": "tool", "tool_call_id": "call_1", "content": "3"}


def test_malformed_tool_arguments_become_invalid_tool_calls() -> None:
    answer = json.loads(json.dumps(OPENAI_ANSWER))
    answer["choices"][0]["message"] = {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{not json"}}],
    }
    message = openai_model(Recorder(answer)).invoke("Hi")
    assert message.tool_calls == []
    assert message.invalid_tool_calls[0]["name"] == "f" and message.invalid_tool_calls[0]["args"] == "{not json"


def test_stream_tool_call_chunks_on_the_mock() -> None:
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    llm = ChatModelmux(model="mock/agent", mock_script=[{"tool_call": {"name": "add", "arguments": {"a": 1, "b": 2}}}])
    chunks = list(llm.bind_tools([add]).stream("add 1 and 2"))
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    assert any(c.tool_call_chunks for c in chunks)
    full = chunks[0]
    for c in chunks[1:]:
        full = full + c
    assert isinstance(full, AIMessageChunk)
    assert full.tool_calls == [
        {"name": "add", "args": {"a": 1, "b": 2}, "id": full.tool_calls[0]["id"], "type": "tool_call"}
    ]
    assert full.response_metadata["finish_reason"] == "tool_calls"
    assert full.usage_metadata and full.usage_metadata["total_tokens"] > 0
    assert chunks[-1].chunk_position == "last"


async def test_async_stream_and_invoke_on_the_mock() -> None:
    llm = ChatModelmux(model="mock/echo")
    chunks = [c async for c in llm.astream("one two three")]
    assert len(chunks) > 3 and "".join(str(c.content) for c in chunks) == "one two three"
    assert (await llm.ainvoke("four five")).content == "four five"


def test_streaming_field_streams_under_invoke() -> None:
    seen: list[str] = []
    from langchain_core.callbacks import BaseCallbackHandler

    class Tokens(BaseCallbackHandler):
        def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
            seen.append(token)

    message = ChatModelmux(model="mock/echo", streaming=True).invoke("a b c d", config={"callbacks": [Tokens()]})
    assert message.content == "a b c d" and len(seen) > 2


@pytest.mark.parametrize("method", ["function_calling", "json_schema", "json_mode"])
def test_structured_output_include_raw(method: str) -> None:
    class Person(BaseModel):
        name: str
        age: int

    script = ['{"name": "Ada", "age": 36}'] if method == "json_mode" else None
    llm = ChatModelmux(model="mock/demo", **({"mock_script": script} if script else {}))
    result = llm.with_structured_output(Person, method=method, include_raw=True).invoke("Who?")  # type: ignore[arg-type]
    assert isinstance(result["raw"], AIMessage)
    assert isinstance(result["parsed"], Person) and result["parsing_error"] is None
    as_dict = llm.with_structured_output(Person.model_json_schema(), method=method).invoke("Who?")  # type: ignore[arg-type]
    assert set(as_dict) == {"name", "age"}


def test_structured_output_parsing_error_with_include_raw() -> None:
    class Person(BaseModel):
        name: str

    llm = ChatModelmux(model="mock/demo", mock_script=["not json at all"])
    result = llm.with_structured_output(Person, method="json_mode", include_raw=True).invoke("Who?")
    assert result["parsed"] is None and result["parsing_error"] is not None


def test_replayed_openai_stream_with_tools() -> None:
    path = CASSETTES_ROOT / "pydantic-ai" / "openai-chat" / "test_run_stream_sync_streams_real_model.yaml"
    transport = ReplayTransport(load_cassette(path))
    llm = ChatModelmux(model="openai/gpt-4o-mini", api_key="sk-test", transport=transport)

    def get_capital(country: str) -> str:
        """Get the capital of a country."""
        return "London"

    chunks = list(llm.bind_tools([get_capital]).stream("What is the capital of the UK? Use the tool, then answer."))
    full = chunks[0]
    for c in chunks[1:]:
        full = full + c
    assert isinstance(full, AIMessageChunk)
    (call,) = full.tool_calls
    assert call["name"] == "get_capital" and call["args"] == {"country": "UK"} and call["id"]
    assert full.response_metadata["finish_reason"] == "tool_calls"
    assert full.usage_metadata and full.usage_metadata["input_tokens"] > 0
    streaming = llm.model_copy(update={"streaming": True})  # the recording's second answer is a stream too
    answer = streaming.bind_tools([get_capital]).invoke(
        [HumanMessage("What is the capital of the UK?"), full, ToolMessage("London", tool_call_id=call["id"])]
    )
    assert "London" in str(answer.content)
    sent = json.loads(transport.requests[-1].content)
    assert sent["messages"][-1] == {"role": "tool", "tool_call_id": call["id"], "content": "London"}


def test_create_agent_with_a_tool_and_response_format() -> None:
    from langchain.agents import create_agent

    class Weather(BaseModel):
        city: str
        summary: str

    called: list[str] = []

    def get_weather(city: str) -> str:
        """Get the weather in a city."""
        called.append(city)
        return f"Sunny in {city}"

    agent = create_agent(ChatModelmux(model="mock/agent"), tools=[get_weather], response_format=Weather)
    state = agent.invoke({"messages": [HumanMessage("What is the weather in Paris?")]})
    assert called
    assert isinstance(state["structured_response"], Weather)
    assert len([m for m in state["messages"] if isinstance(m, AIMessage)]) <= 3


def test_key_from_the_providers_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without ``api_key``, modelmux reads the provider's own variable at call time (ChatModelmux has none of its
    own, which is why LangChain's ``test_init_from_env`` has nothing to check)."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    recorder = Recorder()
    ChatModelmux(model="openai/gpt-4o", transport=recorder.transport()).invoke("Hi")
    assert recorder.requests[-1].headers["authorization"] == "Bearer sk-from-env"


def test_n_choices_are_generations() -> None:
    result = ChatModelmux(model="mock/demo", n=3).generate([[HumanMessage("Hi")]])
    assert len(result.generations[0]) == 3


def test_unknown_keyword_fails_clearly_at_call_time() -> None:
    import modelmux

    with pytest.raises(modelmux.UnknownParameterError, match="not_a_param"):
        ChatModelmux(model="mock/demo", not_a_param=1).invoke("Hi")


def test_replayed_anthropic_thinking_stream_round_trips() -> None:
    from modelmux.integrations.langchain.convert_messages import convert_messages

    path = CASSETTES_ROOT / "pydantic-ai" / "anthropic" / "test_anthropic_model_thinking_part_stream.yaml"
    llm = ChatModelmux(
        model="anthropic/claude-sonnet-4-20250514",
        api_key="sk-ant-test",
        reasoning_effort="medium",
        transport=ReplayTransport(load_cassette(path)),
    )
    chunks = list(llm.stream("How do I cross the street?"))
    full = chunks[0]
    for c in chunks[1:]:
        full = full + c
    assert isinstance(full, AIMessageChunk) and full.content
    reasoning = full.additional_kwargs["reasoning_content"]
    (block,) = full.additional_kwargs["thinking_blocks"]
    assert reasoning and block["thinking"] == reasoning and block["signature"]
    assert full.usage_metadata and full.usage_metadata["input_tokens"] == 43
    sent_back = convert_messages([HumanMessage("How do I cross the street?"), full])[1]
    assert sent_back["thinking_blocks"] == [block] and sent_back["content"] == full.content


def test_token_counts_are_local() -> None:
    llm = ChatModelmux(model="openai/gpt-4o")
    assert llm.get_num_tokens("hello world") == 2
    messages = [SystemMessage("Be brief."), HumanMessage("hello world")]
    plain = llm.get_num_tokens_from_messages(messages)
    assert plain > 4

    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    assert llm.get_num_tokens_from_messages(messages, tools=[add]) > plain


def test_credential_options_and_headers_stay_secret() -> None:
    recorder = Recorder()
    llm = ChatModelmux(
        model="openai/gpt-4o",
        api_key="sk-test",
        transport=recorder.transport(),
        extra_headers={"X-Proxy-Auth": "hdr-secret"},
        model_kwargs={"user": "u1"},
        vertex_credentials="cred-secret",  # a credential-named provider option (ignored by openai: see below)
    )
    shown = " ".join([repr(llm), str(llm._identifying_params), json.dumps(llm.model_dump(mode="json"))])
    assert "hdr-secret" not in shown and "cred-secret" not in shown
    llm = llm.model_copy(update={"model_kwargs": {"user": "u1"}})  # openai takes no vertex_credentials
    llm.invoke("Hi")
    assert recorder.requests[-1].headers["x-proxy-auth"] == "hdr-secret"
    assert recorder.body()["user"] == "u1"
