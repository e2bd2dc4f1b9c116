"""History round-trips: placeholder thought signatures for foreign tool calls, refusals, linear merging."""

from __future__ import annotations

import gc
import json
import time
from typing import Any

import pytest
from google.genai import types as genai

from modelmux.providers._base import CallContext
from modelmux.providers.gemini import provider
from modelmux.providers.gemini.convert_messages import convert_messages
from modelmux.providers.gemini.tool_call_ids import SKIP_SIGNATURE, join_tool_call_id

REAL = "c2lnbmF0dXJlLW9uZQ=="


def call(call_id: str, name: str = "f", args: Any = None) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(args or {})}}


def result(call_id: str, content: str = "ok") -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call_id, "content": content}


def contents_of(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    _, contents = convert_messages(messages)
    for content in contents:
        genai.Content.model_validate(content)
    return contents


def signatures(content: dict[str, Any]) -> list[str | None]:
    return [p.get("thoughtSignature") for p in content["parts"] if "functionCall" in p]


def test_foreign_calls_of_the_current_turn_get_the_placeholder_on_the_first_call_of_each_step() -> None:
    contents = contents_of(
        [
            {"role": "user", "content": "plan a trip"},
            {"role": "assistant", "content": None, "tool_calls": [call("toolu_01A"), call("toolu_01B")]},
            result("toolu_01A"),
            result("toolu_01B"),
            {"role": "assistant", "content": "one more", "tool_calls": [call("toolu_01C")]},
            result("toolu_01C"),
        ]
    )
    assert [c["role"] for c in contents] == ["user", "model", "user", "model", "user"]
    assert signatures(contents[1]) == [SKIP_SIGNATURE, None]  # parallel calls: only the first is signed
    assert signatures(contents[3]) == [SKIP_SIGNATURE]
    assert "thoughtSignature" not in contents[3]["parts"][0]  # the text part is left alone


def test_earlier_turns_are_not_touched() -> None:
    contents = contents_of(
        [
            {"role": "user", "content": "first question"},
            {"role": "assistant", "tool_calls": [call("call_old")]},
            result("call_old"),
            {"role": "assistant", "content": "done"},
            {"role": "user", "content": "second question"},
            {"role": "assistant", "tool_calls": [call("call_new")]},
            result("call_new"),
        ]
    )
    assert signatures(contents[1]) == [None]
    assert signatures(contents[-2]) == [SKIP_SIGNATURE]


def test_a_user_text_after_tool_results_starts_a_new_turn() -> None:
    contents = contents_of(
        [
            {"role": "user", "content": "q"},
            {"role": "assistant", "tool_calls": [call("c1")]},
            result("c1"),
            {"role": "user", "content": "and now?"},  # merged with the function response: standard content
        ]
    )
    assert signatures(contents[1]) == [None]


def test_real_signatures_are_kept_and_not_replaced() -> None:
    signed = join_tool_call_id("call_g", REAL)
    extra = {**call("call_h"), "extra_content": {"google": {"thought_signature": REAL}}}
    contents = contents_of(
        [
            {"role": "user", "content": "q"},
            {"role": "assistant", "tool_calls": [call(signed), call("call_x")]},
            result(signed),
            result("call_x"),
            {"role": "assistant", "tool_calls": [extra]},
            result("call_h"),
        ]
    )
    assert signatures(contents[1]) == [REAL, None]
    assert signatures(contents[3]) == [REAL]


def test_conversation_starting_with_the_model_is_all_current_turn() -> None:
    contents = contents_of([{"role": "assistant", "tool_calls": [call("c1")]}, result("c1")])
    assert signatures(contents[0]) == [SKIP_SIGNATURE]


def test_cross_provider_history_builds_a_valid_request(validate_body: Any, make_ctx: Any) -> None:
    """An Anthropic-made history sent to Gemini 3: every step of the current turn is signed."""
    messages = [
        {"role": "system", "content": "be helpful"},
        {"role": "user", "content": "weather in Paris and Oslo?"},
        {"role": "assistant", "content": "Checking.", "tool_calls": [call("toolu_1", "w", {"c": "Paris"})]},
        result("toolu_1", '{"t": 21}'),
        {"role": "assistant", "content": None, "tool_calls": [call("toolu_2", "w", {"c": "Oslo"})]},
        result("toolu_2", '{"t": 3}'),
    ]
    ctx: CallContext = make_ctx("gemini-3-pro-preview")
    body = provider.build_chat_request({"messages": messages}, ctx).json
    validate_body(body)
    model_turns = [c for c in body["contents"] if c["role"] == "model"]
    assert [signatures(c) for c in model_turns] == [[SKIP_SIGNATURE], [SKIP_SIGNATURE]]


@pytest.mark.parametrize("content", [None, "", []])
def test_refusal_only_assistant_message_stays_a_model_turn(content: Any) -> None:
    contents = contents_of(
        [
            {"role": "user", "content": "do something bad"},
            {"role": "assistant", "content": content, "refusal": "I can't help with that."},
            {"role": "user", "content": "ok, something else"},
        ]
    )
    assert contents == [
        {"role": "user", "parts": [{"text": "do something bad"}]},
        {"role": "model", "parts": [{"text": "I can't help with that."}]},
        {"role": "user", "parts": [{"text": "ok, something else"}]},
    ]


def test_refusal_next_to_content_does_not_duplicate_it() -> None:
    contents = contents_of(
        [{"role": "user", "content": "x"}, {"role": "assistant", "content": "text", "refusal": "no"}]
    )
    assert contents[1]["parts"] == [{"text": "text"}]


def test_tool_result_mentioning_ref_is_sent_as_text() -> None:
    schema = '{"type": "object", "properties": {"a": {"$ref": "#/$defs/A"}}}'
    contents = contents_of(
        [{"role": "user", "content": "q"}, {"role": "assistant", "tool_calls": [call("c1")]}, result("c1", schema)]
    )
    assert contents[2]["parts"][0]["functionResponse"]["response"] == {"result": schema}


def test_merging_many_consecutive_messages_is_linear() -> None:
    def build(n: int) -> float:
        messages = [{"role": "user", "content": f"m{i}"} for i in range(n)]
        best = float("inf")
        gc.disable()
        try:
            for _ in range(5):
                start = time.perf_counter()
                contents = convert_messages(messages)[1]
                best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
        assert len(contents) == 1 and len(contents[0]["parts"]) == n
        return best

    small, large = build(10_000), build(100_000)
    assert large < small * 50  # 10x the input; a quadratic merge would take 100x (best of 5: the machine is shared)


def test_legacy_function_call_is_kept() -> None:
    contents = contents_of(
        [
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": None, "function_call": {"name": "lookup", "arguments": '{"q": 1}'}},
            {"role": "function", "name": "lookup", "content": '{"hit": true}'},
        ]
    )
    assert contents[1]["parts"] == [
        {"functionCall": {"name": "lookup", "args": {"q": 1}}, "thoughtSignature": SKIP_SIGNATURE}
    ]
    assert contents[2]["parts"] == [{"functionResponse": {"name": "lookup", "response": {"hit": True}}}]


@pytest.mark.parametrize("calls", [["not a call"], [{"id": "c", "function": "f"}]])
def test_malformed_tool_calls_are_bad_requests(calls: list[Any]) -> None:
    from modelmux.errors import BadRequestError

    with pytest.raises(BadRequestError, match=r"messages\[1\]"):
        convert_messages([{"role": "user", "content": "q"}, {"role": "assistant", "tool_calls": calls}])
