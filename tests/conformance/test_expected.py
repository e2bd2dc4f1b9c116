"""Tests for expected.py: hand-checked cassettes, synthetic edge cases, and a cross-check of every recorded chat
response against the official provider SDKs (anthropic, openai, google-genai) talking to a ReplayServer."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from .cassette import CASSETTES_ROOT, CHAT_PROVIDER_CLASSES, Interaction, iter_cassettes, load_cassette
from .expected import (
    Expected,
    expected_for,
    expected_from_anthropic,
    expected_from_gemini,
    expected_from_openai,
    parse_sse,
)
from .replay import ReplayServer

CHAT = [i for p in iter_cassettes(CASSETTES_ROOT, CHAT_PROVIDER_CLASSES) for i in load_cassette(p) if i.is_chat]


def _one(rel: str, index: int = 0) -> Interaction:
    return load_cassette(CASSETTES_ROOT / rel)[index]


def _id(it: Interaction) -> str:
    assert it.cassette is not None
    return f"{it.cassette.relative_to(CASSETTES_ROOT)}#{it.index}"


# ---------------------------------------------------------------------------------------------------------
# SSE parsing
# ---------------------------------------------------------------------------------------------------------


def test_parse_sse_rules() -> None:
    text = ': comment\r\nevent: a\r\ndata: {"x": 1}\r\n\r\ndata:no-space\ndata:  two\n\nevent: lonely\n\ndata: last'
    events = parse_sse(text)
    assert [(e.event, e.data) for e in events] == [
        ("a", '{"x": 1}'),
        (None, "no-space\n two"),
        (None, "last"),
    ]
    assert events[0].json() == {"x": 1}


# ---------------------------------------------------------------------------------------------------------
# hand-checked recordings
# ---------------------------------------------------------------------------------------------------------


def test_anthropic_stream_text_ruby_vcr() -> None:
    it = _one("ruby_llm/anthropic/chat_streaming_responses_anthropic_claude-haiku-4-5_supports_streaming_responses.yml")
    assert expected_for(it) == Expected("1\n2\n3", "", [], "end_turn", 15, 9)
    assert expected_from_anthropic(it.text) == expected_from_anthropic(it.response_body)


def test_anthropic_stream_thinking_gzip() -> None:
    it = _one("llm-anthropic/anthropic/test_stream_events_thinking.yaml")
    exp = expected_from_anthropic(it.response_body)  # raw gzip bytes accepted
    assert exp.text == '1. **Pouch** - references their iconic bill pouch\n2. **Pelé** - playful take on "pelican"'
    assert exp.reasoning and exp.reasoning not in exp.text
    assert (exp.native_finish_reason, exp.prompt_tokens, exp.completion_tokens) == ("end_turn", 46, 133)


def test_anthropic_stream_tool_call() -> None:
    it = _one("crewAI/anthropic/TestAnthropicToolCallStreaming.test_anthropic_streaming_emits_tool_call_events.yaml")
    exp = expected_for(it)
    assert [(n, a) for n, a, _ in exp.tool_calls] == [("get_current_temperature", {"city": "San Francisco"})]
    assert exp.tool_calls[0][2] is not None and exp.tool_calls[0][2].startswith("toolu_")
    assert exp.text.startswith("I'll")
    assert (exp.native_finish_reason, exp.prompt_tokens, exp.completion_tokens) == ("tool_use", 351, 85)


def test_anthropic_parallel_tool_calls_json() -> None:
    exp = expected_for(_one("pydantic-ai/anthropic/test_multiple_parallel_tool_calls.yaml"))
    assert [(n, a) for n, a, _ in exp.tool_calls] == [
        ("retrieve_entity_info", {"name": name}) for name in ("Alice", "Bob", "Charlie", "Daisy")
    ]
    assert len({i for _, _, i in exp.tool_calls}) == 4
    assert exp.native_finish_reason == "tool_use"


def test_anthropic_server_tool_use_is_not_a_tool_call() -> None:
    for index in (0, 1):
        it = _one("pydantic-ai/anthropic/test_pause_turn_web_search_streaming_vcr.yaml", index)
        assert b"server_tool_use" in it.response_body
        assert expected_for(it).tool_calls == []
    assert expected_for(_one("pydantic-ai/anthropic/test_pause_turn_web_search_vcr.yaml")).native_finish_reason == (
        "pause_turn"
    )


def test_anthropic_errors() -> None:
    auth = expected_for(
        _one("ruby_llm/anthropic/chat_error_handling_with_anthropic_claude-haiku-4-5_raises_appropriate_auth_error.yml")
    )
    assert (auth.error_status, auth.error_message, auth.text) == (401, "invalid x-api-key", "")
    assert auth.is_error
    not_found = expected_for(_one("pydantic-ai/anthropic/test_model_name_suggestion[anthropic].yaml"))
    assert (not_found.error_status, not_found.error_message) == (404, "model: claude-sonet-4-5")


def test_gemini_sse_stream() -> None:
    it = _one("pydantic-ai/gemini/test_google_model_stream.yaml")
    assert b"\r\n\r\n" in it.response_body  # Gemini separates SSE events with CRLF CRLF
    assert expected_for(it) == Expected("The capital of France is Paris.\n", "", [], "STOP", 13, 8)


def test_gemini_json_array_stream_with_thoughts() -> None:
    it = _one("llm-gemini/gemini/test_prompt.yaml")
    assert it.stream_format == "json-array"
    exp = expected_from_gemini(gzip.decompress(it.response_body).decode())
    assert exp.text == "Scoop"
    assert exp.reasoning.startswith("**Considering the Constraint**")
    assert (exp.native_finish_reason, exp.prompt_tokens, exp.completion_tokens) == ("STOP", 11, 2 + 291)


def test_gemini_function_call_and_safety() -> None:
    exp = expected_for(_one("pydantic-ai/gemini/test_tool_choice_matrix[auto-google].yaml"))
    assert exp.tool_calls == [("get_weather", {"city": "Paris"}, None)] and exp.text == ""
    safety = expected_for(_one("pydantic-ai/gemini/test_google_model_safety_settings.yaml"))
    assert (safety.text, safety.native_finish_reason, safety.prompt_tokens, safety.completion_tokens) == (
        "",
        "SAFETY",
        14,
        None,
    )


def test_gemini_errors() -> None:
    sse_error = expected_for(_one("crewAI/gemini/test_google_streaming_returns_usage_metrics.yaml"))
    assert (sse_error.error_status, sse_error.error_message) == (400, "API key not valid. Please pass a valid API key.")
    quota = expected_from_gemini(
        _one(
            "ruby_llm/gemini/chat_real_error_scenarios_gemini_gemini-2_5-flash_handles_context_length_exceeded_errors.yml"
        ).decoded_body()
    )  # no status given: taken from error.code
    assert quota.error_status == 429 and quota.error_message is not None
    assert quota.error_message.startswith("You exceeded your current quota")


def test_openai_stream_tool_call_and_text() -> None:
    calls = expected_for(_one("pydantic-ai/openai-chat/test_run_stream_sync_streams_real_model.yaml", 0))
    assert calls == Expected(
        "", "", [("get_capital", {"country": "UK"}, "call_ZR5UUuTt3pf61kjwAJIYdVMj")], "tool_calls", 53, 15
    )
    text = expected_for(_one("pydantic-ai/openai-chat/test_run_stream_sync_streams_real_model.yaml", 1))
    assert (text.native_finish_reason, text.prompt_tokens, text.completion_tokens) == ("stop", 78, 9)
    assert text.text and not text.tool_calls


def test_openai_null_arguments_variant() -> None:
    exp = expected_for(_one("llm/openai-chat/test_tools_streaming_variant_d.yaml"))
    assert exp.tool_calls == [("llm_version", {}, "0")]
    assert exp.native_finish_reason == "tool_calls"


def test_openai_error() -> None:
    exp = expected_for(_one("crewAI/openai-chat/test_llm_call_with_error.yaml"))
    assert exp.error_status == 404
    assert exp.error_message == "The model `non-existent-model` does not exist or you do not have access to it."


def test_expected_for_rejects_non_chat() -> None:
    with pytest.raises(ValueError, match="not a chat"):
        expected_for(_one("pydantic-ai/gemini/test_google_model_image_url_input.yaml"))


# ---------------------------------------------------------------------------------------------------------
# synthetic edge cases
# ---------------------------------------------------------------------------------------------------------


def _sse(*events: tuple[str | None, dict[str, Any]]) -> str:
    return "".join((f"event: {n}\n" if n else "") + f"data: {json.dumps(d)}\n\n" for n, d in events)


def test_anthropic_cache_tokens_and_error_event() -> None:
    body = _sse(
        (
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "usage": {
                        "input_tokens": 5,
                        "cache_creation_input_tokens": 7,
                        "cache_read_input_tokens": 11,
                        "output_tokens": 1,
                    }
                },
            },
        ),
        (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "tool_use", "id": "t1", "name": "f", "input": {}},
            },
        ),
        (
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "input_json_delta", "partial_json": '{"a": [1,'},
            },
        ),
        (
            "content_block_delta",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": " 2]}"}},
        ),
        (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 1,
                "content_block": {"type": "tool_use", "id": "t2", "name": "g", "input": {}},
            },
        ),
        (
            "message_delta",
            {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 9}},
        ),
        ("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
    )
    exp = expected_from_anthropic(body, status=200)
    assert exp.tool_calls == [("f", {"a": [1, 2]}, "t1"), ("g", {}, "t2")]
    assert (exp.prompt_tokens, exp.completion_tokens) == (5 + 7 + 11, 9)
    assert (exp.error_status, exp.error_message) == (None, "Overloaded")
    json_body = {
        "content": [
            {"type": "redacted_thinking", "data": "x"},
            {"type": "text", "text": "a"},
            {"type": "thinking", "thinking": "t", "signature": "s"},
            {"type": "text", "text": "b"},
        ],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 1, "cache_read_input_tokens": 2, "output_tokens": 3},
    }
    assert expected_from_anthropic(json_body) == Expected("ab", "t", [], "end_turn", 3, 3)


def test_openai_stream_edge_cases() -> None:
    body = (
        "".join(
            f"data: {json.dumps(c)}\n\n"
            for c in [
                {"choices": [{"index": 0, "delta": {"reasoning_content": "hm"}}]},
                {"choices": [{"index": 1, "delta": {"content": "other choice"}}]},
                {
                    "choices": [
                        {
                            "index": 0,
                            "delta": {
                                "content": "hi",
                                "tool_calls": [
                                    {"index": 1, "id": "b", "function": {"name": "g", "arguments": "not json"}},
                                    {"index": 0, "id": "a", "function": {"name": "f", "arguments": '{"x"'}},
                                ],
                            },
                        }
                    ]
                },
                {
                    "choices": [
                        {
                            "index": 0,
                            "delta": {"tool_calls": [{"index": 0, "function": {"arguments": ": 1}"}}]},
                            "finish_reason": "tool_calls",
                        }
                    ]
                },
                {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 4}},
            ]
        )
        + "data: [DONE]\n\n"
    )
    assert expected_from_openai(body) == Expected(
        "hi", "hm", [("f", {"x": 1}, "a"), ("g", "not json", "b")], "tool_calls", 3, 4
    )
    err = expected_from_openai('data: {"error": {"message": "boom", "code": 500}}\n\n')
    assert (err.error_status, err.error_message) == (500, "boom")


def test_gemini_array_error_and_block_reason() -> None:
    err = expected_from_gemini([{"error": {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}}])
    assert (err.error_status, err.error_message) == (503, "overloaded")
    blocked = expected_from_gemini(
        {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 4}}
    )
    assert (blocked.native_finish_reason, blocked.prompt_tokens, blocked.completion_tokens) == ("SAFETY", 4, None)


# ---------------------------------------------------------------------------------------------------------
# cross-check against the official SDKs (they parse the same replayed bytes over real HTTP)
# ---------------------------------------------------------------------------------------------------------


def _via_anthropic_sdk(it: Interaction, server: ReplayServer) -> Expected:
    import anthropic

    client = _client(server, "anthropic", lambda: anthropic.Anthropic(api_key="k", base_url=server.url, max_retries=0))
    kwargs: dict[str, Any] = {"model": "m", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
    try:
        if it.is_stream:
            with client.messages.stream(**kwargs) as stream:
                msg = stream.get_final_message()
        else:
            msg = client.messages.create(**kwargs)
    except anthropic.APIStatusError as exc:
        return Expected(error_status=exc.status_code, error_message=exc.body["error"]["message"])
    u = msg.usage
    return Expected(
        text="".join(b.text for b in msg.content if b.type == "text"),
        reasoning="".join(b.thinking for b in msg.content if b.type == "thinking"),
        tool_calls=[(b.name, b.input, b.id) for b in msg.content if b.type == "tool_use"],
        native_finish_reason=msg.stop_reason,
        prompt_tokens=u.input_tokens + (u.cache_creation_input_tokens or 0) + (u.cache_read_input_tokens or 0),
        completion_tokens=u.output_tokens,
    )


def _via_openai_sdk(it: Interaction, server: ReplayServer) -> Expected:
    import openai
    from openai.lib.streaming.chat import ChatCompletionStreamState

    client = _client(server, "openai", lambda: openai.OpenAI(api_key="k", base_url=server.url + "/v1", max_retries=0))
    kwargs: dict[str, Any] = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    try:
        if it.is_stream:
            state: Any = ChatCompletionStreamState()
            for chunk in client.chat.completions.create(stream=True, **kwargs):
                state.handle_chunk(chunk)
            completion = state.get_final_completion()
        else:
            completion = client.chat.completions.create(**kwargs)
    except openai.APIStatusError as exc:
        return Expected(error_status=exc.status_code, error_message=exc.body["message"])
    choice = completion.choices[0]
    message = choice.message
    return Expected(
        text=message.content or "",
        reasoning="",  # the SDK does not model reasoning_content
        tool_calls=[
            (t.function.name, json.loads(t.function.arguments or "{}"), t.id) for t in message.tool_calls or []
        ],
        native_finish_reason=choice.finish_reason,
        prompt_tokens=completion.usage.prompt_tokens if completion.usage else None,
        completion_tokens=completion.usage.completion_tokens if completion.usage else None,
    )


def _accumulate_gemini(responses: list[Any]) -> Expected:
    exp = Expected()
    for r in responses:
        if r.candidates:
            cand = r.candidates[0]
            for part in (cand.content.parts if cand.content else None) or []:
                if part.text is not None:
                    if part.thought:
                        exp.reasoning += part.text
                    else:
                        exp.text += part.text
                if part.function_call:
                    call = part.function_call
                    exp.tool_calls.append((call.name, call.args or {}, call.id))
            if cand.finish_reason:
                exp.native_finish_reason = cand.finish_reason.value
        if r.usage_metadata:
            u = r.usage_metadata
            exp.prompt_tokens = u.prompt_token_count
            counts = [c for c in (u.candidates_token_count, u.thoughts_token_count) if c is not None]
            exp.completion_tokens = sum(counts) if counts else None
    return exp


def _via_gemini_sdk(it: Interaction, server: ReplayServer) -> Expected:
    from google import genai
    from google.genai import errors

    client = _client(server, "gemini", lambda: genai.Client(api_key="k", http_options={"base_url": server.url}))
    if it.stream_format == "json-array":
        # The SDK only streams ``alt=sse``: let it parse each array item as a generateContent response.
        items = [
            replace(
                it,
                url=it.url.replace(":streamGenerateContent", ":generateContent"),
                response_headers=[("content-type", "application/json")],
                response_body=json.dumps(chunk).encode(),
            )
            for chunk in it.json()
        ]
        server.reset(items)
        return _accumulate_gemini([client.models.generate_content(model="m", contents="hi") for _ in items])
    try:
        if it.is_stream:
            responses = list(client.models.generate_content_stream(model="m", contents="hi"))
        else:
            responses = [client.models.generate_content(model="m", contents="hi")]
    except errors.APIError as exc:
        return Expected(error_status=exc.code, error_message=exc.message)
    return _accumulate_gemini(responses)


_SDKS = {"anthropic": _via_anthropic_sdk, "openai-chat": _via_openai_sdk, "gemini": _via_gemini_sdk}
_CLIENTS: dict[tuple[int, str], Any] = {}


def _client(server: ReplayServer, name: str, make: Callable[[], Any]) -> Any:
    """SDK clients are slow to build: one per server and SDK."""
    key = (id(server), name)
    if key not in _CLIENTS:
        _CLIENTS[key] = make()
    return _CLIENTS[key]


@pytest.fixture(scope="module")
def sdk_server() -> Iterator[ReplayServer]:
    with ReplayServer([]) as server:
        yield server
    _CLIENTS.clear()


@pytest.mark.parametrize("it", CHAT, ids=_id)
def test_expected_matches_official_sdk(it: Interaction, sdk_server: ReplayServer) -> None:
    assert it.provider_class is not None
    sdk_server.reset(it)
    got = _SDKS[it.provider_class](it, sdk_server)
    assert not sdk_server.unused and not sdk_server.errors
    exp = expected_for(it)
    if it.provider_class == "openai-chat":
        got.reasoning = exp.reasoning
    if it.status >= 400:
        assert (got.error_status, got.error_message) == (exp.error_status, exp.error_message)
        assert exp.text == "" and exp.tool_calls == []
    else:
        assert got == exp
        assert not exp.is_error
        assert exp.text or exp.tool_calls or exp.reasoning or exp.native_finish_reason in {"SAFETY", "MAX_TOKENS"}
