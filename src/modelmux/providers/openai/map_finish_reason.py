"""``finish_reason`` values of OpenAI and OpenAI-format servers → OpenAI's own values.

OpenAI's values pass through. Every other value a server documents has a row below; anything else becomes
:data:`DEFAULT`. The native value is kept as ``native_finish_reason`` so the result still validates as an
OpenAI object and nothing the server said is lost. Values that mean the generation broke off
(:data:`BROKEN`) are not a finish at all: they raise ``UpstreamError``.
"""

from __future__ import annotations

from typing import Any

from ...errors import UpstreamError
from .._base import CallContext
from .errors import error_from_event

__all__ = ["BROKEN", "DEFAULT", "FINISH_REASONS", "OPENAI_FINISH_REASONS", "map_finish_reason", "normalize_choices"]

#: OpenAI API reference, "The chat completion object": ``choices[].finish_reason``.
OPENAI_FINISH_REASONS = frozenset({"stop", "length", "tool_calls", "content_filter", "function_call"})

#: Lower-cased native value → OpenAI value.
FINISH_REASONS: dict[str, str] = {
    # DeepSeek (api-docs.deepseek.com/api/create-chat-completion, finish_reason): the answer was cut short
    # because the inference system ran out of resources — truncated output, as ``length`` is.
    "insufficient_system_resource": "length",
    # Mistral (docs.mistral.ai/api, ChatCompletionChoice.finish_reason: stop|length|model_length|error|tool_calls):
    # ``model_length`` is the model's context window reached.
    "model_length": "length",
    # vLLM / TGI (huggingface.co/docs/text-generation-inference, FinishReason: length|eos_token|stop_sequence)
    # and Ollama's native done_reason (docs.ollama.com/api/chat: stop|length|load|unload).
    "eos": "stop",
    "eos_token": "stop",
    "stop_sequence": "stop",
    "load": "stop",
    "unload": "stop",
    # Anthropic stop_reason values relayed by routers such as OpenRouter (docs.anthropic.com, "Handling stop
    # reasons"): a refusal is the provider's safety system declining, as content_filter is.
    "end_turn": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "pause_turn": "stop",
    "refusal": "content_filter",
    "model_context_window_exceeded": "length",
    # Gemini finishReason values relayed by routers (ai.google.dev/api/generate-content#FinishReason).
    # MALFORMED_FUNCTION_CALL: the model produced no valid call and no text — a plain stop, native kept.
    "finish_reason_unspecified": "stop",
    "max_tokens_reached": "length",
    "safety": "content_filter",
    "recitation": "content_filter",
    "blocklist": "content_filter",
    "prohibited_content": "content_filter",
    "spii": "content_filter",
    "image_safety": "content_filter",
    "malformed_function_call": "stop",
    "unexpected_tool_call": "stop",
    "language": "stop",
    "other": "stop",
}

#: The generation broke off: Mistral ``error`` ("the generation was stopped due to an error"), OpenRouter
#: ``error`` (docs "Errors": mid-stream errors end the choice with ``finish_reason: "error"``), vLLM ``abort``
#: (the engine aborted the request). A half answer is not a success.
BROKEN = frozenset({"error", "abort"})

#: Anything undocumented: the generation ended, for a reason we cannot name.
DEFAULT = "stop"


def map_finish_reason(native: str) -> str | None:
    """The OpenAI value for ``native``, or ``None`` when it says the generation broke off (:data:`BROKEN`)."""
    if native in OPENAI_FINISH_REASONS:
        return native
    key = native.lower()
    if key in BROKEN:
        return None
    return FINISH_REASONS.get(key, DEFAULT)


def normalize_choices(choices: list[Any], ctx: CallContext | None = None) -> None:
    """Map, in place, the ``finish_reason`` of these choices (a non-OpenAI one is kept as ``native_finish_reason``).

    Raises:
        APIError: a choice ended with a :data:`BROKEN` value and its own ``error`` object (mapped).
        UpstreamError: a choice ended with a :data:`BROKEN` value.
    """
    for choice in choices:
        reason = choice.finish_reason
        if reason is None or reason in OPENAI_FINISH_REASONS:
            continue
        mapped = map_finish_reason(str(reason))
        if mapped is None:
            error = (choice.__pydantic_extra__ or {}).get("error")
            if ctx is not None and isinstance(error, dict):  # OpenRouter puts the cause on the choice
                raise error_from_event(error, "", ctx)
            raise UpstreamError(
                f"the provider broke off the answer (finish_reason {reason!r})",
                provider=ctx.provider if ctx else None,
                model=ctx.model if ctx else None,
            )
        choice.native_finish_reason = reason
        choice.finish_reason = mapped
