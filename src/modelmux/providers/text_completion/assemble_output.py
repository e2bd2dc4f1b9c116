"""Generated text → the assistant's content, reasoning and tool calls, piece by piece.

One state machine serves streamed and whole answers alike (a whole answer is one piece), so accumulating a stream
gives exactly the non-streamed result. Stages, in order:

1. stop strings: the text ends at the first one (servers differ in whether they return it);
2. reasoning, for families that think in ``<think>…</think>``: text up to ``</think>`` is reasoning when the answer
   opens with ``<think>`` or the prompt already opened it; whitespace around the tags is dropped;
3. tool calls, when the request gave tools and the template has a tool syntax: text is buffered from the first
   ``<tool_call>`` (hermes), or from the start when the answer opens with ``{`` or ``<`` (llama3_json), and parsed
   at the end; text that does not parse is released as content. Whitespace just before a tool call is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .parse_tool_calls import HERMES_OPEN, parse_tool_calls
from .stop_scanner import StopScanner

__all__ = ["OutputAssembler", "OutputPlan", "Parts"]

_THINK_OPEN = "<think>"
_THINK_CLOSE = "</think>"


@dataclass(frozen=True, slots=True)
class OutputPlan:
    """What the request implies for reading the answer."""

    stop: tuple[str, ...] = ()
    tools: str | None = None  # tool syntax to parse; None: the request gave no tools
    reasoning: bool = False
    thinking_open: bool = False  # the prompt ends inside <think>


@dataclass(slots=True)
class Parts:
    """What one piece of text turned into."""

    content: str = ""
    reasoning: str = ""
    tool_calls: list[dict[str, Any]] | None = None


class OutputAssembler:
    def __init__(self, plan: OutputPlan) -> None:
        self._stop = StopScanner(plan.stop)
        self._syntax = plan.tools
        # Phases: "open" (deciding whether the answer opens with <think>), "think", then content.
        self._phase = "think" if plan.reasoning and plan.thinking_open else "open" if plan.reasoning else "content"
        self._head = ""  # held while deciding (reasoning or llama3_json)
        self._think_end = StopScanner((_THINK_CLOSE,))
        self._lstrip_reasoning = True
        self._lstrip_content = False
        self._opener = StopScanner((HERMES_OPEN,)) if plan.tools == "hermes" else None
        self._decided = plan.tools != "llama3_json"
        self._buffer: list[str] | None = None  # tool-call text, once it started
        self._pending_ws = ""  # trailing whitespace of content, released only if more content follows

    @property
    def stopped(self) -> bool:
        """A stop string ended the text."""
        return self._stop.stopped

    def feed(self, text: str) -> Parts:
        out = Parts()
        self._route(self._stop.feed(text), out)
        return out

    def finish(self) -> Parts:
        out = Parts()
        self._route(self._stop.flush(), out)
        if self._phase == "open":
            self._phase = "content"
            head, self._head = self._head, ""
            self._content(head, out)
        elif self._phase == "think":
            self._reasoning(self._think_end.flush(), out)
        if not self._decided:
            self._decided = True
            head, self._head = self._head, ""
            self._emit(head, out)
        if self._opener is not None and self._buffer is None:
            self._emit(self._opener.flush(), out)
        if self._buffer is not None:
            text = "".join(self._buffer)
            parsed = parse_tool_calls(text, self._syntax or "")
            if parsed is None:
                self._emit(text, out)
            else:
                self._pending_ws = ""
                self._emit(parsed[0].rstrip(), out)
                out.tool_calls = parsed[1]
        if out.tool_calls is None:
            out.content += self._pending_ws
        self._pending_ws = ""
        return out

    def _route(self, text: str, out: Parts) -> None:
        if not text:
            return
        if self._phase == "open":
            self._head += text
            lead = self._head.lstrip()
            if len(lead) < len(_THINK_OPEN) and _THINK_OPEN.startswith(lead):
                return
            text, self._head = self._head, ""
            if lead.startswith(_THINK_OPEN):
                self._phase = "think"
                text = lead[len(_THINK_OPEN) :]
            else:
                self._phase = "content"
        if self._phase == "think":
            self._reasoning(self._think_end.feed(text), out)
            if not self._think_end.stopped:
                return
            self._phase = "content"
            self._lstrip_content = True
            text = self._think_end.rest
        self._content(text, out)

    def _reasoning(self, text: str, out: Parts) -> None:
        if self._lstrip_reasoning:
            text = text.lstrip()
            self._lstrip_reasoning = not text
        out.reasoning += text

    def _content(self, text: str, out: Parts) -> None:
        if self._lstrip_content:
            text = text.lstrip()
            self._lstrip_content = not text
        if not text:
            return
        if self._buffer is not None:
            self._buffer.append(text)
            return
        if not self._decided:
            self._head += text
            lead = self._head.lstrip()
            if not lead:
                return
            self._decided = True
            head, self._head = self._head, ""
            if lead[0] in "{<":
                self._buffer = [lead]
                return
            text = head
        if self._opener is not None:
            before = self._opener.feed(text)
            self._emit(before, out)
            if self._opener.stopped:
                self._buffer = [HERMES_OPEN, self._opener.rest]
            return
        self._emit(text, out)

    def _emit(self, text: str, out: Parts) -> None:
        if not text:
            return
        if self._syntax is None:
            out.content += text
            return
        body = text.rstrip()
        if not body:
            self._pending_ws += text
            return
        out.content += self._pending_ws + body
        self._pending_ws = text[len(body) :]
