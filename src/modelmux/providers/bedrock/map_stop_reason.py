"""Converse ``stopReason`` → OpenAI ``finish_reason``.

Values from the ``StopReason`` enum of the Bedrock Runtime API
(https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax).
Guardrail and content-filter stops read as ``content_filter``; ``model_context_window_exceeded`` as ``length``
(the answer was cut); a malformed answer or tool call has no OpenAI equivalent and reads as ``stop`` (or
``tool_calls`` when calls did arrive). Unknown or missing values default to ``stop``; the native value is
always kept as ``native_finish_reason``.
"""

from __future__ import annotations

__all__ = ["DEFAULT_FINISH_REASON", "map_stop_reason"]

DEFAULT_FINISH_REASON = "stop"

_FINISH_REASONS: dict[str, str] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "malformed_tool_use": "tool_calls",
    "guardrail_intervened": "content_filter",
    "content_filtered": "content_filter",
    "malformed_model_output": "stop",
}


def map_stop_reason(stop_reason: str | None, has_tool_calls: bool) -> str:
    """The finish reason; ``tool_calls`` only when visible tool calls exist (not the hidden JSON tool)."""
    finish = _FINISH_REASONS.get(stop_reason or "", DEFAULT_FINISH_REASON)
    if finish == "tool_calls" and not has_tool_calls:
        return DEFAULT_FINISH_REASON
    return finish
