"""modelmux answers (OpenAI format) → pydantic-ai: ``ChatCompletion`` → ``ModelResponse``, ``Usage`` →
``RequestUsage``, finish reasons → pydantic-ai's.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from pydantic_ai.exceptions import UnexpectedModelBehavior
from pydantic_ai.messages import FinishReason, ModelResponse, ModelResponsePart, TextPart, ThinkingPart, ToolCallPart
from pydantic_ai.usage import RequestUsage

from ...types import ChatCompletion, ChatCompletionMessage, Usage
from .map_messages import REDACTED_THINKING

__all__ = ["map_finish_reason", "map_response", "map_usage", "thinking_parts"]

#: OpenAI finish reasons (what modelmux reports for every provider) → pydantic-ai's; anything else → ``None``
#: (the raw value stays in ``provider_details["finish_reason"]``).
#: https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
FINISH_REASONS: dict[str, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_call",
    "function_call": "tool_call",
    "content_filter": "content_filter",
}


def map_finish_reason(reason: str | None) -> FinishReason | None:
    return FINISH_REASONS.get(reason) if reason else None


def map_usage(usage: Usage | None) -> RequestUsage:
    """OpenAI usage → ``RequestUsage``: cache reads and writes (Anthropic-style ``cache_creation_input_tokens``)
    and reasoning tokens in their own fields; ``input_tokens`` includes the cached ones, as pydantic-ai counts."""
    if usage is None:
        return RequestUsage(unmeasured_requests=1)
    extra = usage.model_extra or {}
    written = extra.get("cache_creation_input_tokens")
    prompt = usage.prompt_tokens_details
    completion = usage.completion_tokens_details
    details = {k: v for k, v in extra.items() if isinstance(v, int) and not isinstance(v, bool)}
    return RequestUsage(
        input_tokens=usage.prompt_tokens,
        output_tokens=usage.completion_tokens,
        cache_read_tokens=(prompt.cached_tokens or 0) if prompt else 0,
        cache_write_tokens=written if isinstance(written, int) else 0,
        input_audio_tokens=(prompt.audio_tokens or 0) if prompt else 0,
        output_reasoning_tokens=(completion.reasoning_tokens or 0) if completion else 0,
        output_audio_tokens=(completion.audio_tokens or 0) if completion else 0,
        details=details,
    )


def thinking_parts(message: ChatCompletionMessage, provider_name: str) -> list[ThinkingPart]:
    """Signed native blocks (``thinking_blocks``) when the provider sent them, else ``reasoning_content``."""
    blocks: Any = (message.model_extra or {}).get("thinking_blocks")
    parts: list[ThinkingPart] = []
    for block in blocks if isinstance(blocks, list) else ():
        if not isinstance(block, dict):
            continue
        if block.get("type") == "redacted_thinking":
            parts.append(
                ThinkingPart("", id=REDACTED_THINKING, signature=block.get("data"), provider_name=provider_name)
            )
        elif block.get("type") == "thinking":
            parts.append(
                ThinkingPart(block.get("thinking") or "", signature=block.get("signature"), provider_name=provider_name)
            )
    if not parts and message.reasoning_content:
        parts.append(ThinkingPart(message.reasoning_content, provider_name=provider_name))
    return parts


def map_response(completion: ChatCompletion, model_name: str, provider_name: str) -> ModelResponse:
    """The first choice of ``completion`` as a ``ModelResponse``; a refusal is a ``content_filter`` finish."""
    if not completion.choices:
        raise UnexpectedModelBehavior("the model's answer has no choices")
    choice = completion.choices[0]
    message = choice.message
    parts: list[ModelResponsePart] = [*thinking_parts(message, provider_name)]
    if message.content:
        parts.append(TextPart(message.content))
    for call in message.tool_calls or ():
        if call.function is not None:
            parts.append(ToolCallPart(call.function.name, call.function.arguments, tool_call_id=call.id))
    details: dict[str, Any] = {"finish_reason": choice.finish_reason} if choice.finish_reason else {}
    finish = map_finish_reason(choice.finish_reason)
    if message.refusal:
        details["refusal"] = message.refusal
        finish = "content_filter"
    if completion.created:
        details["timestamp"] = datetime.fromtimestamp(completion.created, tz=timezone.utc)
    return ModelResponse(
        parts=parts,
        usage=map_usage(completion.usage),
        model_name=model_name,
        provider_name=provider_name,
        provider_response_id=completion.id or None,
        provider_details=details or None,
        finish_reason=finish,
    )
