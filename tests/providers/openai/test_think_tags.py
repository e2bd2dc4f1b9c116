"""Inline ``<think>`` reasoning (MiniMax-M2, Perplexity sonar-reasoning) split into ``reasoning_content``,
whole and piece by piece, and put back as written for MiniMax."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

import modelmux
from modelmux.providers.openai.split_think_tags import ThinkTags, split_think_tags

CASES = [
    ("<think>plan</think>\n\nanswer", ("plan", "answer")),
    ("  \n<think>a < b </thin k></think>answer </think>", ("a < b </thin k>", "answer </think>")),
    ("no tags at all", (None, "no tags at all")),
    ("answer <think>late</think>", (None, "answer <think>late</think>")),
    ("<think>cut by the length limit", ("cut by the length limit", "")),
    ("<thin", (None, "<thin")),
    ("", (None, "")),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_split_whole(text: str, expected: tuple[str | None, str]) -> None:
    assert split_think_tags(text) == expected


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_every_way_of_cutting_the_text_gives_the_same_split(text: str, expected: tuple[str | None, str]) -> None:
    for size in range(1, len(text) + 1):
        splitter = ThinkTags()
        reasoning = content = ""
        for start in range(0, len(text), size):
            r, c = splitter.feed(text[start : start + size])
            reasoning, content = reasoning + r, content + c
        r, c = splitter.flush()
        assert ((reasoning + r) or None, content + c) == expected, size


def sse(pieces: list[str]) -> str:
    chunks = [
        {"id": "m", "model": "MiniMax-M2", "choices": [{"index": 0, "delta": {"content": p},
         "finish_reason": "stop" if i == len(pieces) - 1 else None}]}
        for i, p in enumerate(pieces)
    ]  # fmt: skip
    return "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"


def run(model: str, answer: Any, **kwargs: Any) -> tuple[Any, list[dict[str, Any]]]:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        if isinstance(answer, str):
            return httpx.Response(200, content=answer.encode(), headers={"content-type": "text/event-stream"})
        return httpx.Response(200, json=answer)

    kwargs.setdefault("messages", [{"role": "user", "content": "q"}])
    result = modelmux.completion(model, api_key="k", transport=httpx.MockTransport(handler), **kwargs)
    return (list(result) if kwargs.get("stream") else result), seen


TEXT = "<think>The user greets.\nReply briefly.</think>\n\nHello!"


@pytest.mark.parametrize("model", ["minimax/MiniMax-M2", "perplexity/sonar-reasoning-pro"])
def test_split_in_answers_and_streams_alike(model: str) -> None:
    answer = {"id": "m", "choices": [{"index": 0, "message": {"role": "assistant", "content": TEXT},
                                      "finish_reason": "stop"}]}  # fmt: skip
    whole, _ = run(model, answer)
    message = whole.choices[0].message
    assert (message.reasoning_content, message.content) == ("The user greets.\nReply briefly.", "Hello!")
    chunks, _ = run(model, sse(["<th", "ink>The user gr", "eets.\nReply briefly.</thi", "nk>\n", "\nHel", "lo!"]),
                    stream=True)  # fmt: skip
    built = modelmux.stream_chunk_builder(chunks).choices[0].message
    assert (built.reasoning_content, built.content) == (message.reasoning_content, message.content)


def test_other_rows_keep_think_tags_in_the_text() -> None:
    answer = {"id": "m", "choices": [{"index": 0, "message": {"role": "assistant", "content": TEXT},
                                      "finish_reason": "stop"}]}  # fmt: skip
    result, _ = run("groq/qwen", answer)
    assert result.choices[0].message.content == TEXT and result.choices[0].message.reasoning_content is None


def test_minimax_gets_its_thinking_back_as_written() -> None:
    history = [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "Hello!", "reasoning_content": "The user greets."},
        {"role": "assistant", "content": "<think>kept</think>\n\nHi", "reasoning_content": "kept"},
        {"role": "user", "content": "again"},
    ]
    _, seen = run("minimax/MiniMax-M2", {"id": "m", "choices": []}, messages=history)
    sent = seen[0]["messages"]
    assert sent[1] == {"role": "assistant", "content": "<think>The user greets.</think>\n\nHello!"}
    assert sent[2] == {"role": "assistant", "content": "<think>kept</think>\n\nHi"}  # not twice
