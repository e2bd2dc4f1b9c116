"""Anthropic ``stop_reason`` → OpenAI ``finish_reason``.

Values from https://platform.claude.com/docs/en/api/handling-stop-reasons (and the ``stop_reason`` field
of https://platform.claude.com/docs/en/api/messages). The native value is always kept as
``native_finish_reason``, so a caller can tell ``pause_turn`` from ``end_turn``.

=================================  =================  ==============================================
stop_reason                        finish_reason      why
=================================  =================  ==============================================
end_turn                           stop               natural end of the answer
stop_sequence                      stop               a caller's stop sequence matched (OpenAI: stop)
max_tokens                         length             the output limit was reached
model_context_window_exceeded      length             the context window filled while generating
tool_use                           tool_calls         (``stop`` when the only call was the hidden JSON tool)
pause_turn                         stop               a server-tool loop paused; the answer so far is
                                                      complete and sending it back (with its
                                                      ``content_blocks``) continues it. Not ``length``:
                                                      nothing was cut
refusal                            content_filter     the streaming classifiers stopped the answer
missing / unknown                  stop               explicit default: the answer ended normally as far
                                                      as the stream shows; the native value is kept
=================================  =================  ==============================================
"""

from __future__ import annotations

__all__ = ["DEFAULT_FINISH_REASON", "FINISH_REASONS", "map_stop_reason"]

FINISH_REASONS: dict[str, str] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "pause_turn": "stop",
    "refusal": "content_filter",
}
DEFAULT_FINISH_REASON = "stop"


def map_stop_reason(stop_reason: str | None, has_tool_calls: bool) -> str:
    """The finish reason; ``tool_use`` whose only call was the hidden JSON tool is a plain ``stop``."""
    finish = FINISH_REASONS.get(stop_reason or "", DEFAULT_FINISH_REASON)
    if finish == "tool_calls" and not has_tool_calls:
        return "stop"
    return finish
