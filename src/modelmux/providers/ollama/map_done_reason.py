"""Ollama's ``done_reason`` → OpenAI ``finish_reason``.

Values (github.com/ollama/ollama, ``llm/server.go`` ``DoneReason``: ``stop``, ``length``,
``connection_closed``; ``server/routes.go``: ``load`` / ``unload`` answer a request with no messages that only
loads or unloads the model; docs.ollama.com/api/chat shows ``stop``). Ollama says ``stop`` when the model
called tools; OpenAI says ``tool_calls``.
"""

from __future__ import annotations

__all__ = ["BROKEN_DONE_REASONS", "DONE_REASONS", "map_done_reason"]

DONE_REASONS: dict[str, str] = {
    "stop": "stop",
    "length": "length",
    "load": "stop",
    "unload": "stop",
}

#: The answer broke off: an error, not a finished answer.
BROKEN_DONE_REASONS = frozenset({"connection_closed"})

#: Any other value (a newer server): the answer did finish.
DEFAULT_FINISH_REASON = "stop"


def map_done_reason(done_reason: str | None, has_tool_calls: bool) -> str:
    """The OpenAI finish reason for a final Ollama object."""
    mapped = DONE_REASONS.get(done_reason or "stop", DEFAULT_FINISH_REASON)
    return "tool_calls" if has_tool_calls and mapped == "stop" else mapped
