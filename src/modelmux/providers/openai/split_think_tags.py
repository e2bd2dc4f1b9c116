"""Reasoning written inline as ``<think>...</think>`` at the start of ``content`` → ``reasoning_content``.

Some servers put a reasoning model's thinking in the text itself (MiniMax-M2: platform.minimax.io, "M2 tool
use & interleaved thinking"; Perplexity sonar-reasoning(-pro): docs.perplexity.ai, "<think> section"). When
the profile says so (``reasoning_field="think_tags"``) the leading ``<think>`` block is split off: its inside
becomes ``reasoning_content``, what follows ``</think>`` (leading whitespace removed) the ``content``. A text
that does not start with ``<think>`` is left as it is; a block never closed (cut by ``length``) is all reasoning.

:class:`ThinkTags` does it piece by piece for streams, holding back only what could still be a tag (at most
eight characters), so a streamed answer accumulates to the same split as the whole one.
"""

from __future__ import annotations

__all__ = ["ThinkTags", "split_think_tags"]

_OPEN = "<think>"
_CLOSE = "</think>"


class ThinkTags:
    """One text's splitter; feed it the pieces in order, then :meth:`flush`."""

    __slots__ = ("_buffer", "_state")

    def __init__(self) -> None:
        self._state = "start"  # start → thinking → after → text, or start → text
        self._buffer = ""

    def feed(self, piece: str) -> tuple[str, str]:
        """``(reasoning, content)`` that this piece settles."""
        buffer = self._buffer + piece
        reasoning = content = ""
        while True:
            if self._state == "start":
                stripped = buffer.lstrip()
                if stripped.startswith(_OPEN):
                    self._state, buffer = "thinking", stripped[len(_OPEN) :]
                    continue
                if _OPEN.startswith(stripped):  # nothing yet, or a tag still arriving
                    break
                self._state = "text"
            elif self._state == "thinking":
                end = buffer.find(_CLOSE)
                if end >= 0:
                    reasoning += buffer[:end]
                    self._state, buffer = "after", buffer[end + len(_CLOSE) :]
                    continue
                keep = _partial_suffix(buffer, _CLOSE)
                reasoning += buffer[: len(buffer) - keep]
                buffer = buffer[len(buffer) - keep :]
                break
            elif self._state == "after":
                buffer = buffer.lstrip()
                if buffer:
                    self._state = "text"
                    continue
                break
            else:
                content += buffer
                buffer = ""
                break
        self._buffer = buffer
        return reasoning, content

    def flush(self) -> tuple[str, str]:
        """What is still held back, at the end of the text."""
        buffer, self._buffer = self._buffer, ""
        if self._state == "thinking":
            return buffer, ""
        return "", "" if self._state == "after" else buffer


def _partial_suffix(text: str, tag: str) -> int:
    """The length of the longest end of ``text`` that begins ``tag``."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


def split_think_tags(text: str) -> tuple[str | None, str]:
    """``(reasoning or None, content)`` of a whole text."""
    splitter = ThinkTags()
    reasoning, content = splitter.feed(text)
    more_reasoning, more_content = splitter.flush()
    reasoning += more_reasoning
    content += more_content
    return reasoning or None, content
