"""Requests to OpenAI and the compatible vendors, dict in / dict out: history round-trips, tools, parameters.

Bodies for OpenAI are checked against the official SDK's own request type.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import httpx
import pytest
from openai.types.chat.completion_create_params import CompletionCreateParamsNonStreaming
from pydantic import TypeAdapter

import modelmux
from modelmux.errors import BadRequestError, UnsupportedParamsError
from modelmux.providers import compatible
from modelmux.providers._base import CallContext
from modelmux.providers.compatible import VENDORS
from modelmux.providers.mistral import provider as mistral_provider
from modelmux.providers.openai import OPENAI, OpenAIProvider, Profile
from modelmux.providers.openai import provider as openai_provider
from modelmux.providers.openai.convert_messages import alnum9_id

SDK_REQUEST = TypeAdapter(CompletionCreateParamsNonStreaming)
#: Every OpenAI-dialect vendor: the table rows, and Mistral (its own profile and module).
COMPAT: dict[str, OpenAIProvider] = {**{n: getattr(compatible, n) for n in VENDORS}, "mistral": mistral_provider}
PROVIDERS: dict[str, OpenAIProvider] = {"openai": openai_provider, **COMPAT}


def body_for(name: str, params: dict[str, Any], *, stream: bool = False, drop_params: bool = False) -> dict[str, Any]:
    provider = PROVIDERS[name]
    base = provider.default_api_base or "http://h/v1"  # rows with no default address (databricks, openai_like)
    ctx = CallContext(name, "m", base, api_key="k", stream=stream, drop_params=drop_params)
    body = provider.build_chat_request(params, ctx).json
    assert isinstance(body, dict)
    return body


def assistant_turns(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in body["messages"] if m["role"] == "assistant"]


CALL = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
#: Two user turns: the first with a tool call (reasoning r1 on the call, r2 on the answer), the second without.
AGENT_HISTORY: list[dict[str, Any]] = [
    {"role": "system", "content": "be brief"},
    {"role": "user", "content": "q1"},
    {"role": "assistant", "content": None, "tool_calls": [CALL], "reasoning_content": "r1", "thinking_blocks": []},
    {"role": "tool", "tool_call_id": "call_1", "content": "42"},
    {"role": "assistant", "content": "a1", "reasoning_content": "r2"},
    {"role": "user", "content": "q2"},
    {"role": "assistant", "content": "a2", "reasoning_content": "r3"},
    {"role": "user", "content": "q3"},
]


# ---------------------------------------------------------------- history: reasoning back, per vendor


def test_deepseek_gets_reasoning_back_on_every_assistant_turn_of_a_tool_using_user_turn() -> None:
    """api-docs.deepseek.com/guides/thinking_mode: required where tools were called, ignored elsewhere."""
    history = copy.deepcopy(AGENT_HISTORY)
    body = body_for("deepseek", {"messages": history})
    turns = assistant_turns(body)
    assert [t.get("reasoning_content") for t in turns] == ["r1", "r2", None]
    assert all("thinking_blocks" not in t for t in turns)
    assert turns[0]["tool_calls"] == [CALL]
    assert [m["role"] for m in body["messages"]] == [m["role"] for m in AGENT_HISTORY]  # nothing reordered
    assert history == AGENT_HISTORY  # the caller's messages are not mutated


def test_deepseek_keeps_an_empty_reasoning_on_a_tool_turn() -> None:
    history = [{"role": "user", "content": "q"}, {"role": "assistant", "tool_calls": [CALL], "reasoning_content": ""}]
    assert assistant_turns(body_for("deepseek", {"messages": history}))[0]["reasoning_content"] == ""
    assert "reasoning" not in assistant_turns(body_for("ollama", {"messages": history}))[0]


def test_deepseek_keeps_reasoning_of_a_tool_turn_that_is_the_last_one() -> None:
    history = [{"role": "user", "content": "q"}, {"role": "assistant", "tool_calls": [CALL], "reasoning_content": "r"}]
    history.append({"role": "tool", "tool_call_id": "call_1", "content": "ok"})
    assert assistant_turns(body_for("deepseek", {"messages": history}))[0]["reasoning_content"] == "r"


@pytest.mark.parametrize("name", ["openai", "groq", "xai", "together_ai", "fireworks_ai"])
def test_vendors_without_a_reasoning_input_get_none(name: str) -> None:
    body = body_for(name, {"messages": copy.deepcopy(AGENT_HISTORY)})
    for turn in assistant_turns(body):
        assert not {"reasoning_content", "reasoning", "thinking_blocks"} & set(turn)
    assert assistant_turns(body)[0]["tool_calls"] == [CALL]
    if name == "openai":
        SDK_REQUEST.validate_python(body)


@pytest.mark.parametrize("name", ["openrouter", "ollama"])
def test_vendors_reading_reasoning_get_it_renamed(name: str) -> None:
    history = copy.deepcopy(AGENT_HISTORY)
    history[4]["reasoning"] = "the caller's own"  # a field the caller wrote wins
    history[4]["reasoning_details"] = [{"type": "reasoning.text", "text": "r2"}]  # OpenRouter's, passed as is
    turns = assistant_turns(body_for(name, {"messages": history}))
    assert [t.get("reasoning") for t in turns] == ["r1", "the caller's own", "r3"]
    assert all("reasoning_content" not in t for t in turns)
    assert turns[1]["reasoning_details"] == [{"type": "reasoning.text", "text": "r2"}]


def test_vllm_keeps_reasoning_content() -> None:
    turns = assistant_turns(body_for("hosted_vllm", {"messages": copy.deepcopy(AGENT_HISTORY)}))
    assert [t.get("reasoning_content") for t in turns] == ["r1", "r2", "r3"]


def test_mistral_gets_reasoning_back_as_thinking_chunks_before_the_text() -> None:
    turns = assistant_turns(body_for("mistral", {"messages": copy.deepcopy(AGENT_HISTORY)}))
    thinking = {"type": "thinking", "thinking": [{"type": "text", "text": "r1"}]}
    assert turns[0]["content"] == [thinking] and turns[0]["tool_calls"] == [{**CALL, "id": alnum9_id("call_1")}]
    assert turns[1]["content"] == [
        {"type": "thinking", "thinking": [{"type": "text", "text": "r2"}]},
        {"type": "text", "text": "a1"},
    ]
    assert all("reasoning_content" not in t for t in turns)
    parts = [{"type": "text", "text": "x"}]
    listed = [{"role": "user", "content": "q"}, {"role": "assistant", "content": parts, "reasoning_content": "r"}]
    assert assistant_turns(body_for("mistral", {"messages": listed}))[0]["content"][1:] == parts
    native = [{"type": "thinking", "thinking": [{"type": "text", "text": "r"}]}, *parts]
    again = [{"role": "user", "content": "q"}, {"role": "assistant", "content": native, "reasoning_content": "r"}]
    assert assistant_turns(body_for("mistral", {"messages": again}))[0]["content"] == native  # not twice


def test_history_without_our_fields_is_sent_as_the_same_list() -> None:
    messages = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    for name in PROVIDERS:
        assert body_for(name, {"messages": messages})["messages"] is messages


def test_a_previous_answer_sent_back_as_a_model_keeps_deepseek_reasoning() -> None:
    """End to end: the message object of a DeepSeek answer goes back into the next request as it came."""
    answer = {
        "id": "x",
        "object": "chat.completion",
        "created": 1,
        "model": "deepseek-reasoner",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {"role": "assistant", "content": "", "reasoning_content": "think", "tool_calls": [CALL]},
            }
        ],
    }
    sent: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json=answer)

    transport = httpx.MockTransport(handler)
    first = modelmux.completion(
        "deepseek/deepseek-reasoner", [{"role": "user", "content": "q"}], api_key="k", transport=transport
    )
    history = [
        {"role": "user", "content": "q"},
        first.choices[0].message,
        {"role": "tool", "tool_call_id": "call_1", "content": "1"},
    ]
    modelmux.completion("deepseek/deepseek-reasoner", history, api_key="k", transport=transport)
    assert sent[1]["messages"][1]["reasoning_content"] == "think"


def test_mistral_gets_tool_call_ids_it_accepts() -> None:
    """Mistral takes only nine letters and digits: other ids map alike in the call and in its result."""
    history = [
        {"role": "user", "content": "q"},
        {"role": "assistant", "tool_calls": [CALL, {**CALL, "id": "toolu_01ABC"}, {**CALL, "id": "D681PevKs"}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "1"},
        {"role": "tool", "tool_call_id": "toolu_01ABC", "content": "2"},
        {"role": "tool", "tool_call_id": "D681PevKs", "content": "3"},
    ]
    before = copy.deepcopy(history)
    messages = body_for("mistral", {"messages": history})["messages"]
    ids = [c["id"] for c in messages[1]["tool_calls"]]
    assert [m["tool_call_id"] for m in messages[2:]] == ids
    assert all(re.fullmatch(r"[A-Za-z0-9]{9}", i) for i in ids) and len(set(ids)) == 3
    assert ids[2] == "D681PevKs" and messages[4] is history[4]  # a valid id is kept as it is
    assert body_for("mistral", {"messages": history})["messages"] == messages  # the same on every request
    assert history == before
    assert body_for("openai", {"messages": history})["messages"] == before  # others take any id


# ---------------------------------------------------------------- history: refusals


REFUSAL = [
    {"role": "user", "content": "do bad"},
    {"role": "assistant", "content": None, "refusal": "I can't help with that."},
    {"role": "user", "content": "ok, something else"},
]


def test_openai_keeps_a_refusal_only_turn_as_it_is() -> None:
    body = body_for("openai", {"messages": copy.deepcopy(REFUSAL)})
    assert body["messages"] == REFUSAL
    SDK_REQUEST.validate_python(body)


@pytest.mark.parametrize("name", sorted(COMPAT))
def test_vendors_get_a_refusal_only_turn_as_its_text(name: str) -> None:
    messages = body_for(name, {"messages": copy.deepcopy(REFUSAL)})["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]  # the turn stays
    assert messages[1] == {"role": "assistant", "content": "I can't help with that."}


def test_a_refusal_beside_content_keeps_the_content() -> None:
    messages = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "text", "refusal": "no"}]
    assert body_for("groq", {"messages": messages})["messages"][1] == {"role": "assistant", "content": "text"}


# ---------------------------------------------------------------- tools

USER = [{"role": "user", "content": "hi"}]
FUNCTION = {"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}
CUSTOM = {"type": "custom", "custom": {"name": "code_exec", "description": "Runs code"}}
GRAMMAR = {
    "type": "custom",
    "custom": {"name": "sql", "format": {"type": "grammar", "grammar": {"syntax": "lark", "definition": "start: /x/"}}},
}


def test_openai_custom_tools_pass_through() -> None:
    tools = [FUNCTION, CUSTOM, GRAMMAR, {"type": "custom", "custom": {"name": "t", "format": {"type": "text"}}}]
    choice = {"type": "custom", "custom": {"name": "sql"}}
    body = body_for("openai", {"messages": USER, "tools": copy.deepcopy(tools), "tool_choice": choice})
    assert body["tools"] == tools and body["tool_choice"] == choice
    SDK_REQUEST.validate_python(body)


def test_an_empty_tool_list_is_left_as_given() -> None:
    body = body_for("groq", {"messages": USER, "tools": [], "tool_choice": "none"})
    assert body["tools"] == [] and body["tool_choice"] == "none"


def test_a_function_tool_without_type_gets_it() -> None:
    body = body_for("openai", {"messages": USER, "tools": [{"function": {"name": "f", "parameters": {}}}]})
    assert body["tools"] == [{"type": "function", "function": {"name": "f", "parameters": {}}}]
    SDK_REQUEST.validate_python(body)


@pytest.mark.parametrize(
    "tools",
    [
        "not a list",
        [None],
        [{"type": "function"}],
        [{"type": "function", "function": {"name": ""}}],
        [{"type": "function", "function": {"name": "f", "parameters": "{}"}}],
        [{"type": "function", "function": {"name": "f", "strict": "yes"}}],
        [{"type": "function", "function": {"name": 3}}],
        [{"type": "custom"}],
        [{"type": "custom", "custom": {"description": "no name"}}],
        [{"type": "custom", "custom": {"name": "c", "format": {"type": "grammar"}}}],
        [{"type": "custom", "custom": {"name": "c", "format": {"type": "grammar", "grammar": {"syntax": "pcre"}}}}],
        [{"type": "custom", "custom": {"name": "c", "format": "text"}}],
        [{"type": "web_search", "web_search": {}}],
    ],
)
def test_malformed_tools_are_a_bad_request(tools: Any) -> None:
    with pytest.raises(BadRequestError) as info:
        body_for("openai", {"messages": USER, "tools": tools})
    assert info.value.param == "tools" and info.value.status_code == 400


@pytest.mark.parametrize("name", sorted(COMPAT))
def test_vendors_report_custom_tools_unsupported(name: str) -> None:
    with pytest.raises(UnsupportedParamsError):
        body_for(name, {"messages": USER, "tools": [FUNCTION, CUSTOM]})


def test_vendors_refuse_a_custom_tool_choice() -> None:
    choice = {"type": "custom", "custom": {"name": "sh"}}
    with pytest.raises(UnsupportedParamsError):
        body_for("xai", {"messages": USER, "tools": [FUNCTION], "tool_choice": choice})
    with pytest.warns(modelmux.errors.DroppedParamWarning):
        body = body_for("xai", {"messages": USER, "tools": [FUNCTION], "tool_choice": choice}, drop_params=True)
    assert body["tools"] == [FUNCTION] and "tool_choice" not in body


def test_vendors_drop_custom_tools_when_asked() -> None:
    with pytest.warns(modelmux.errors.DroppedParamWarning):
        body = body_for("groq", {"messages": USER, "tools": [FUNCTION, CUSTOM]}, drop_params=True)
    assert body["tools"] == [FUNCTION]
    with pytest.warns(modelmux.errors.DroppedParamWarning):
        body = body_for("groq", {"messages": USER, "tools": [CUSTOM], "tool_choice": "required"}, drop_params=True)
    assert "tools" not in body and "tool_choice" not in body


# ---------------------------------------------------------------- parameters

LENGTH_CASES = [
    ({"max_tokens": 7}, 7),
    ({"max_completion_tokens": 7}, 7),
    ({"max_tokens": 9, "max_completion_tokens": 7}, 7),  # the newer name wins, as OpenAI documents
]


@pytest.mark.parametrize("name", sorted(PROVIDERS))
@pytest.mark.parametrize(("given", "value"), LENGTH_CASES)
def test_the_length_cap_goes_in_the_field_the_server_knows(name: str, given: dict[str, int], value: int) -> None:
    body = body_for(name, {"messages": USER, **given})
    field = PROVIDERS[name].profile.max_tokens_field
    other = {"max_tokens", "max_completion_tokens"} - {field}
    assert body[field] == value and not other & set(body)


def test_max_tokens_rows() -> None:
    """Each row as its vendor documents it (see the comments in providers/compatible*.py)."""
    fields = {name: p.profile.max_tokens_field for name, p in COMPAT.items()}
    assert {n for n, f in fields.items() if f == "max_completion_tokens"} == {
        "groq",
        "openrouter",
        "xai",
        "cerebras",
        "moonshot",
    }
    assert OPENAI.max_tokens_field == "max_completion_tokens"


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_stream_options_only_where_accepted(name: str) -> None:
    body = body_for(name, {"messages": USER, "stream_options": {"include_usage": True}}, stream=True)
    assert body["stream"] is True
    assert ("stream_options" in body) is PROVIDERS[name].profile.stream_options
    assert ("stream_options" in body) is (name not in {"mistral", "perplexity", "databricks", "zai"})


def test_every_vendor_is_a_row_with_its_profile() -> None:
    for name, row in VENDORS.items():
        provider = PROVIDERS[name]
        assert isinstance(row.profile, Profile) and provider.profile is row.profile
        assert provider.default_api_base == row.api_base and provider.api_key_env == row.api_key_env
        assert row.profile.refusal is False and row.profile.custom_tools is False
    assert COMPAT["mistral"].profile.refusal is False and COMPAT["mistral"].profile.custom_tools is False


def test_older_constructor_keeps_working() -> None:
    """Other providers (Azure) build on OpenAIProvider with the older keyword."""
    old = OpenAIProvider("x", "http://h/v1", ("X_KEY",), max_tokens_as_max_completion_tokens=False)
    assert old.profile.max_tokens_field == "max_tokens" and old.max_tokens_as_max_completion_tokens is False
    assert OpenAIProvider().profile == OPENAI
    ctx = CallContext("x", "m", "http://h/v1")
    assert old.build_chat_request({"messages": USER, "max_completion_tokens": 3}, ctx).json["max_tokens"] == 3
    old.max_tokens_as_max_completion_tokens = True  # the older attribute still steers it
    assert old.build_chat_request({"messages": USER, "max_tokens": 3}, ctx).json == {
        "model": "m",
        "messages": USER,
        "max_completion_tokens": 3,
    }


def test_mistral_end_to_end_gets_max_tokens() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(
            200, json={"id": "x", "choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}]}
        )

    out = modelmux.completion(
        "mistral/mistral-small-latest",
        USER,
        api_key="k",
        max_completion_tokens=5,
        transport=httpx.MockTransport(handler),
    )
    assert seen[0]["max_tokens"] == 5 and "max_completion_tokens" not in seen[0]
    assert out.choices[0].message.content == "hi"
