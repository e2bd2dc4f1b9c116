"""``stream_chunk_builder``: the chunks of a stream → the ``ChatCompletion`` they describe.

Everything a chunk can carry is rebuilt, per choice (``n > 1``): content, refusal, reasoning, tool calls
(function and custom, their fragments joined in order), the legacy ``function_call``, streamed audio (the
``data`` and ``transcript`` fragments joined, ``id`` and ``expires_at`` kept), ``logprobs`` (the ``content``
and ``refusal`` token lists concatenated), ``annotations``, and provider extras on deltas. Linear in the
size of the chunks: fragments are collected in lists and joined once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .types import ChatCompletion, ChatCompletionChunk

__all__ = ["stream_chunk_builder"]

#: Delta fields rebuilt by their own rule; any other field is an extra (see ``_merge_extra``).
_OWN = frozenset(
    {"role", "content", "reasoning_content", "refusal", "tool_calls", "function_call", "audio", "annotations"}
)


class _Choice:
    __slots__ = (
        "annotations",
        "audio",
        "content",
        "extra",
        "finish",
        "function",
        "logprobs",
        "native",
        "reasoning",
        "refusal",
        "tools",
    )

    def __init__(self) -> None:
        self.content: list[str] = []
        self.reasoning: list[str] = []
        self.refusal: list[str] = []
        self.tools: dict[int, dict[str, Any]] = {}
        self.function: dict[str, Any] | None = None
        self.audio: dict[str, Any] | None = None
        self.logprobs: dict[str, list[Any]] | None = None
        self.annotations: list[Any] = []
        self.extra: dict[str, Any] = {}
        self.finish: str | None = None
        self.native: Any = None

    def add(self, choice: dict[str, Any]) -> None:
        delta = choice.get("delta") or {}
        for key, value in delta.items():
            if value is None or value == "":
                continue
            if key == "content":
                self.content.append(value)
            elif key == "reasoning_content":
                self.reasoning.append(value)
            elif key == "refusal":
                self.refusal.append(value)
            elif key == "tool_calls":
                for call in value:
                    self._tool(call)
            elif key == "function_call":
                self._function(value)
            elif key == "audio":
                self._audio(value)
            elif key == "annotations":
                self.annotations.extend(value)
            elif key not in _OWN:
                _merge_extra(self.extra, key, value)
        logprobs = choice.get("logprobs")
        if isinstance(logprobs, dict):
            acc = self.logprobs if self.logprobs is not None else {}
            self.logprobs = acc
            for name, tokens in logprobs.items():
                if isinstance(tokens, list):
                    acc.setdefault(name, []).extend(tokens)
                else:
                    acc.setdefault(name, [])
        if choice.get("finish_reason"):
            self.finish = choice["finish_reason"]
        if choice.get("native_finish_reason"):
            self.native = choice["native_finish_reason"]

    def _tool(self, call: dict[str, Any]) -> None:
        index = call.get("index")
        if not isinstance(index, int):  # some OpenAI-compatible servers omit it: find the call by id
            ids = {slot["id"]: i for i, slot in self.tools.items()}
            if call.get("id") in ids:
                index = ids[call["id"]]
            elif call.get("id") or not self.tools:
                index = len(self.tools)
            else:
                index = max(self.tools)
        slot = self.tools.setdefault(index, {"id": None, "type": None, "name": "", "parts": []})
        if call.get("id"):
            slot["id"] = call["id"]
        if call.get("type"):
            slot["type"] = call["type"]
        for kind, text in (("function", "arguments"), ("custom", "input")):
            spec = call.get(kind)
            if isinstance(spec, dict):
                slot["type"] = slot["type"] or kind
                if spec.get("name"):
                    slot["name"] = spec["name"]
                if spec.get(text):
                    slot["parts"].append(spec[text])

    def _function(self, value: dict[str, Any]) -> None:
        acc: dict[str, Any] = self.function if self.function is not None else {"name": "", "parts": []}
        self.function = acc
        if value.get("name"):
            acc["name"] = value["name"]
        if value.get("arguments"):
            acc["parts"].append(value["arguments"])

    def _audio(self, value: dict[str, Any]) -> None:
        acc: dict[str, Any] = self.audio if self.audio is not None else {"data": [], "transcript": []}
        self.audio = acc
        for key, part in value.items():
            if key in ("data", "transcript"):
                if part:
                    acc[key].append(part)
            elif part is not None:
                acc[key] = part  # id, expires_at: the last value sent

    def message(self) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": "".join(self.content) or None}
        if self.refusal:
            message["refusal"] = "".join(self.refusal)
        if self.reasoning:
            message["reasoning_content"] = "".join(self.reasoning)
        if self.tools:
            message["tool_calls"] = [_tool_call(i, slot) for i, slot in sorted(self.tools.items())]
        if self.function is not None:
            message["function_call"] = {"name": self.function["name"], "arguments": "".join(self.function["parts"])}
        if self.audio is not None:
            audio = dict(self.audio)
            audio["data"] = "".join(self.audio["data"])
            audio["transcript"] = "".join(self.audio["transcript"])
            message["audio"] = audio
        if self.annotations:
            message["annotations"] = self.annotations
        message.update(self.extra)
        return message


def _tool_call(index: int, slot: dict[str, Any]) -> dict[str, Any]:
    call_id = slot["id"] or f"call_{index}"
    if slot["type"] == "custom":
        return {"id": call_id, "type": "custom", "custom": {"name": slot["name"], "input": "".join(slot["parts"])}}
    arguments = "".join(slot["parts"]) or "{}"
    return {"id": call_id, "type": "function", "function": {"name": slot["name"], "arguments": arguments}}


def stream_chunk_builder(
    chunks: Iterable[ChatCompletionChunk | dict[str, Any]],
    messages: Any = None,
    start_time: Any = None,
    end_time: Any = None,
) -> ChatCompletion:
    """Rebuild the full :class:`ChatCompletion` a stream of chunks describes.

    ``messages``, ``start_time`` and ``end_time`` are accepted for LiteLLM compatibility and ignored:
    ``usage`` is the one the stream reported (ask for it with ``stream_options={"include_usage": True}``),
    never an estimate, which would be wrong for every tokenizer but OpenAI's.
    """
    first: dict[str, Any] | None = None
    usage: Any = None
    choices: dict[int, _Choice] = {}
    for item in chunks:
        chunk = item.model_dump(exclude_none=True) if isinstance(item, ChatCompletionChunk) else item
        if first is None:
            first = chunk
        if chunk.get("usage"):
            usage = chunk["usage"]
        for c in chunk.get("choices") or ():
            index = c.get("index", 0)
            acc = choices.get(index)
            if acc is None:
                acc = choices[index] = _Choice()
            acc.add(c)
    if first is None:
        raise ValueError("stream_chunk_builder() needs at least one chunk")
    out_choices = []
    for index in sorted(choices):
        acc = choices[index]
        choice: dict[str, Any] = {
            "index": index,
            "message": acc.message(),
            "finish_reason": acc.finish,
            "logprobs": acc.logprobs,
        }
        if acc.native is not None:
            choice["native_finish_reason"] = acc.native
        out_choices.append(choice)
    result: dict[str, Any] = {
        "id": first.get("id", ""),
        "object": "chat.completion",
        "created": first.get("created", 0),
        "model": first.get("model", ""),
        "choices": out_choices,
        "usage": usage,
    }
    for key in ("system_fingerprint", "service_tier"):
        if first.get(key):
            result[key] = first[key]
    return ChatCompletion.model_validate(result)


def _merge_extra(extra: dict[str, Any], key: str, value: Any) -> None:
    """Provider extras on deltas (e.g. ``thinking_blocks``): lists concatenate, strings join, else last wins."""
    if isinstance(value, list):
        extra.setdefault(key, []).extend(value)
    elif isinstance(value, str) and isinstance(extra.get(key), str):
        extra[key] += value
    else:
        extra[key] = value
