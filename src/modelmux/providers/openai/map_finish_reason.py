"""OpenAI-compatible servers sometimes invent finish reasons (``eos``, ``end_turn``, ``max_tokens``…).

OpenAI's own values pass through; others are mapped to the nearest OpenAI value (default ``stop``)
and kept as ``native_finish_reason``, so the result still validates as an OpenAI object.
"""

from __future__ import annotations

from typing import Any

OPENAI_FINISH_REASONS = frozenset({"stop", "length", "tool_calls", "content_filter", "function_call"})

#: Values seen from compatible servers (vLLM, Ollama, OpenRouter upstreams, TGI).
_MAP: dict[str, str] = {
    "eos": "stop",
    "eos_token": "stop",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_length": "length",
    "tool_use": "tool_calls",
    "function_call": "function_call",
    "safety": "content_filter",
}


def normalize_choices(choices: list[Any]) -> None:
    """Map, in place, any non-OpenAI ``finish_reason`` of these choices."""
    for choice in choices:
        reason = choice.finish_reason
        if reason is None or reason in OPENAI_FINISH_REASONS:
            continue
        choice.native_finish_reason = reason
        choice.finish_reason = _MAP.get(str(reason).lower(), "stop")
