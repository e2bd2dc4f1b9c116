"""Generated text → content, reasoning, tool calls: streamed in any split, the same as whole."""

from __future__ import annotations

import json
from typing import Any

import pytest

from modelmux.providers.text_completion.assemble_output import OutputAssembler, OutputPlan
from modelmux.providers.text_completion.parse_tool_calls import parse_tool_calls
from modelmux.providers.text_completion.stop_scanner import StopScanner


def whole(plan: OutputPlan, text: str) -> tuple[str, str, list[dict[str, Any]] | None, bool]:
    a = OutputAssembler(plan)
    first, last = a.feed(text), a.finish()
    return first.content + last.content, first.reasoning + last.reasoning, last.tool_calls, a.stopped


def pieces(plan: OutputPlan, parts: list[str]) -> tuple[str, str, list[dict[str, Any]] | None, bool]:
    a = OutputAssembler(plan)
    content = reasoning = ""
    calls = None
    for part in [*parts, None]:
        out = a.feed(part) if part is not None else a.finish()
        assert out.tool_calls is None or part is None  # tool calls come whole, at the end
        content, reasoning = content + out.content, reasoning + out.reasoning
        calls = out.tool_calls or calls
    return content, reasoning, calls, a.stopped


def strip_ids(calls: list[dict[str, Any]] | None) -> list[Any] | None:
    return None if calls is None else [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in calls]


def check_all_splits(plan: OutputPlan, text: str) -> tuple[str, str, list[Any] | None, bool]:
    content, reasoning, calls, stopped = whole(plan, text)
    expected = (content, reasoning, strip_ids(calls), stopped)
    for cut in range(len(text) + 1):
        c, r, t, s = pieces(plan, [text[:cut], text[cut:]])
        assert (c, r, strip_ids(t), s) == expected, cut
    c, r, t, s = pieces(plan, list(text))  # one character at a time
    assert (c, r, strip_ids(t), s) == expected
    return expected


def test_stop_scanner_finds_the_first_stop_across_pieces() -> None:
    s = StopScanner(["<|eot_id|>", "STOP"])
    assert s.feed("Hello <|eot") == "Hello "
    assert s.feed("_id|> more") == ""
    assert s.stopped and s.rest == " more"
    s = StopScanner(["<|eot_id|>"])
    assert s.feed("a <|e") == "a "
    assert s.flush() == "<|e"  # ended without completing the stop string


def test_stop_strings_cut_the_text() -> None:
    plan = OutputPlan(stop=("<|im_end|>", "###"))
    assert check_all_splits(plan, "Paris is nice.<|im_end|>junk") == ("Paris is nice.", "", None, True)
    assert check_all_splits(plan, "no stop <|im_en") == ("no stop <|im_en", "", None, False)


def test_hermes_tool_calls() -> None:
    plan = OutputPlan(stop=("<|im_end|>",), tools="hermes")
    text = (
        'Let me check.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n'
        '<tool_call>\n{"name": "get_time", "arguments": {}}\n</tool_call><|im_end|>'
    )
    content, _, calls, _ = check_all_splits(plan, text)
    assert content == "Let me check."
    assert calls == [("get_weather", {"city": "Paris"}), ("get_time", {})]


def test_hermes_call_cut_at_its_closing_tag_by_the_server() -> None:
    plan = OutputPlan(tools="hermes")
    assert check_all_splits(plan, '<tool_call>\n{"name": "f", "arguments": {"x": 1}}\n')[2] == [("f", {"x": 1})]


def test_malformed_tool_call_stays_text() -> None:
    plan = OutputPlan(tools="hermes")
    text = "Try <tool_call>{not json}</tool_call> later"
    assert check_all_splits(plan, text) == (text, "", None, False)


def test_without_tools_the_markup_is_content() -> None:
    text = '<tool_call>{"name": "f", "arguments": {}}</tool_call>'
    assert check_all_splits(OutputPlan(), text) == (text, "", None, False)


def test_llama3_json_tool_calls() -> None:
    plan = OutputPlan(stop=("<|eot_id|>", "<|eom_id|>"), tools="llama3_json")
    text = (
        '<|python_tag|>{"name": "get_weather", "parameters": {"city": "Oslo"}}; {"name": "f", "parameters": {}}'
        "<|eom_id|>"
    )
    assert check_all_splits(plan, text)[2] == [("get_weather", {"city": "Oslo"}), ("f", {})]
    assert check_all_splits(plan, '  {"name": "g", "parameters": {"a": [1]}}')[2] == [("g", {"a": [1]})]


def test_llama3_plain_answers_stream_through() -> None:
    plan = OutputPlan(tools="llama3_json")
    assert check_all_splits(plan, "  The answer is {42}.") == ("  The answer is {42}.", "", None, False)
    assert check_all_splits(plan, '{"not": "a call"}') == ('{"not": "a call"}', "", None, False)


def test_think_tags_become_reasoning() -> None:
    plan = OutputPlan(stop=("<eos>",), reasoning=True)
    assert check_all_splits(plan, "<think>\nHmm.\n</think>\n\nHello<eos>") == ("Hello", "Hmm.\n", None, True)
    assert check_all_splits(plan, "Plain <think> later") == ("Plain <think> later", "", None, False)
    opened = OutputPlan(reasoning=True, thinking_open=True)
    assert check_all_splits(opened, "Let me think.</think>Answer") == ("Answer", "Let me think.", None, False)
    assert check_all_splits(opened, "cut short") == ("", "cut short", None, False)


def test_parse_tool_calls_rejects_text_between_calls() -> None:
    assert (
        parse_tool_calls('<tool_call>{"name": "f"}</tool_call>x<tool_call>{"name": "g"}</tool_call>', "hermes") is None
    )
    assert parse_tool_calls('<tool_call>{"name": "f", "arguments": "{\\"a\\": 1}"}</tool_call>', "hermes") is not None


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_or_blank_answers(text: str) -> None:
    assert check_all_splits(OutputPlan(tools="hermes"), text)[2] is None
