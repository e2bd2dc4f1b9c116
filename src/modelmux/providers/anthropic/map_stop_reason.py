"""Anthropic ``stop_reason`` → OpenAI ``finish_reason``.

Values from https://platform.claude.com/docs/en/api/handling-stop-reasons. ``pause_turn`` (a server tool
loop paused; send the turn back to continue) has no OpenAI equivalent and reads as ``stop``. Unknown or
missing values default to ``stop``; the native value is always kept as ``native_finish_reason``.
"""

from __future__ import annotations

__all__ = ["map_stop_reason"]

_FINISH_REASONS: dict[str, str] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "pause_turn": "stop",
    "refusal": "content_filter",
    "model_context_window_exceeded": "length",
}


def map_stop_reason(stop_reason: str | None, has_tool_calls: bool) -> str:
    """The finish reason; ``tool_use`` whose only call was the hidden JSON tool is a plain ``stop``."""
    finish = _FINISH_REASONS.get(stop_reason or "", "stop")
    if finish == "tool_calls" and not has_tool_calls:
        return "stop"
    return finish
