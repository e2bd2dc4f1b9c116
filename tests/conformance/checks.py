"""Shared assertions: an OpenAI-format result against what the native recording says."""

from __future__ import annotations

import json
from typing import Any

import openai.types.chat as oa

import modelmux

from .expected import Expected


def args_of(arguments: str) -> Any:
    try:
        return json.loads(arguments) if arguments else {}
    except ValueError:
        return arguments


def assert_matches(result: modelmux.ChatCompletion, exp: Expected, *, check_ids: bool = True) -> None:
    """Text, reasoning, tool calls, finish reason and usage as the native answer has them."""
    oa.ChatCompletion.model_validate(result.model_dump())
    choice = result.choices[0]
    msg = choice.message
    assert (msg.content or "") == exp.text
    assert (msg.reasoning_content or "") == exp.reasoning
    calls = [(c.function.name, args_of(c.function.arguments), c.id) for c in msg.tool_calls or []]
    assert [(n, a) for n, a, _ in calls] == [(n, a) for n, a, _ in exp.tool_calls]
    if check_ids:
        for (_, _, got), (_, _, want) in zip(calls, exp.tool_calls, strict=True):
            if want is not None:
                assert got == want
    assert len({c[2] for c in calls}) == len(calls), "tool call ids must be unique"
    if exp.native_finish_reason is not None:
        assert choice.finish_reason in {"stop", "length", "tool_calls", "content_filter", "function_call"}
        if calls:
            assert choice.finish_reason == "tool_calls" or exp.native_finish_reason not in ("tool_use", "tool_calls")
    if exp.prompt_tokens is not None:
        assert result.usage is not None and result.usage.prompt_tokens == exp.prompt_tokens
    if exp.completion_tokens is not None:
        assert result.usage is not None and result.usage.completion_tokens == exp.completion_tokens


def assert_chunks_valid(chunks: list[modelmux.ChatCompletionChunk]) -> None:
    """Each chunk is a valid OpenAI chunk; tool-call indices are stable and ids come first."""
    seen: dict[int, str | None] = {}
    for c in chunks:
        oa.ChatCompletionChunk.model_validate(c.model_dump())
        for choice in c.choices:
            for tc in choice.delta.tool_calls or []:
                if tc.index not in seen:
                    assert tc.id, "the first delta of a tool call carries its id"
                    seen[tc.index] = tc.id
                else:
                    assert tc.id in (None, seen[tc.index])
    assert sorted(seen) == list(range(len(seen))), "tool call indexes are 0..n-1"
