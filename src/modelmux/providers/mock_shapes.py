"""The mock's answers in OpenAI's shapes: a ``ChatCompletion`` with ``n`` choices, or its stream of chunks.

Streams go as OpenAI's do: a role chunk, the text word by word, each tool call as a first delta with its id and
name followed by its arguments in pieces, a finish chunk per choice, and the usage chunk when asked for.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from ..types import ChatCompletion, ChatCompletionChunk

__all__ = ["Reply", "build_chunks", "build_completion", "truncate_words"]

_WORDS = re.compile(r"\s*\S+\s*")
#: Characters of tool-call arguments per streamed delta (OpenAI sends a few tokens at a time).
_ARGUMENT_PIECE = 24


@dataclass(slots=True)
class Reply:
    """One choice's answer: text and/or tool calls (``{"id", "type", "function": {"name", "arguments"}}``)."""

    text: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False  # cut at max_tokens

    @property
    def finish_reason(self) -> str:
        return "length" if self.truncated else "tool_calls" if self.tool_calls else "stop"


def truncate_words(text: str, max_tokens: int) -> tuple[str, bool]:
    """``text`` cut to the words that fit in ``max_tokens`` (about 4 characters a token), and whether it was cut."""
    kept: list[str] = []
    used = 0
    for word in _WORDS.findall(text):
        used += max(1, (len(word) + 3) // 4)
        if used > max_tokens:
            return "".join(kept), True
        kept.append(word)
    return text, False


def build_completion(id: str, model: str, replies: list[Reply], usage: dict[str, Any]) -> ChatCompletion:
    choices = []
    for i, reply in enumerate(replies):
        message: dict[str, Any] = {"role": "assistant", "content": reply.text}
        if reply.tool_calls:
            message["tool_calls"] = reply.tool_calls
        choices.append({"index": i, "message": message, "finish_reason": reply.finish_reason, "logprobs": None})
    return ChatCompletion.model_validate(
        {
            "id": id,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": choices,
            "usage": usage,
        }
    )


def _pieces(text: str) -> list[str]:
    return [text[i : i + _ARGUMENT_PIECE] for i in range(0, len(text), _ARGUMENT_PIECE)] or [""]


def _deltas(reply: Reply) -> list[tuple[dict[str, Any], str | None]]:
    out: list[tuple[dict[str, Any], str | None]] = [({"role": "assistant", "content": ""}, None)]
    out += [({"content": word}, None) for word in _WORDS.findall(reply.text or "")]
    for k, call in enumerate(reply.tool_calls):
        fn = call["function"]
        head = {"index": k, "id": call["id"], "type": "function", "function": {"name": fn["name"], "arguments": ""}}
        out.append(({"tool_calls": [head]}, None))
        out += [({"tool_calls": [{"index": k, "function": {"arguments": p}}]}, None) for p in _pieces(fn["arguments"])]
    out.append(({}, reply.finish_reason))
    return out


def build_chunks(id: str, model: str, replies: list[Reply], usage: dict[str, Any] | None) -> list[ChatCompletionChunk]:
    """Every chunk of the stream, in order (choices one after the other, as their index says)."""
    created = int(time.time())
    base = {"id": id, "object": "chat.completion.chunk", "created": created, "model": model}
    chunks = [
        ChatCompletionChunk.model_validate(
            {**base, "choices": [{"index": i, "delta": delta, "finish_reason": finish, "logprobs": None}]}
        )
        for i, reply in enumerate(replies)
        for delta, finish in _deltas(reply)
    ]
    if usage is not None:
        chunks.append(ChatCompletionChunk.model_validate({**base, "choices": [], "usage": usage}))
    return chunks
