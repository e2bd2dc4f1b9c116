"""Chat completion chunks → the Responses stream events (pure, one object per stream).

The sequence (https://platform.openai.com/docs/api-reference/responses-streaming): ``response.created``,
``response.in_progress``; per output item ``response.output_item.added`` … ``response.output_item.done``, with in
between for a message ``response.content_part.added``, ``response.output_text.delta``\\*, ``…output_text.done``,
``response.content_part.done`` (a refusal: ``response.refusal.delta``/``.done`` in a part of its own; citations:
``response.output_text.annotation.added``); for a function call ``response.function_call_arguments.delta``\\* and
``…done``; for reasoning ``response.reasoning_summary_part.added``, ``response.reasoning_summary_text.delta``\\*,
``….done``, ``response.reasoning_summary_part.done``; then ``response.completed`` (or ``response.incomplete``) with
usage. A failure after the start is an ``error`` event, then ``response.failed``.

``sequence_number`` counts every event from 0; ``output_index`` numbers the items in the order they start. Reasoning
and the message close when the next item starts; function calls stay open until the end (some vendors interleave
the deltas of parallel calls), then close in order.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from ..types import ChatCompletionChunk
from .convert_input import reasoning_payload
from .convert_output import annotations_of, convert_usage, map_status, new_id

__all__ = ["EventTranslator"]

Event = dict[str, Any]


class _Open:
    """An output item being streamed."""

    __slots__ = ("extra", "index", "item_id", "parts")

    def __init__(self, index: int, item_id: str) -> None:
        self.index = index
        self.item_id = item_id
        self.parts: list[str] = []
        self.extra: dict[str, Any] = {}


class EventTranslator:
    """``start()``, then ``feed(chunk)`` per chunk, then ``finish()`` (or ``fail(...)``); each returns events.
    ``response`` is the final response once ``finish()`` ran."""

    def __init__(self, base: dict[str, Any]) -> None:
        self._base = base
        self._seq = 0
        self._output: list[dict[str, Any] | None] = []  # finished items by output_index
        self._reasoning: _Open | None = None
        self._thinking: list[Any] = []
        self._message: _Open | None = None
        self._calls: dict[int, _Open] = {}  # by the chunk's tool-call index, while open
        self._open_calls: list[_Open] = []
        self._finish: str | None = None
        self._usage: Any = None
        self.response: dict[str, Any] | None = None

    # ------------------------------------------------------------------ lifecycle

    def _event(self, kind: str, **fields: Any) -> Event:
        event = {"type": kind, **fields, "sequence_number": self._seq}
        self._seq += 1
        return event

    def _snapshot(self, **changes: Any) -> dict[str, Any]:
        return {**self._base, **changes}

    def start(self) -> list[Event]:
        response = self._snapshot()
        return [
            self._event("response.created", response=response),
            self._event("response.in_progress", response=self._snapshot()),
        ]

    def feed(self, chunk: ChatCompletionChunk) -> list[Event]:
        out: list[Event] = []
        if chunk.usage is not None:
            self._usage = chunk.usage
        for choice in chunk.choices:
            if choice.index != 0:
                continue
            delta = choice.delta
            extra = delta.model_extra or {}
            if delta.reasoning_content:
                self._reasoning_delta(delta.reasoning_content, out)
            blocks = extra.get("thinking_blocks")
            if isinstance(blocks, list) and blocks:
                if self._reasoning is None:
                    self._open_reasoning(out)
                self._thinking.extend(blocks)
            if delta.content:
                self._text_delta(delta.content, out)
            if delta.refusal:
                self._refusal_delta(delta.refusal, out)
            if isinstance(extra.get("annotations"), list):
                self._annotations(extra["annotations"], out)
            for call in delta.tool_calls or ():
                self._call_delta(call, out)
            if choice.finish_reason:
                self._finish = choice.finish_reason
        return out

    def finish(self) -> list[Event]:
        out: list[Event] = []
        status, incomplete = map_status(self._finish)
        self._close_reasoning(out)
        self._close_message(out, status)
        for call in self._open_calls:
            self._close_call(call, out)
        self._open_calls, self._calls = [], {}
        response = self._snapshot(
            status=status,
            incomplete_details=incomplete,
            output=[item for item in self._output if item is not None],
            usage=convert_usage(self._usage),
        )
        if status == "completed":
            response["completed_at"] = int(time.time())
        self.response = response
        kind = "response.completed" if status == "completed" else "response.incomplete"
        out.append(self._event(kind, response=response))
        return out

    def fail(self, message: str, code: str = "server_error") -> list[Event]:
        """The events that end a stream whose source failed: ``error``, then ``response.failed``."""
        error = {"code": code, "message": message}
        response = self._snapshot(
            status="failed", error=error, output=[item for item in self._output if item is not None]
        )
        self.response = response
        return [
            self._event("error", code=code, message=message, param=None),
            self._event("response.failed", response=response),
        ]

    # ------------------------------------------------------------------ items

    def _add(self, item: dict[str, Any], out: list[Event]) -> int:
        index = len(self._output)
        self._output.append(None)
        out.append(self._event("response.output_item.added", output_index=index, item=item))
        return index

    def _done(self, index: int, item: dict[str, Any], out: list[Event]) -> None:
        self._output[index] = item
        out.append(self._event("response.output_item.done", output_index=index, item=item))

    def _open_reasoning(self, out: list[Event]) -> _Open:
        self._close_message(out, "completed")
        item_id = new_id("rs")
        index = self._add({"id": item_id, "type": "reasoning", "summary": []}, out)
        self._reasoning = _Open(index, item_id)
        return self._reasoning

    def _reasoning_delta(self, text: str, out: list[Event]) -> None:
        open_ = self._reasoning or self._open_reasoning(out)
        ids = {"item_id": open_.item_id, "output_index": open_.index, "summary_index": 0}
        if not open_.parts:
            out.append(
                self._event("response.reasoning_summary_part.added", **ids, part={"type": "summary_text", "text": ""})
            )
        open_.parts.append(text)
        out.append(self._event("response.reasoning_summary_text.delta", **ids, delta=text))

    def _close_reasoning(self, out: list[Event]) -> None:
        open_ = self._reasoning
        if open_ is None:
            return
        self._reasoning = None
        item: dict[str, Any] = {"id": open_.item_id, "type": "reasoning", "summary": []}
        if open_.parts:
            text = "".join(open_.parts)
            ids = {"item_id": open_.item_id, "output_index": open_.index, "summary_index": 0}
            out.append(self._event("response.reasoning_summary_text.done", **ids, text=text))
            part = {"type": "summary_text", "text": text}
            out.append(self._event("response.reasoning_summary_part.done", **ids, part=part))
            item["summary"] = [dict(part)]
        if self._thinking:
            item["encrypted_content"] = reasoning_payload(self._thinking)
            self._thinking = []
        self._done(open_.index, item, out)

    def _part(self, kind: str, out: list[Event]) -> tuple[_Open, int, list[str]]:
        """The message's open content part of ``kind`` (``output_text`` or ``refusal``), started when needed."""
        open_ = self._message
        if open_ is None:
            self._close_reasoning(out)
            item_id = new_id("msg")
            item = {"id": item_id, "type": "message", "role": "assistant", "status": "in_progress", "content": []}
            open_ = self._message = _Open(self._add(item, out), item_id)
            open_.extra["parts"] = []
        parts: list[tuple[str, list[str], list[dict[str, Any]]]] = open_.extra["parts"]
        if parts and parts[-1][0] == kind:
            return open_, len(parts) - 1, parts[-1][1]
        index = len(parts)
        parts.append((kind, [], []))
        part = {"type": kind, "text": "", "annotations": []} if kind == "output_text" else {"type": kind, "refusal": ""}
        ids = {"item_id": open_.item_id, "output_index": open_.index, "content_index": index}
        out.append(self._event("response.content_part.added", **ids, part=part))
        return open_, index, parts[-1][1]

    def _text_delta(self, text: str, out: list[Event]) -> None:
        open_, index, chunks = self._part("output_text", out)
        chunks.append(text)
        ids = {"item_id": open_.item_id, "output_index": open_.index, "content_index": index}
        out.append(self._event("response.output_text.delta", **ids, delta=text, logprobs=[]))

    def _refusal_delta(self, text: str, out: list[Event]) -> None:
        open_, index, chunks = self._part("refusal", out)
        chunks.append(text)
        ids = {"item_id": open_.item_id, "output_index": open_.index, "content_index": index}
        out.append(self._event("response.refusal.delta", **ids, delta=text))

    def _annotations(self, raw: list[Any], out: list[Event]) -> None:
        """Citations (on a delta, as modelmux streams them) for the message's last text part."""
        annotations = annotations_of(raw)
        if not annotations:
            return
        open_, index, _ = self._part("output_text", out)
        kept = open_.extra["parts"][index][2]
        ids = {"item_id": open_.item_id, "output_index": open_.index, "content_index": index}
        for annotation in annotations:
            out.append(
                self._event(
                    "response.output_text.annotation.added", **ids, annotation_index=len(kept), annotation=annotation
                )
            )
            kept.append(annotation)

    def _close_message(self, out: list[Event], status: str) -> None:
        open_ = self._message
        if open_ is None:
            return
        self._message = None
        content: list[dict[str, Any]] = []
        for index, (kind, chunks, cites) in enumerate(open_.extra["parts"]):
            ids = {"item_id": open_.item_id, "output_index": open_.index, "content_index": index}
            text = "".join(chunks)
            if kind == "output_text":
                out.append(self._event("response.output_text.done", **ids, text=text, logprobs=[]))
                part: dict[str, Any] = {"type": kind, "text": text, "annotations": cites}
            else:
                out.append(self._event("response.refusal.done", **ids, refusal=text))
                part = {"type": kind, "refusal": text}
            out.append(self._event("response.content_part.done", **ids, part=part))
            content.append(dict(part))
        item = {"id": open_.item_id, "type": "message", "role": "assistant", "status": status, "content": content}
        self._done(open_.index, item, out)

    def _call_delta(self, call: Any, out: list[Event]) -> None:
        open_ = self._calls.get(call.index)
        function = call.function
        # A new id at a known index is a new call (some OpenAI-compatible vendors number every call 0).
        if open_ is None or (call.id and call.id != open_.extra["call_id"]):
            self._close_reasoning(out)
            self._close_message(out, "completed")
            item_id = new_id("fc")
            name = (function.name if function is not None else None) or ""
            item = {
                "id": item_id,
                "type": "function_call",
                "call_id": call.id or new_id("call"),
                "name": name,
                "arguments": "",
                "status": "in_progress",
            }
            open_ = _Open(self._add(item, out), item_id)
            open_.extra.update(call_id=item["call_id"], name=name)
            self._calls[call.index] = open_
            self._open_calls.append(open_)
        elif function is not None and function.name and not open_.extra["name"]:
            open_.extra["name"] = function.name
        if function is not None and function.arguments:
            open_.parts.append(function.arguments)
            out.append(
                self._event(
                    "response.function_call_arguments.delta",
                    item_id=open_.item_id,
                    output_index=open_.index,
                    delta=function.arguments,
                )
            )

    def _close_call(self, open_: _Open, out: list[Event]) -> None:
        arguments = "".join(open_.parts)
        out.append(
            self._event(
                "response.function_call_arguments.done",
                item_id=open_.item_id,
                output_index=open_.index,
                name=open_.extra["name"],
                arguments=arguments,
            )
        )
        item = {
            "id": open_.item_id,
            "type": "function_call",
            "call_id": open_.extra["call_id"],
            "name": open_.extra["name"],
            "arguments": arguments,
            "status": "completed",
        }
        self._done(open_.index, item, out)


def is_terminal(event: Mapping[str, Any]) -> bool:
    return event.get("type") in ("response.completed", "response.incomplete", "response.failed")
