"""How fast the offline mock answers: waits between streamed chunks and before an answer.

``mock_delay=`` seconds before every streamed chunk after the first, and ``mock_tokens_per_second=`` a pace per
token of the chunk's text (the mock streams word by word, about one token a chunk); both may be given (they add).
A scripted turn's ``delay`` is waited once, before the answer starts (time to first token). The sleeping functions
are injected (:class:`MockProvider` takes them), so tests run on a fake clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import BadRequestError
from ..types import ChatCompletionChunk

__all__ = ["MAX_DELAY", "Pace", "pace_of"]

#: The longest wait one setting may ask for, in seconds (a typo must not hang a test suite for hours).
MAX_DELAY = 60.0


@dataclass(frozen=True, slots=True)
class Pace:
    delay: float = 0.0  # seconds per chunk
    tokens_per_second: float | None = None

    def wait_before(self, chunk: ChatCompletionChunk) -> float:
        """Seconds to wait before sending ``chunk`` (not called for the first one)."""
        wait = self.delay
        if self.tokens_per_second:
            wait += _tokens(chunk) / self.tokens_per_second
        return wait


def _tokens(chunk: ChatCompletionChunk) -> int:
    size = 0
    for choice in chunk.choices:
        size += len(choice.delta.content or "")
        for call in choice.delta.tool_calls or ():
            size += len(call.function.arguments or "") if call.function else 0
    return (size + 3) // 4


def _number(options: Mapping[str, Any], name: str, low: float, high: float) -> float | None:
    value = options.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise BadRequestError(
            f"{name} must be a number from {low:g} to {high:g}", provider="mock", param=name, code="invalid_value"
        )
    return float(value)


def pace_of(options: Mapping[str, Any]) -> Pace:
    """The pace the call's ``mock_delay`` / ``mock_tokens_per_second`` options ask for (checked)."""
    delay = _number(options, "mock_delay", 0.0, MAX_DELAY) or 0.0
    tps = _number(options, "mock_tokens_per_second", 0.0, 1_000_000.0)
    return Pace(delay=delay, tokens_per_second=tps or None)
