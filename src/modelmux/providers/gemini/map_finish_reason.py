"""Gemini ``finishReason`` / ``blockReason`` → OpenAI ``finish_reason``.

Values from https://ai.google.dev/api/generate-content#FinishReason and ``#BlockReason``.
"""

from __future__ import annotations

__all__ = ["BLOCKED_PROMPT", "map_finish_reason"]

_CONTENT_FILTER = "content_filter"

#: A prompt blocked before any candidate (``promptFeedback.blockReason``), whatever the reason.
BLOCKED_PROMPT = _CONTENT_FILTER

#: Reasons that are not a plain stop. Everything else — STOP, and the reasons for which OpenAI has no
#: word (LANGUAGE, OTHER, MALFORMED_FUNCTION_CALL, UNEXPECTED_TOOL_CALL, TOO_MANY_TOOL_CALLS, NO_IMAGE,
#: FINISH_REASON_UNSPECIFIED…) — is ``stop``; the native value stays in ``native_finish_reason``.
_TABLE = {
    "MAX_TOKENS": "length",
    "SAFETY": _CONTENT_FILTER,
    "RECITATION": _CONTENT_FILTER,
    "BLOCKLIST": _CONTENT_FILTER,
    "PROHIBITED_CONTENT": _CONTENT_FILTER,
    "SPII": _CONTENT_FILTER,
    "IMAGE_SAFETY": _CONTENT_FILTER,
    "IMAGE_PROHIBITED_CONTENT": _CONTENT_FILTER,
    "IMAGE_RECITATION": _CONTENT_FILTER,
    "MODEL_ARMOR": _CONTENT_FILTER,
    "JAILBREAK": _CONTENT_FILTER,
}
_DEFAULT = "stop"


def map_finish_reason(native: str | None, has_tool_calls: bool = False) -> str:
    """The OpenAI finish reason; a stop that produced function calls is ``tool_calls``."""
    mapped = _TABLE.get(native or "", _DEFAULT)
    if mapped == _DEFAULT and has_tool_calls:
        return "tool_calls"
    return mapped
